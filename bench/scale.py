"""``python -m bench.scale``: a hostile-size workspace (issue 13) through the real server.

Generates under /tmp (deleted afterwards) a tree of ``--files`` files (100,000 by
default): small Python modules in nested packages, some text and JSON files, and
folders an editor never wants walked — ``node_modules``, ``.git`` and a ``build/``
folder named in ``.gitignore``; plus one Python file of ``--huge-mb`` MB (50). Then
measures, each against a bound in time and in peak memory (VmHWM of the process, from
``/proc/PID/status`` for the server and ``wait4`` for the command-line runs):

- the server: launch → ``initialize``; didOpen of a small file → its diagnostics; a
  rename of a function used in a few files (the edit must touch exactly those files);
  the 50 MB file opened → its diagnostics (or a clear skip), document symbols, folding
  ranges, code actions; and a small request answered after all that;
- ``claude-lsp check`` over the tree (and the files it must not walk);
- the repository map build the server runs on its worker thread (``server.repo_map``),
  cold and from the saved map, in its own process.

The bounds are for a 2-core machine shared with other jobs (see ``BOUNDS``). Progress
on stderr, the table on stdout; exit 1 when a bound is missed or a result is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.lsp import EDITOR_CAPABILITIES, LspProcess, edit_counts
from bench.servers import claude_server

PACKAGES, SUBPACKAGES = 50, 20  # 1,000 folders of about 100 files
HELPER = "shared_helper_function"
HELPER_USERS = 5

CHECK = "claude-lsp check over the tree (CPU time)"
MAP_COLD = "repository map: first build, 20,000-file cap (CPU time)"
MAP_WARM = "repository map: start from the saved map (CPU time)"

RENAME = "rename, a function used in 5 files (server CPU time)"
CPU_JUDGED = {RENAME}

# (seconds, MB of peak RSS) per step; None: not bounded. Why these bounds, on a 2-core
# machine shared with other jobs: start, didOpen and the requests on the 50 MB file must
# not grow with the tree or the file (no walk at start; a document over
# syntax.maxFileSize is skipped, never parsed on the event loop), so seconds of wall
# time each; reading the 50 MB didOpen message itself is the floor of its step. A
# rename reads every Python file once (rope), check runs pyflakes on each: linear work,
# bounded by CPU time per file (0.6 ms and 4 ms). Memory: the server holds the 50 MB
# text a few times (message, document, rope buffer), never a syntax tree or AST of it
# (an AST of a 5 MB file took 1.5 GB); check streams (a few MB per file at most); the
# map is capped at 20,000 files.
BOUNDS: dict[str, tuple[float, float | None]] = {
    "start + initialize": (10.0, None),
    "didOpen small file -> diagnostics": (10.0, None),
    RENAME: (60.0, None),
    "didOpen 50 MB file -> diagnostics or skip": (20.0, None),
    "50 MB file: document symbols": (10.0, None),
    "50 MB file: folding ranges": (10.0, None),
    "50 MB file: code actions": (10.0, None),
    "small request after the 50 MB file": (5.0, None),
    "server peak memory": (0.0, 1_000.0),
    CHECK: (400.0, 200.0),
    MAP_COLD: (60.0, 600.0),
    MAP_WARM: (20.0, 600.0),
}


def _module(i: int, j: int, k: int) -> str:
    return (
        f'"""Module {i}.{j}.{k}."""\n\n'
        "import os\n\n\n"
        f"LIMIT_{k} = {k}\n\n\n"
        f"def compute_{i}_{j}_{k}(values):\n"
        "    total = 0\n"
        "    for value in values:\n"
        "        total += value * 2\n"
        "    return total + len(os.sep)\n\n\n"
        f"class Record{k}:\n"
        "    def __init__(self, name):\n"
        "        self.name = name\n\n"
        "    def describe(self):\n"
        '        return f"record {self.name}"\n'
    )


def generate(root: Path, files: int, huge_mb: int) -> dict[str, Any]:
    """The tree; returns what the steps need (paths, expected edit)."""
    (root / ".gitignore").write_text("build/\n*.log\n")
    written = 1
    for folder, count in (("node_modules/lib", 2_000), (".git/objects", 1_000), ("build", 1_000)):
        (root / folder).mkdir(parents=True)
        for n in range(count):
            (root / folder / f"gen_{n}.py").write_text("this is not python (\n")
        written += count
    core = root / "core"
    core.mkdir()
    (core / "__init__.py").write_text("")
    (core / "util.py").write_text(f"def {HELPER}(value):\n    return value + 1\n")
    written += 2
    small = root / "pkg00" / "sub00" / "mod000.py"
    small.parent.mkdir(parents=True)
    small.write_text(_module(0, 0, 0))
    written += 1
    users = []
    folders = PACKAGES * SUBPACKAGES
    per_folder = max(2, -(-(files - written - 1) // folders))  # ceiling: at least files
    for i in range(PACKAGES):
        for j in range(SUBPACKAGES):
            folder = root / f"pkg{i:02d}" / f"sub{j:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "__init__.py").write_text("")
            written += 1
            if len(users) < HELPER_USERS and i % 10 == 3 and j == 1:
                user = folder / "uses_helper.py"
                user.write_text(
                    f"from core.util import {HELPER}\n\n\ndef run():\n    return {HELPER}(1)\n"
                )
                users.append(user)
                written += 1
            for k in range(1, per_folder):
                if written >= files - 1:
                    break
                if k % 10 == 9:
                    name = "notes.txt" if k % 20 == 9 else f"data{k}.json"
                    (folder / name).write_text('{"value": 1}\n')
                else:
                    (folder / f"mod{k:03d}.py").write_text(_module(i, j, k))
                written += 1
    huge = root / "huge.py"
    block = "".join(f"def generated_{n}(x):\n    return x + {n}\n\n\n" for n in range(1_000))
    with huge.open("w") as handle:
        while handle.tell() < huge_mb * 1_000_000:
            handle.write(block)
    written += 1
    return {"files": written, "users": users, "small": small, "huge": huge}


def vmhwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_measured(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MB, exit status) of a command, its output
    discarded. Peak RSS is VmHWM read every 0.1 s until the exit (``ru_maxrss`` would
    count the bench's own pages from before the exec)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0.0
    while True:
        with contextlib.suppress(OSError, ValueError):
            peak = max(peak, vmhwm_mb(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, peak, proc.returncode


Row = tuple[str, float, float | None, str]  # step, seconds, MB, detail


class Session:
    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.lsp = LspProcess(claude_server().argv, root, log_path=log)
        self.rows: list[Row] = []

    def step(self, name: str, action: Callable[[], str]) -> None:
        print(f"{name} …", file=sys.stderr)
        started = time.perf_counter()
        cpu = self._cpu()
        try:
            detail = action()
        except (TimeoutError, RuntimeError) as exc:
            detail = f"WRONG: {exc}"
        seconds = time.perf_counter() - started
        used = self._cpu() - cpu
        if name in CPU_JUDGED:  # long steps: judged by the server's CPU time, not wall
            seconds, detail = used, f"{detail}; wall {seconds:.1f} s"
        else:
            detail = f"{detail}; server CPU {used:.1f} s".lstrip("; ")
        self.rows.append((name, seconds, None, detail))

    def _cpu(self) -> float:
        proc = self.lsp.proc
        if proc is None:
            return 0.0
        with contextlib.suppress(OSError):
            return cpu_seconds(proc.pid)
        return 0.0

    def request(self, method: str, params: Any, timeout: float) -> Any:
        answer = self.lsp.request(method, params, timeout)
        if answer is None:
            raise TimeoutError(f"no answer in {timeout:.0f} s")
        if "error" in answer[1]:
            return f"error: {answer[1]['error'].get('message')}"
        return answer[1].get("result")

    def open(self, path: Path, timeout: float) -> str:
        uri = path.as_uri()
        self.lsp.did_open(uri, path.read_text())
        published = self.lsp.wait_diagnostics(uri, timeout)
        if published is None:
            return "no diagnostics published"
        return f"{len(published[1]['params']['diagnostics'])} diagnostics"


def server_steps(root: Path, tree: dict[str, Any], log: Path) -> list[Row]:
    session = Session(root, log)
    lsp = session.lsp
    huge: Path = tree["huge"]
    huge_doc = {"textDocument": {"uri": huge.as_uri()}}

    def start() -> str:
        lsp.start()
        if lsp.initialize(root, 30, None, EDITOR_CAPABILITIES) is None:
            raise TimeoutError("no initialize answer")
        lsp.notify("initialized", {})
        return ""

    def rename() -> str:
        users: list[Path] = tree["users"]
        text = users[0].read_text()
        lsp.did_open(users[0].as_uri(), text)
        line = text.splitlines()[-1]
        position = {"line": 4, "character": line.index(HELPER)}
        params = {"textDocument": {"uri": users[0].as_uri()}, "position": position}
        edit = session.request("textDocument/rename", {**params, "newName": "renamed_helper"}, 120)
        if not isinstance(edit, dict):
            raise RuntimeError(f"no edit: {edit}")
        files, edits = edit_counts(edit)
        if files != len(users) + 1:
            raise RuntimeError(f"{files} files, {edits} edits; expected {len(users) + 1}")
        return f"{files} files, {edits} edits"

    def ranged(method: str, extra: dict[str, Any]) -> Callable[[], str]:
        def run() -> str:
            result = session.request(method, {**huge_doc, **extra}, 60)
            return result if isinstance(result, str) else f"{len(result or [])} items"

        return run

    start_range = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    context = {"diagnostics": [], "triggerKind": 1}
    try:
        session.step("start + initialize", start)
        session.step("didOpen small file -> diagnostics", lambda: session.open(tree["small"], 60))
        session.step(RENAME, rename)
        session.step("didOpen 50 MB file -> diagnostics or skip", lambda: session.open(huge, 60))
        session.step("50 MB file: document symbols", ranged("textDocument/documentSymbol", {}))
        session.step("50 MB file: folding ranges", ranged("textDocument/foldingRange", {}))
        session.step(
            "50 MB file: code actions",
            ranged("textDocument/codeAction", {"range": start_range, "context": context}),
        )
        small_doc = {"textDocument": {"uri": tree["small"].as_uri()}}
        session.step(
            "small request after the 50 MB file",
            lambda: f"{len(session.request('textDocument/foldingRange', small_doc, 60))} folds",
        )
        assert lsp.proc is not None
        session.rows.append(("server peak memory", 0.0, vmhwm_mb(lsp.proc.pid), ""))
    finally:
        lsp.close(timeout=3.0)
    return session.rows


def command_steps(root: Path, cache_home: Path, check_tree: bool) -> list[Row]:
    rows: list[Row] = []
    script = Path(sys.executable).parent / "claude-lsp"
    check = [str(script), "check", "-q", "--format", "json", str(root)]
    if check_tree:
        print("claude-lsp check …", file=sys.stderr)
        wall, cpu, mb, status = run_measured(check)
        # Every walked file is clean: exit 1 would mean a broken file of node_modules,
        # .git or the ignored build/ folder was checked.
        detail = "nothing ignored was read" if status == 0 else f"WRONG: exit {status}"
        rows.append((CHECK, cpu, mb, f"{detail}; wall {wall:.0f} s"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    build = [
        sys.executable,
        "-c",
        "import sys, pathlib, server.repo_map as m; "
        "r = m._build(pathlib.Path(sys.argv[1])); sys.exit(len(r.files) == 0)",
        str(root),
    ]
    for name in (MAP_COLD, MAP_WARM):
        print(f"{name} …", file=sys.stderr)
        wall, cpu, mb, status = run_measured(build, env)
        detail = f"wall {wall:.1f} s" if status == 0 else f"WRONG: exit {status}"
        rows.append((name, cpu, mb, detail))
    return rows


def verdict(name: str, seconds: float, mb: float | None, detail: str) -> str:
    limit_s, limit_mb = BOUNDS.get(name, (0.0, None))
    ok = not detail.startswith("WRONG")
    if limit_s:
        ok = ok and seconds <= limit_s
    if limit_mb is not None and mb is not None:
        ok = ok and mb <= limit_mb
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--huge-mb", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    parser.add_argument("--no-check", action="store_true", help="leave out claude-lsp check")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="claude-lsp-scale-", dir="/tmp"))
    try:
        root = tmp / "ws"
        root.mkdir()
        started = time.perf_counter()
        tree = generate(root, args.files, args.huge_mb)
        print(
            f"tree: {tree['files']:,} files in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        rows = server_steps(root, tree, tmp / "server.log")
        rows += command_steps(root, tmp / "cache", not args.no_check)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; files {tree['files']:,}")
    print("| step | time | peak RSS | bound | result | |\n|---|---|---|---|---|---|")
    failed = False
    for name, seconds, mb, detail in rows:
        limit_s, limit_mb = BOUNDS.get(name, (0.0, None))
        bound = " / ".join(
            part
            for part in (
                f"{limit_s:.0f} s" if limit_s else "",
                f"{limit_mb:.0f} MB" if limit_mb else "",
            )
            if part
        )
        shown_mb = f"{mb:.0f} MB" if mb is not None else ""
        mark = verdict(name, seconds, mb, detail)
        failed |= mark == "MISS"
        shown_s = f"{seconds:.2f} s" if seconds else ""
        print(f"| {name} | {shown_s} | {shown_mb} | {bound} | {detail} | {mark} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
