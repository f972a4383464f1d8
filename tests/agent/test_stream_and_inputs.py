"""Responses accumulated in linear time, and tool inputs that are not what the schema
says: against the loopback API with the real SDK client."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from agent.loop import Agent, AgentConfig
from agent.stream import Accumulator, SSEParser
from agent.tools.common import check_input
from tests.agent.conftest import MODEL, Policy, Port, ShellTool, WriteTool
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse, encode_sse


def agent(client: Any, port: Port, tools: list[Any]) -> Agent:
    return Agent(
        client=client, port=port, tools=tools, policy=Policy(), config=AgentConfig(model=MODEL)
    )


async def test_a_large_tool_input_streams_in_linear_time(
    client: Any, fake: FakeAnthropic, port: Port, tmp_path: Path
) -> None:
    content = ('line "quoted" \\ and é\n' * 50_000)[:1_000_000]
    call = ToolUse("Write", {"file_path": "big.txt", "content": content})
    call.chunks = len(json.dumps(call.input)) // 10  # 10-character deltas: 100,000 events
    first = Reply([Text("Writing."), call])
    first.sse = encode_sse(first, MODEL)
    fake.script(first, Reply([Text("Done.")]))
    start = time.process_time()
    await agent(client, port, [WriteTool()]).run("write it")
    assert time.process_time() - start < 2.0  # the SDK's accumulation: minutes
    assert (tmp_path / "big.txt").read_text() == content
    assert port.text == "Writing.Done."


def test_the_accumulator_keeps_every_block_and_order() -> None:
    events: list[Any] = []
    acc = Accumulator(events.append)
    reply = Reply([Text("a"), ToolUse("X", {"k": 'v\n"w"'}, chunks=4), Text("b"), ToolUse("Y", {})])
    body = encode_sse(reply, MODEL).replace(b"\n", b"\r\n")  # CRLF framing too
    parser = SSEParser(acc)
    for i in range(0, len(body), 5):  # events and CRLFs split across chunks
        for _, text in parser.feed(body[i : i + 5]):
            acc.event(json.loads(text))
    message = acc.result()
    assert [b["type"] for b in message.content] == ["text", "tool_use", "text", "tool_use"]
    assert message.content[1]["input"] == {"k": 'v\n"w"'} and message.content[3]["input"] == {}
    assert message.complete and message.stop_reason == "tool_use"
    assert [e.data["text"] for e in events] == ["a", "b"]


async def test_malformed_tool_inputs_get_error_results_and_the_session_goes_on(
    client: Any, fake: FakeAnthropic, port: Port, tmp_path: Path
) -> None:
    fake.script(
        Reply([ToolUse("Bash", ["ls"]), ToolUse("Bash", "ls"), ToolUse("Bash", {"command": 7})]),
        Reply([ToolUse("Write", {"file_path": "a.txt"}), ToolUse("Write", {"file_path": 1})]),
        Reply([ToolUse("Bash", {"command": "echo fine"})]),
        Reply([Text("ok")]),
    )
    result = await agent(client, port, [ShellTool(), WriteTool()]).run("go")
    assert result.text == "ok" and fake.invalid == []
    errors = [d["content"] for d in port.of("tool_result") if d["is_error"]]
    assert errors == [
        "Invalid input: the input must be a JSON object, not array",
        "Invalid input: the input must be a JSON object, not string",
        "Invalid input: `command` must be string, not integer",
        "Invalid input: missing required parameter `content`",
        "Invalid input: missing required parameter `content`",
    ]
    assert any("fine" in d["content"] for d in port.of("tool_result"))
    sent = fake.messages_requests[1]["messages"][1]["content"]
    assert all(isinstance(b["input"], dict) for b in sent)  # the transcript stays sendable


def test_check_input() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "flag": {"type": "boolean"},
            "edits": {
                "type": "array",
                "items": {"type": "object", "properties": {"a": {"type": "string"}},
                          "required": ["a"]},
            },
        },
        "required": ["n"],
    }  # fmt: skip
    assert check_input(schema, {"n": 1, "flag": True, "edits": [{"a": "x"}]}) is None
    assert check_input(schema, {"n": "3"}) is None  # numbers as strings: tools convert
    assert check_input(schema, {"n": True}) == "`n` must be integer, not boolean"
    assert check_input(schema, {"n": 1, "edits": [{}]}) == "missing required parameter `a`"
    assert check_input(schema, {"n": 1, "edits": ["x"]}) == (
        "`edits[0]` must be a JSON object, not string"
    )
    assert check_input(schema, None) == "the input must be a JSON object, not null"
