"""Compaction near the context limit, and prompt-caching breakpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.context import (
    SUMMARY_PROMPT,
    context_window,
    latest_request,
    with_cache_breakpoints,
)
from agent.session import SessionStore
from tests.agent.conftest import Port
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.test_loop import make_agent

MEMORY = "Contents of CLAUDE.md: always indent with tabs."


def usd(inp: int, out: int) -> float:
    return (inp * 2 + out * 10) / 1e6


async def test_compaction_summarises_older_turns_and_keeps_memory_and_request(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "sessions")
    session = store.create(tmp_path, "claude-sonnet-5-5")
    fake.token_count = 900
    fake.script(
        Reply([Text("first answer")], input_tokens=700),
        Reply(
            [Text("SUMMARY: the user asked a first question; it was answered.")],
            input_tokens=800,
            output_tokens=50,
        ),
        Reply([Text("second answer")]),
    )
    agent = make_agent(client, port, session=session, context_window=1000, system=MEMORY)

    await agent.run("first question")
    result = await agent.run("second request")

    assert result.text == "second answer"
    (compacted,) = port.of("compacted")
    assert compacted["tokens_before"] == 900 and compacted["tokens_after"] < 900
    counted = [r for r in fake.requests if r.path == "/v1/messages/count_tokens"]
    assert len(counted) == 1 and counted[0].body["system"] == MEMORY
    summarise, final = fake.messages_requests[1], fake.messages_requests[2]
    assert not summarise.get("stream")
    assert [m["role"] for m in summarise["messages"]] == ["user", "assistant", "user"]
    assert summarise["messages"][2]["content"] == [{"type": "text", "text": SUMMARY_PROMPT}]
    assert final["system"][0]["text"] == MEMORY  # memory kept verbatim
    head, request = final["messages"][0]["content"]
    assert final["messages"][0]["role"] == "user" and len(final["messages"]) == 1
    assert "SUMMARY: the user asked a first question" in head["text"]
    assert request["text"] == "second request"  # the latest request kept verbatim
    assert [m["role"] for m in agent.messages] == ["user", "assistant"]
    assert result.cost_usd == pytest.approx(usd(800, 50) + usd(100, 20))
    assert agent.costs.spent_usd == pytest.approx(usd(700, 20) + usd(800, 50) + usd(100, 20))
    session.close()
    assert store.load(session.id).messages == agent.messages  # the compaction is stored


async def test_compaction_inside_one_long_turn_keeps_the_last_exchange(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("data")
    first = ToolUse("Read", {"file_path": "f"})
    second = ToolUse("Read", {"file_path": "f"})
    fake.token_count = 950
    fake.script(
        Reply([first]),
        Reply([second], input_tokens=700),
        Reply([Text("progress summary")]),
        Reply([Text("finished")]),
    )
    agent = make_agent(client, port, context_window=1000)

    result = await agent.run("a long task")

    assert result.text == "finished" and fake.invalid == []
    final = fake.messages_requests[3]["messages"]
    assert [m["role"] for m in final] == ["user", "assistant", "user"]
    assert [b["type"] for b in final[0]["content"]] == ["text", "text"]
    assert final[0]["content"][1]["text"] == "a long task"
    assert final[1]["content"][0]["id"] == second.id
    assert final[2]["content"][0]["tool_use_id"] == second.id


async def test_no_count_below_the_threshold(fake: FakeAnthropic, client: Any, port: Port) -> None:
    fake.script(Reply([Text("a")]), Reply([Text("b")]))
    agent = make_agent(client, port, context_window=100_000)
    await agent.run("one")
    await agent.run("two")
    assert [r.path for r in fake.requests] == ["/v1/messages", "/v1/messages"]


def test_cache_breakpoints_do_not_touch_the_transcript() -> None:
    tools = [{"name": "A"}, {"name": "B"}]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "plain string"},
    ]
    system, sent_tools, sent = with_cache_breakpoints("sys", tools, messages)
    assert system == [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}]
    assert sent_tools[1] == {"name": "B", "cache_control": {"type": "ephemeral"}}
    assert tools[1] == {"name": "B"} and sent_tools[0] is tools[0]
    assert sent[0]["content"] == [
        {"type": "text", "text": "plain string", "cache_control": {"type": "ephemeral"}}
    ]
    assert messages[0]["content"] == "plain string"
    assert with_cache_breakpoints("", [], []) == ([], [], [])


def test_context_windows_and_latest_request() -> None:
    assert context_window("claude-sonnet-5-5") == 1_000_000
    assert context_window("claude-opus-4-6") == 1_000_000
    assert context_window("claude-sonnet-4-5-20250929") == 200_000
    assert context_window("claude-haiku-4-5") == 200_000
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "q"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "R", "input": {}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]},
    ]
    assert latest_request(messages) == 0
    messages.append({"role": "user", "content": "next"})
    assert latest_request(messages) == 3
