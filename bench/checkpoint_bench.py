"""``python -m bench.checkpoint_bench``: what checkpoints add to a Bash call.

On the 6,000-file workspace of ``bench.refactor_bench`` (rope's source, site-packages and
the stdlib), each call is timed as the agent runs it: the background refresh has run
while the model was thinking (``refresh_soon``, not on the call's path), then
``before_tool`` + the command + ``after_tool``; the overhead is that minus the command
alone, timed just before. The command changes one file and creates another, so the
after-scan records two changes. Reported: the one-time copy of the workspace (taken in
the background during the session's first model request; blobs are shared by sessions,
so a later session only reads and hashes), and the per-call overhead (median, p95, and
CPU time, which a busy machine does not inflate). Goal: < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent.checkpoints import Checkpoints
from agent.types import Event, PermissionDecision, PermissionRequest
from bench.refactor_bench import build_large

GOAL_MS = 50.0


class DiskPort:
    def __init__(self, root: Path) -> None:
        self.roots = [root]

    async def read_text(self, path: Path) -> str:
        return path.read_text(encoding="utf-8")

    async def write_text(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        return "allowOnce"

    def emit(self, event: Event) -> None:
        return None


def run(root: Path, command: str) -> None:
    subprocess.run(["bash", "-c", command], cwd=root, check=True)


async def measure(
    root: Path, store: Path, calls: int
) -> tuple[float, int, list[float], list[float]]:
    checkpoints = Checkpoints(store / "session", root, DiskPort(root))
    started = time.perf_counter()
    checkpoints.refresh_soon()  # the first model request: the copy is taken meanwhile
    await checkpoints.close()
    baseline = (time.perf_counter() - started) * 1000
    files = len(checkpoints._known)
    overheads, cpu = [], []
    for n in range(calls):
        checkpoints.begin_turn(n)
        command = f"echo {n} >> stdlib/bench_target.py && echo {n} > created_{n}.txt"
        started, cpu_started = time.perf_counter(), time.process_time()
        run(root, f"true {n}")
        bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        checkpoints.refresh_soon()  # while the model thinks
        await checkpoints.close()
        started, cpu_started = time.perf_counter(), time.process_time()
        mark = await checkpoints.before_tool("Bash", {"command": command}, False)
        run(root, command)
        await checkpoints.after_tool(mark)
        overheads.append((time.perf_counter() - started - bare) * 1000)
        cpu.append((time.process_time() - cpu_started - bare_cpu) * 1000)
        assert len(checkpoints.turns[-1].files) == 2, checkpoints.turns[-1].files
    return baseline, files, overheads, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.checkpoint_bench")
    parser.add_argument("--files", type=int, default=6000, help="workspace size")
    parser.add_argument("--calls", type=int, default=30, help="Bash calls to time")
    parser.add_argument("--git", action="store_true", help="make the workspace a git repository")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root, store = Path(tmp) / "ws", Path(tmp) / "checkpoints"
        root.mkdir()
        print(f"building the workspace ({args.files} files)…", file=sys.stderr)
        build_large(root, args.files)
        # the file a timed call writes (build_large may stop before stdlib/ on a large venv)
        (root / "stdlib").mkdir(exist_ok=True)
        (root / "stdlib" / "bench_target.py").write_text("# target\n")
        if args.git:  # committed files need no copy: git has them
            who = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
            for step in (["init", "-q"], ["add", "-A"], [*who, "commit", "-qm", "bench"]):
                subprocess.run(["git", *step], cwd=root, check=True)
        baseline, files, overheads, cpu = asyncio.run(measure(root, store, args.calls))
    p50 = statistics.median(overheads)
    p95 = sorted(overheads)[max(0, int(len(overheads) * 0.95) - 1)]
    cpu50 = statistics.median(cpu)
    print(f"workspace: {files} files tracked")
    print(f"copy of the workspace: {baseline:.0f} ms, in the background (once per session)")
    print(f"per Bash call: checkpoint overhead p50 {p50:.1f} ms, p95 {p95:.1f} ms wall")
    print(f"per Bash call: CPU time p50 {cpu50:.1f} ms (wall exceeds it on a busy machine)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for what, value in (("wall", p50), ("CPU", cpu50)):
        verdict = "PASS" if value < GOAL_MS else "MISS"
        print(f"goal p50 < {GOAL_MS:.0f} ms ({what}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
