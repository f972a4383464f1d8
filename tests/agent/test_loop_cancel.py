"""Cancellation at any point leaves a transcript the API accepts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agent.loop import CANCELLED
from tests.agent.conftest import BlockTool, Port, ReadTool, WriteTool
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.test_loop import REQUEST_USD, make_agent


async def test_cancel_mid_stream_then_continue(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("I am start", chunks=2), Text("ing")], hang_after=6))
    agent = make_agent(client, port)

    task = asyncio.create_task(agent.run("tell a long story"))
    await port.first_text.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert port.text.startswith("I am")
    assert port.of("turn_end") == [{"stop_reason": "cancelled"}]
    assert [m["role"] for m in agent.messages] == ["user"]  # no half assistant message

    fake.script(Reply([Text("Short story.")]))
    result = await agent.run("a short one then")

    assert result.text == "Short story." and fake.invalid == []
    sent = fake.messages_requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "user"]
    assert result.cost_usd == pytest.approx(REQUEST_USD)


async def test_cancel_mid_tool_answers_every_call(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("A")
    block = BlockTool()
    calls = [
        ToolUse("Read", {"file_path": "a.txt"}),
        ToolUse("Block", {}),
        ToolUse("Write", {"file_path": "never.txt", "content": "x"}),
    ]
    fake.script(Reply(list(calls)))
    agent = make_agent(client, port, [ReadTool(), block, WriteTool()])

    task = asyncio.create_task(agent.run("work"))
    await block.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert block.cancelled
    assert not (tmp_path / "never.txt").exists()
    last = agent.messages[-1]
    assert [m["role"] for m in agent.messages] == ["user", "assistant", "user"]
    assert [b["tool_use_id"] for b in last["content"]] == [c.id for c in calls]
    assert last["content"][0] == {"type": "tool_result", "tool_use_id": calls[0].id, "content": "A"}
    for result in last["content"][1:]:
        assert result["is_error"] is True and result["content"] == CANCELLED
    assert port.of("turn_end") == [{"stop_reason": "cancelled"}]

    fake.script(Reply([Text("Stopped, as asked.")]))
    result = await agent.run("stop there")

    assert fake.invalid == []
    sent = fake.messages_requests[-1]["messages"]
    assert sent[2]["content"][1]["content"] == CANCELLED
    assert result.text == "Stopped, as asked."
    assert agent.costs.spent_usd == pytest.approx(2 * REQUEST_USD)


async def test_cancel_while_waiting_for_permission(
    fake: FakeAnthropic, client: Any, tmp_path: Path
) -> None:
    asked = asyncio.Event()

    class SlowPort(Port):
        async def ask_permission(self, request: Any) -> Any:
            asked.set()
            await asyncio.Event().wait()

    port = SlowPort(tmp_path)
    from tests.agent.conftest import Policy

    write = ToolUse("Write", {"file_path": "x", "content": "x"})
    fake.script(Reply([write]))
    agent = make_agent(client, port, policy=Policy(ask=("Write",)))

    task = asyncio.create_task(agent.run("write"))
    await asked.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert agent.messages[-1]["content"] == [
        {"type": "tool_result", "tool_use_id": write.id, "content": CANCELLED, "is_error": True}
    ]


async def test_one_turn_at_a_time(fake: FakeAnthropic, client: Any, port: Port) -> None:
    fake.script(Reply([Text("slow")], hang_after=4))
    agent = make_agent(client, port)
    task = asyncio.create_task(agent.run("first"))
    await port.first_text.wait()
    with pytest.raises(RuntimeError, match="already running"):
        await agent.run("second")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [m["content"][0]["text"] for m in agent.messages] == ["first"]
