"""``python -m bench.sandbox_bench``: what issue 8's sandbox and streaming cost.

1. Sandbox start-up per Bash command: the agent's Bash tool running ``true`` inside
   the bubblewrap sandbox (preparing the command line, the secret-file scan, bwrap,
   the namespaces) minus the same tool running ``true`` directly, median of ``--runs``,
   on a small workspace and on this repository. Goal: < 15 ms. Also the CPU time the
   command's processes used (bwrap, bash): unlike wall time it does not grow with the
   load of a shared machine, which the header line reports.
2. A 5 MB ``Write`` input streamed in 10-character ``input_json_delta`` events (500,000
   events) from the loopback Messages API, through the agent's loop, to the tool.
   Goal: < 2 s of CPU (wall time is shown too; on a loaded machine it is larger). The
   stream is encoded before the clock starts, so the number is the client's: HTTP, SSE
   splitting, accumulation and one JSON parse of the input.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.fsport import FileSystemPort
from agent.loop import Agent, AgentConfig
from agent.sandbox import Sandbox, SandboxSettings
from agent.tools.bash import BashTool
from agent.types import ToolContext, ToolResult
from bench.agent_overhead import AllowAll, NullPort
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse, encode_sse

OVERHEAD_GOAL_MS = 15.0
STREAM_GOAL_S = 2.0
MODEL = "claude-sonnet-5-5"
ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _bash_ms(tool: BashTool, root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (the command's processes: bwrap, bash) milliseconds per run."""
    port = FileSystemPort([root], False, io.StringIO(), io.StringIO())
    ctx = ToolContext(port, root)
    walls, cpus = [], []
    for _ in range(runs + 3):
        start, cpu = time.perf_counter(), _children_cpu()
        result = await tool.run({"command": "true"}, ctx)
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_children_cpu() - cpu) * 1000)
        assert not result.is_error, result.content
    return walls[3:], cpus[3:]


async def sandbox_overhead(root: Path, runs: int) -> dict[str, float]:
    sandbox = Sandbox(SandboxSettings(), [root])
    if not sandbox.active:
        raise SystemExit(f"no sandbox here: {sandbox.reason}")
    plain: list[float] = []
    boxed: list[float] = []
    plain_cpu: list[float] = []
    boxed_cpu: list[float] = []
    try:
        for _ in range(3):  # interleaved, so load on the machine hits both alike
            wall, cpu = await _bash_ms(BashTool(), root, runs // 3)
            plain, plain_cpu = plain + wall, plain_cpu + cpu
            wall, cpu = await _bash_ms(BashTool(sandbox), root, runs // 3)
            boxed, boxed_cpu = boxed + wall, boxed_cpu + cpu
    finally:
        sandbox.close()
    median = statistics.median
    return {
        "plain_ms": median(plain),
        "sandboxed_ms": median(boxed),
        "overhead_ms": median(boxed) - median(plain),
        "overhead_cpu_ms": median(boxed_cpu) - median(plain_cpu),
    }


class SinkWrite:
    """A Write tool that only measures what it was given."""

    name = "Write"
    description = "Write a file."
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"file_path": {"type": "string"}, "content": {"type": "string"}},
        "required": ["file_path", "content"],
    }
    read_only = False

    def __init__(self) -> None:
        self.received = 0

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        self.received = len(input["content"])
        return ToolResult(f"wrote {self.received} characters")

    def summary(self, input: dict[str, Any]) -> str:
        return "Write"


async def large_input_seconds(size: int, delta: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for the turn."""
    from anthropic import AsyncAnthropic

    fake = FakeAnthropic().start()
    client = AsyncAnthropic(api_key="bench", base_url=fake.url, max_retries=0)
    content = ("0123456789abcdef\n" * (size // 17 + 1))[:size]
    call = ToolUse("Write", {"file_path": "big.txt", "content": content})
    call.chunks = -(-len(json.dumps(call.input)) // delta)
    first = Reply([call])
    first.sse = encode_sse(first, MODEL)
    fake.script(first, Reply([Text("Done.")]))
    tool = SinkWrite()
    with tempfile.TemporaryDirectory() as tmp:
        agent = Agent(
            client=client,
            port=NullPort(Path(tmp)),
            tools=[tool],
            policy=AllowAll(),
            config=AgentConfig(model=MODEL),
        )
        try:
            start, cpu = time.perf_counter(), time.process_time()
            await agent.run("Write the big file.")
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        finally:
            await client.close()
            fake.stop()
    assert tool.received == size, (tool.received, size)
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_bench")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--size", type=int, default=5_000_000, help="Write input characters")
    args = parser.parse_args(argv)
    ok = True
    load = os.getloadavg()[0]
    print(
        f"Sandbox start-up per Bash command (`true`), median of {args.runs} "
        f"(load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for label, root in (("small workspace", Path(tmp)), ("this repository", ROOT)):
            r = asyncio.run(sandbox_overhead(root, args.runs))
            verdict = "PASS" if r["overhead_ms"] < OVERHEAD_GOAL_MS else "MISS"
            ok &= verdict == "PASS"
            print(
                f"  {label:<18} direct {r['plain_ms']:6.1f} ms  sandboxed "
                f"{r['sandboxed_ms']:6.1f} ms  overhead {r['overhead_ms']:5.1f} ms "
                f"({r['overhead_cpu_ms']:.1f} ms CPU)  {verdict} (< {OVERHEAD_GOAL_MS:g} ms)"
            )
    seconds, cpu = asyncio.run(large_input_seconds(args.size, 10))
    verdict = "PASS" if cpu < STREAM_GOAL_S else "MISS"  # wall time depends on the load
    ok &= verdict == "PASS"
    print(
        f"Streamed Write input of {args.size / 1e6:g} MB in 10-character deltas: "
        f"{seconds:.2f} s wall, {cpu:.2f} s CPU  {verdict} (< {STREAM_GOAL_S:g} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
