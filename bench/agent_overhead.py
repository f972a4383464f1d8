"""``python -m bench.agent_overhead``: what the agent loop adds to a turn, without the
model and the tools.

Against the loopback Messages API (tests/agent/fake_api.py, a real HTTP server), one
turn is: a streamed reply with a tool call, a no-op tool, a streamed final reply. The
exact request bodies the agent sent are then replayed through the bare SDK
(``messages.stream``, every event consumed): that is the cost of the model side here
(HTTP, SSE parsing, the SDK's accumulation). Overhead per turn = agent turn - replayed
requests; it covers building requests (cache breakpoints), events, permission checks,
tool dispatch, cost accounting and, in the session rows, the JSONL append + fsync.
Medians over ``--turns`` turns. Goal: < 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from agent.loop import Agent, AgentConfig
from agent.session import SessionStore
from agent.types import Event, PermissionDecision, PermissionRequest, Tool, ToolContext, ToolResult
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse

GOAL_MS = 5.0
MODEL = "claude-sonnet-5-5"


class NullPort:
    def __init__(self, root: Path) -> None:
        self.roots = [root]
        self.events = 0

    async def read_text(self, path: Path) -> str:
        return ""

    async def write_text(self, path: Path, text: str) -> None:
        return None

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        return "allowOnce"

    def emit(self, event: Event) -> None:
        self.events += 1


class NoopTool:
    name = "Noop"
    description = "Does nothing."
    input_schema: dict[str, Any] = {"type": "object", "properties": {"x": {"type": "string"}}}
    read_only = True

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return ToolResult("ok")

    def summary(self, input: dict[str, Any]) -> str:
        return "Noop"


class AllowAll:
    def decide(
        self, tool: Tool, input: dict[str, Any]
    ) -> tuple[Literal["allow", "ask", "deny"], str]:
        return "allow", ""

    def remember(self, tool: Tool, input: dict[str, Any]) -> None:
        return None


def _turn_replies() -> list[Reply]:
    text = "Let me look at that file and then make the change you asked for. " * 4
    return [
        Reply([Text(text, chunks=20), ToolUse("Noop", {"x": "y" * 200}, chunks=10)]),
        Reply([Text("Done. " + text, chunks=20)]),
    ]


async def _replay(client: Any, bodies: list[dict[str, Any]], fake: FakeAnthropic) -> float:
    """Seconds for the bare SDK to stream these requests."""
    fake.script(*_turn_replies())
    start = time.perf_counter()
    for body in bodies:
        kwargs = {k: v for k, v in body.items() if k != "stream"}
        async with client.messages.stream(**kwargs) as stream:
            async for _ in stream:
                pass
            await stream.get_final_message()
    return time.perf_counter() - start


async def measure(
    client: Any, fake: FakeAnthropic, turns: int, history: int, session_dir: Path | None
) -> dict[str, float]:
    agent_times: list[float] = []
    sdk_times: list[float] = []
    tools = [NoopTool()]
    seed: list[dict[str, Any]] = []
    for i in range(history // 2):
        seed.append({"role": "user", "content": [{"type": "text", "text": f"question {i} " * 20}]})
        seed.append({"role": "assistant", "content": [{"type": "text", "text": "answer " * 40}]})
    store = SessionStore(session_dir) if session_dir else None
    for _ in range(turns + 3):  # the first 3 warm up
        session = store.create(session_dir or Path(), MODEL, seed) if store else None
        agent = Agent(
            client=client,
            port=NullPort(Path.cwd()),
            tools=tools,
            policy=AllowAll(),
            config=AgentConfig(model=MODEL, system="You are a benchmark. " * 50),
            session=session,
        )
        if session is None:
            agent.messages.extend(seed)
        fake.requests.clear()
        fake.script(*_turn_replies())
        start = time.perf_counter()
        await agent.run("Please change the file.")
        agent_times.append(time.perf_counter() - start)
        if session is not None:
            session.close()
        sdk_times.append(await _replay(client, fake.messages_requests, fake))
    agent_times, sdk_times = agent_times[3:], sdk_times[3:]
    overheads = [a - s for a, s in zip(agent_times, sdk_times, strict=True)]
    return {
        "turn_ms": statistics.median(agent_times) * 1000,
        "sdk_ms": statistics.median(sdk_times) * 1000,
        "overhead_ms": statistics.median(overheads) * 1000,
        "p90_overhead_ms": statistics.quantiles(overheads, n=10)[-1] * 1000,
    }


async def main_async(turns: int) -> int:
    from anthropic import AsyncAnthropic

    fake = FakeAnthropic().start()
    client = AsyncAnthropic(api_key="bench", base_url=fake.url, max_retries=0)
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, history, session_dir in [
                ("new conversation, no session", 0, None),
                ("new conversation, JSONL session", 0, Path(tmp) / "a"),
                ("100-message history, no session", 100, None),
                ("100-message history, JSONL session", 100, Path(tmp) / "b"),
            ]:
                rows.append((label, await measure(client, fake, turns, history, session_dir)))
    finally:
        await client.close()
        fake.stop()
    print(f"Agent overhead per turn (2 streamed requests + 1 tool call), median of {turns}")
    header = f"{'scenario':<38}{'turn':>10}{'SDK only':>10}{'overhead':>10}{'p90':>9}  goal"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, r in rows:
        verdict = "PASS" if r["overhead_ms"] < GOAL_MS else "MISS"
        worst = max(worst, r["overhead_ms"])
        print(
            f"{label:<38}{r['turn_ms']:>8.2f}ms{r['sdk_ms']:>8.2f}ms"
            f"{r['overhead_ms']:>8.2f}ms{r['p90_overhead_ms']:>7.2f}ms"
            f"  {verdict} (< {GOAL_MS:g} ms)"
        )
    return 0 if worst < GOAL_MS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agent_overhead")
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.turns))


if __name__ == "__main__":
    sys.exit(main())
