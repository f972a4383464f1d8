"""``python -m bench.soak``: many mixed requests on one connection while agent turns stream.

One claude-lsp process, a 1,500-line Python file open, and the loopback Messages API
(`tests.agent.fake_api`) streaming long replies: a ``claude/chat`` turn is always
running (a new one starts when the last ends). Meanwhile the client sends ``--requests``
requests in a fixed mix — incremental changes, code actions, symbols, folding,
selection, prepareRename, hovers of nothing — one at a time, and times each. Reported:
p50/p99 per method, every request answered, the server's resident memory (its own and
its pyflakes worker's) after warm-up (the import index built, a tenth of the messages
sent) and at the end. Goal: RSS growth after warm-up under ``GOAL_RSS_MB``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.lsp import EDITOR_CAPABILITIES, LspProcess, Message
from bench.report import percentile
from bench.typing_load import Editor, indexed
from bench.workload import big_file
from tests.agent.fake_api import FakeAnthropic, Reply, Text

GOAL_RSS_MB = 40.0
# Errors that are answers: no hover provider (-32601), nothing to rename there (-32803).
ANSWERED = (-32601, -32803)
MIX = (
    "didChange",
    "didChange",
    "textDocument/codeAction",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
    "textDocument/selectionRange",
    "textDocument/prepareRename",
    "textDocument/hover",
)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, in MB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


class Soak:
    def __init__(self, lsp: LspProcess, uri: str, editor: Editor) -> None:
        self.lsp = lsp
        self.uri = uri
        self.editor = editor
        self.chat_id: int | None = None
        self.turns = 0

    def start_turn(self) -> None:
        self.turns += 1
        self.chat_id = self.lsp.send_request(
            "claude/chat", {"prompt": f"turn {self.turns}", "permissionMode": "plan"}
        )

    def answer(self, msg_id: int, timeout: float) -> Message | None:
        def matches(message: Message) -> bool:
            if "method" in message:
                return False
            if message.get("id") == self.chat_id:
                self.start_turn()  # always one turn streaming
                return False
            return message.get("id") == msg_id

        got = self.lsp.wait_for(matches, timeout)
        return None if got is None else got[1]

    def params(self, method: str) -> Any:
        if method in ("textDocument/prepareRename", "textDocument/hover"):
            here = {"line": 0, "character": 0}
            return {"textDocument": {"uri": self.uri}, "position": here}
        return self.editor.request(method, self.uri)


def run(requests: int, root: Path) -> dict[str, Any]:
    fake = FakeAnthropic().start()
    reply = Reply([Text("streaming " * 400, chunks=400)], delay=0.005)
    fake.script(*[reply for _ in range(10_000)])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))},
        "ANTHROPIC_API_KEY": "sk-ant-bench",
        "ANTHROPIC_BASE_URL": fake.url,
        "ANTHROPIC_MODEL": "claude-sonnet-5-5",
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "data"),
    }
    path = root / "module.py"
    text = big_file(1500).text
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    lsp = LspProcess([sys.executable, "-m", "server"], root, env=env)
    caps = dict(EDITOR_CAPABILITIES, experimental={"claudeLsp": {"chatEvents": True}})
    editor = Editor(text, random.Random(7))
    times: dict[str, list[float]] = {}
    failures: list[str] = []
    rss: list[float] = []
    try:
        lsp.start()
        lsp.initialize(root, 60, capabilities=caps)
        lsp.notify("initialized", {})
        lsp.did_open(uri, text)
        indexed(lsp, 900)  # the import index of a new workspace: measured apart
        soak = Soak(lsp, uri, editor)
        soak.start_turn()
        assert lsp.proc is not None
        warm = requests // 10
        for index in range(requests):
            if index == warm:
                rss.append(rss_mb(lsp.proc.pid))
            method = MIX[index % len(MIX)]
            if method == "didChange":
                changes = editor.keystroke()
                if changes:
                    editor.version += 1
                    lsp.did_change(uri, editor.version, changes)
                continue
            sent = time.perf_counter()
            msg_id = lsp.send_request(method, soak.params(method))
            answer = soak.answer(msg_id, 60)
            if answer is None:
                failures.append(f"{method}: no answer")
            elif "error" in answer and answer["error"].get("code") not in ANSWERED:
                failures.append(f"{method}: {answer['error']}")
            else:
                times.setdefault(method, []).append(time.perf_counter() - sent)
        rss.append(rss_mb(lsp.proc.pid))
    finally:
        lsp.close(graceful=True, timeout=5)
        fake.stop()
    return {"times": times, "failures": failures, "rss": rss, "turns": soak.turns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="messages sent (10,000)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="claude-lsp-soak-") as tmp:
        result = run(args.requests, Path(tmp))
    load = os.getloadavg()
    print(
        f"claude-lsp soak: {args.requests:,} messages, {result['turns']} agent turns streamed; "
        f"{os.cpu_count()} CPUs, load {load[0]:.1f}; {time.perf_counter() - started:.0f} s"
    )
    print(f"{'request':<20} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for method, values in sorted(result["times"].items()):
        ms = [v * 1000 for v in values]
        name = method.split("/")[-1]
        print(f"{name:<20} {len(ms):>6} {statistics.median(ms):>8.1f} {percentile(ms, 0.99):>8.1f}")
    warm, end = result["rss"] if len(result["rss"]) == 2 else (0.0, 0.0)
    growth = end - warm
    print(f"RSS (server + worker): {warm:.0f} MB after warm-up, {end:.0f} MB at the end")
    print(
        f"failures: {len(result['failures'])}" + "".join(f"\n  {f}" for f in result["failures"][:5])
    )
    ok = growth < GOAL_RSS_MB and not result["failures"]
    print(
        f"goal: RSS growth {growth:.1f} MB < {GOAL_RSS_MB:.0f} MB, every request answered: "
        f"{'PASS' if ok else 'MISS'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
