"""The loop against the loopback API: tool use, thinking, stop reasons, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.cost import CostTracker
from agent.errors import LimitReached, ModelError
from agent.loop import TRUNCATED, Agent, AgentConfig
from agent.session import Session
from agent.types import Tool
from tests.agent.conftest import (
    MODEL,
    FailTool,
    Policy,
    Port,
    ReadTool,
    ShellTool,
    WriteTool,
)
from tests.agent.fake_api import FakeAnthropic, HttpError, Reply, Text, Thinking, ToolUse

# claude-sonnet-5-5: $2 in, $10 out per MTok; a default Reply is 100 in, 20 out.
REQUEST_USD = (100 * 2 + 20 * 10) / 1e6


def make_agent(
    client: Any,
    port: Port,
    tools: list[Tool] | None = None,
    policy: Policy | None = None,
    session: Session | None = None,
    **config: Any,
) -> Agent:
    config.setdefault("retry_delay", 0.01)
    config.setdefault("system", "You are a test.")
    return Agent(
        client=client,
        port=port,
        tools=tools if tools is not None else [ReadTool(), WriteTool(), ShellTool()],
        policy=policy or Policy(),
        config=AgentConfig(model=MODEL, **config),
        session=session,
    )


def results_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    assert message["role"] == "user"
    return [b for b in message["content"] if b["type"] == "tool_result"]


async def test_multi_step_read_write_bash(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "in.txt").write_text("hello\n")
    read = ToolUse("Read", {"file_path": "in.txt"})
    write = ToolUse("Write", {"file_path": "out.txt", "content": "HELLO\n"})
    bash = ToolUse("Bash", {"command": "cat out.txt"})
    fake.script(
        Reply([Text("Reading the file."), read]),
        Reply([write]),
        Reply([bash], cache_read_input_tokens=1000),
        Reply([Text("Done: out.txt holds HELLO.")]),
    )
    agent = make_agent(client, port)

    result = await agent.run("Upper-case in.txt into out.txt")

    assert (tmp_path / "out.txt").read_text() == "HELLO\n"
    assert result.stop_reason == "end_turn"
    assert result.text == "Done: out.txt holds HELLO."
    assert result.requests == 4
    assert [m["role"] for m in agent.messages] == ["user", "assistant"] * 4
    assert results_of(agent.messages[2]) == [
        {"type": "tool_result", "tool_use_id": read.id, "content": "hello\n"}
    ]
    assert results_of(agent.messages[6])[0]["content"] == "HELLO\n"
    assert port.text == "Reading the file.Done: out.txt holds HELLO."
    assert [d["name"] for d in port.of("tool_call")] == ["Read", "Write", "Bash"]
    assert port.of("tool_output") == [{"id": bash.id, "text": "HELLO\n"}]
    assert port.kinds()[-1] == "turn_end" and port.of("turn_end") == [{"stop_reason": "end_turn"}]
    # Cost: four requests, one with 1000 cache-read tokens at $0.20/MTok.
    expected = 4 * REQUEST_USD + 1000 * 0.20 / 1e6
    assert result.cost_usd == pytest.approx(expected)
    assert port.of("usage")[-1]["session_cost_usd"] == pytest.approx(expected)
    # What the model was sent: streamed, tools + system + latest turn cached, valid.
    sent = fake.messages_requests
    assert len(sent) == 4 and fake.invalid == []
    assert all(body["stream"] is True and body["model"] == MODEL for body in sent)
    last = sent[-1]
    assert last["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in last["tools"][0]
    assert last["system"] == [
        {"type": "text", "text": "You are a test.", "cache_control": {"type": "ephemeral"}}
    ]
    assert last["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in b for m in last["messages"][:-1] for b in m["content"])
    assert "cache_control" not in agent.messages[-2]["content"][-1]  # transcript untouched
    assert last["messages"][1]["content"][1] == {
        "type": "tool_use",
        "id": read.id,
        "name": "Read",
        "input": {"file_path": "in.txt"},
    }


async def test_parallel_tool_calls_all_answered_in_order(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    calls = [
        ToolUse("Read", {"file_path": "a.txt"}),
        ToolUse("Read", {"file_path": "b.txt"}),
        ToolUse("Write", {"file_path": "c.txt", "content": "C"}),
        ToolUse("Nope", {}),
        ToolUse("Fail", {}),
    ]
    fake.script(Reply(list(calls)), Reply([Text("ok")]))
    agent = make_agent(client, port, [ReadTool(), WriteTool(), FailTool()])

    result = await agent.run("go")

    assert result.stop_reason == "end_turn"
    assert (tmp_path / "c.txt").read_text() == "C"
    results = results_of(agent.messages[2])
    assert [r["tool_use_id"] for r in results] == [c.id for c in calls]
    assert [r["content"] for r in results[:3]] == ["A", "B", "Wrote c.txt"]
    assert results[3] == {
        "type": "tool_result",
        "tool_use_id": calls[3].id,
        "content": "No such tool: Nope",
        "is_error": True,
    }
    assert results[4]["is_error"] is True and "disk on fire" in results[4]["content"]
    assert len(port.of("tool_result")) == 5
    assert fake.invalid == []
    assert result.cost_usd == pytest.approx(2 * REQUEST_USD)


async def test_thinking_blocks_are_echoed_back_unchanged(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "x.txt").write_text("x")
    thought = Thinking("The user wants x. I should read it.", signature="EqQBCkgIARABGAIiQ==")
    read = ToolUse("Read", {"file_path": "x.txt"})
    fake.script(Reply([thought, read]), Reply([Thinking("Got it.", "c2ln"), Text("x it is")]))
    agent = make_agent(client, port, thinking={"type": "enabled", "budget_tokens": 2000})

    result = await agent.run("read x")

    assert result.text == "x it is"
    second = fake.messages_requests[1]
    assert second["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert second["messages"][1]["content"][0] == {
        "type": "thinking",
        "thinking": "The user wants x. I should read it.",
        "signature": "EqQBCkgIARABGAIiQ==",
    }
    assert agent.messages[3]["content"][0] == {
        "type": "thinking",
        "thinking": "Got it.",
        "signature": "c2ln",
    }
    assert [d["text"] for d in port.of("thinking")] == [
        "The user wants x. I should read it.",
        "Got it.",
    ]
    assert port.text == "x it is"
    assert result.cost_usd == pytest.approx(2 * REQUEST_USD)


async def test_max_tokens_ends_the_turn_with_its_stop_reason(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("a long answer that is cut")], stop_reason="max_tokens"))
    agent = make_agent(client, port)

    result = await agent.run("write a lot")

    assert result.stop_reason == "max_tokens"
    assert result.text == "a long answer that is cut"
    assert port.of("turn_end") == [{"stop_reason": "max_tokens"}]
    assert agent.messages[-1]["role"] == "assistant"
    assert result.cost_usd == pytest.approx(REQUEST_USD)


async def test_max_tokens_inside_a_tool_call_answers_it_with_an_error(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    cut = ToolUse("Write", {"file_path": "big.txt", "content": "partial"})
    fake.script(Reply([cut], stop_reason="max_tokens"), Reply([Text("I will write less.")]))
    agent = make_agent(client, port)

    result = await agent.run("write big")

    assert not (tmp_path / "big.txt").exists()
    assert results_of(agent.messages[2]) == [
        {"type": "tool_result", "tool_use_id": cut.id, "content": TRUNCATED, "is_error": True}
    ]
    assert result.stop_reason == "end_turn" and fake.invalid == []


async def test_mid_stream_overloaded_error_is_retried(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("Hel", chunks=1), Text("lo")], error_after=4), Reply([Text("Hello")]))
    agent = make_agent(client, port)

    result = await agent.run("hi")

    assert result.text == "Hello"
    retries = port.of("retry")
    assert len(retries) == 1 and "overloaded_error" in retries[0]["error"]
    assert port.kinds().index("retry") < len(port.kinds()) - 1
    assert [m["role"] for m in agent.messages] == ["user", "assistant"]
    assert len(fake.messages_requests) == 2
    assert fake.messages_requests[0] == fake.messages_requests[1]
    assert result.cost_usd == pytest.approx(REQUEST_USD)  # the failed stream is not billed


async def test_dropped_connection_mid_stream_is_retried(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("partial text")], drop_after=4), Reply([Text("complete")]))
    agent = make_agent(client, port)

    result = await agent.run("hi")

    assert result.text == "complete"
    assert len(port.of("retry")) == 1
    assert result.cost_usd == pytest.approx(REQUEST_USD)


async def test_persistent_mid_stream_errors_end_with_a_clear_error(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(*[Reply([Text("x")], error_after=3) for _ in range(3)], Reply([Text("later")]))
    agent = make_agent(client, port, stream_retries=2)

    with pytest.raises(ModelError, match="overloaded_error: Overloaded"):
        await agent.run("hi")

    assert [d["attempt"] for d in port.of("retry")] == [1, 2]
    assert port.of("turn_end") == [{"stop_reason": "error"}]
    assert agent.messages == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    result = await agent.run("again")  # the session is still sendable
    assert result.text == "later" and fake.invalid == []


async def test_429_with_retry_after_is_retried_by_the_sdk(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(
        HttpError(429, "rate_limit_error", retry_after="0.05"),
        HttpError(529, "overloaded_error", retry_after="0.05"),
        Reply([Text("fine")]),
    )
    agent = make_agent(client, port)

    result = await agent.run("hi")

    assert result.text == "fine"
    assert len(fake.messages_requests) == 3
    assert port.of("retry") == []  # the SDK retried, not the agent
    assert result.cost_usd == pytest.approx(REQUEST_USD)


async def test_http_errors_after_the_sdk_gave_up_are_reported(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(*[HttpError(500, "api_error", "boom", retry_after="0.01") for _ in range(3)])
    agent = make_agent(client, port)

    with pytest.raises(ModelError, match=r"HTTP 500\): api_error: boom"):
        await agent.run("hi")
    assert port.of("retry") == []


async def test_refusal_is_reported_not_crashed_on(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("I can't help with that.")], stop_reason="refusal"))
    agent = make_agent(client, port)

    result = await agent.run("something bad")

    assert result.stop_reason == "refusal"
    assert port.of("error") == [{"message": "The model declined to continue."}]
    assert port.of("turn_end") == [{"stop_reason": "refusal"}]
    assert result.cost_usd == pytest.approx(REQUEST_USD)


async def test_permission_denied_reaches_the_model(
    fake: FakeAnthropic, client: Any, tmp_path: Path
) -> None:
    from agent.permissions import Permissions
    from agent.settings import Settings
    from agent.tools import BashTool
    from agent.tools import WriteTool as RealWrite

    port = Port(tmp_path, answers=["deny"])
    (tmp_path / "x").mkdir()
    write = ToolUse("Write", {"file_path": "new.txt", "content": "x"})
    rm = ToolUse("Bash", {"command": "ls && rm -rf x"})
    fake.script(Reply([write, rm]), Reply([Text("OK, I will not.")]))
    policy = Permissions("default", Settings(), [tmp_path], ["Bash(ls:*)"], ["Bash(rm:*)"])
    agent = make_agent(client, port, [RealWrite(), BashTool()], policy=policy)

    result = await agent.run("write x")

    assert not (tmp_path / "new.txt").exists() and (tmp_path / "x").is_dir()
    assert [r.tool for r in port.asked] == ["Write"]  # Bash was denied by rule, not asked
    sent = fake.messages_requests[1]["messages"][2]["content"]
    assert sent[0]["tool_use_id"] == write.id and sent[0]["is_error"] is True
    assert sent[0]["content"] == "Permission denied: the user declined this tool call."
    assert sent[1]["tool_use_id"] == rm.id and sent[1]["is_error"] is True
    assert sent[1]["content"].startswith("Permission denied: ") and "rm" in sent[1]["content"]
    assert [d["is_error"] for d in port.of("tool_result")] == [True, True]
    assert result.text == "OK, I will not."
    assert result.cost_usd == pytest.approx(2 * REQUEST_USD)


async def test_allow_always_is_remembered(fake: FakeAnthropic, client: Any, tmp_path: Path) -> None:
    port = Port(tmp_path, answers=["allowAlways"])
    fake.script(
        Reply([ToolUse("Write", {"file_path": "a", "content": "1"})]),
        Reply([ToolUse("Write", {"file_path": "b", "content": "2"})]),
        Reply([Text("done")]),
    )
    policy = Policy(ask=("Write",))
    await make_agent(client, port, policy=policy).run("write")

    assert len(port.asked) == 1 and policy.remembered == ["Write"]
    assert (tmp_path / "a").read_text() == "1" and (tmp_path / "b").read_text() == "2"


async def test_max_turns_stops_with_a_consistent_transcript(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("f")
    fake.script(*[Reply([ToolUse("Read", {"file_path": "f"})]) for _ in range(3)])
    agent = make_agent(client, port, max_turns=2)

    with pytest.raises(LimitReached) as info:
        await agent.run("loop")

    assert info.value.kind == "max_turns"
    assert len(fake.messages_requests) == 2
    assert agent.messages[-1]["role"] == "user"
    assert len(results_of(agent.messages[-1])) == 1
    assert port.of("turn_end") == [{"stop_reason": "max_turns"}]


async def test_budget_stops_before_the_next_request(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("f")
    fake.script(*[Reply([ToolUse("Read", {"file_path": "f"})], output_tokens=1000)] * 3)
    agent = make_agent(client, port, max_budget_usd=0.015)  # one request costs $0.0102

    with pytest.raises(LimitReached, match="budget") as info:
        await agent.run("loop")

    assert info.value.kind == "max_budget_usd"
    assert len(fake.messages_requests) == 2
    assert agent.costs.spent_usd == pytest.approx(2 * (100 * 2 + 1000 * 10) / 1e6)


async def test_wall_time_limit(fake: FakeAnthropic, client: Any, port: Port) -> None:
    fake.script(Reply([Text("slow")], hang_after=3))
    agent = make_agent(client, port, max_wall_seconds=0.3)

    with pytest.raises(LimitReached) as info:
        await agent.run("hi")

    assert info.value.kind == "max_wall_seconds"
    assert agent.messages[-1]["role"] == "user"


async def test_shared_cost_tracker_counts_unknown_models_as_zero(
    fake: FakeAnthropic, client: Any, port: Port
) -> None:
    fake.script(Reply([Text("hi")]))
    costs = CostTracker()
    agent = Agent(
        client=client,
        port=port,
        tools=[],
        policy=Policy(),
        config=AgentConfig(model="claude-unknown-9"),
        costs=costs,
    )
    result = await agent.run("hi")
    assert result.cost_usd == 0 and costs.unpriced == {"claude-unknown-9"}
    assert costs.usage.output_tokens == 20
