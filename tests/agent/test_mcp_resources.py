"""MCP resources through ``claude-lsp chat -p``, on the real test server
(tests/agent/mcp/server.py): ``ListMcpResourcesTool``, ``ReadMcpResourceTool`` and
``@server:uri`` mentions, their permission rules, errors and timeouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agent.cli_support import chat
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.mcp_support import mcp_ws, servers, starts, text, tool_names


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    return mcp_ws(tmp_path, fake, monkeypatch)


def read(uri: str, server: str = "calc") -> ToolUse:
    return ToolUse("ReadMcpResourceTool", {"server": server, "uri": uri})


def results(fake: FakeAnthropic, request: int) -> list[dict[str, Any]]:
    content = fake.messages_requests[request]["messages"][-1]["content"]
    return [b for b in content if b.get("type") == "tool_result"]


def prompt_blocks(fake: FakeAnthropic) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = fake.messages_requests[0]["messages"][0]["content"]
    return content


def test_list_and_read_resources_text_template_and_image(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    servers(ws, calc="calc")
    fake.script(
        Reply([ToolUse("ListMcpResourcesTool", {})]),
        Reply([read("notes://today"), read("notes://day/monday"), read("notes://pixel")]),
        Reply([ToolUse("ListMcpResourcesTool", {"server": "calc"})]),
        Reply([Text("Buy milk.")]),
    )

    code = chat(ws, "-p", "what are my notes?", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "Buy milk."
    assert {"ListMcpResourcesTool", "ReadMcpResourceTool"} <= set(tool_names(fake))
    [listed] = results(fake, 1)
    entries = json.loads(text(listed))
    assert {(e["server"], e["uri"]) for e in entries} == {
        ("calc", "notes://today"), ("calc", "notes://pixel"), ("calc", "notes://slow")
    }  # fmt: skip
    today = next(e for e in entries if e["uri"] == "notes://today")
    assert today == {"uri": "notes://today", "name": "today", "mimeType": "text/plain",
                     "description": "Today's notes.", "server": "calc"}  # fmt: skip
    note, day, pixel = results(fake, 2)  # read-only: no question asked in default mode
    assert text(note) == "Buy milk.\nShip the release." and not note.get("is_error")
    assert text(day) == "Notes of monday."
    image = next(b for b in pixel["content"] if b["type"] == "image")
    assert image["source"]["media_type"] == "image/png"
    assert image["source"]["data"].startswith("iVBORw0KGgo")
    [one_server] = results(fake, 3)
    assert len(json.loads(text(one_server))) == 3
    assert starts(tmp_path, "calc") == 1


def test_unknown_server_uri_and_a_server_without_resources_are_clear_errors(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, calc="calc")
    fake.script(
        Reply(
            [
                read("notes://nope"),
                read("notes://today", server="nosuch"),
                ToolUse("ListMcpResourcesTool", {"server": "nosuch"}),
            ]
        ),
        Reply([Text("None of those exist.")]),
    )

    assert chat(ws, "-p", "read things") == 0

    unknown_uri, unknown_server, unknown_list = results(fake, 1)
    assert unknown_uri["is_error"]
    assert text(unknown_uri).startswith("Cannot read `notes://nope` from `calc`: ")
    assert "Unknown resource" in text(unknown_uri)
    assert "Its resources: notes://today, notes://pixel, notes://slow, notes://day/{day}" in (
        text(unknown_uri)
    )
    for block in (unknown_server, unknown_list):
        assert block["is_error"]
        assert text(block) == "No MCP server named `nosuch` (configured: calc)."


def test_mentions_attach_resources_to_the_prompt(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, calc="calc")
    fake.script(Reply([Text("Noted.")]))

    prompt = (
        "Plan my day from @calc:notes://today, @calc:notes://day/friday and "
        "@calc:notes://gone; mail bob@example.com, see @docs/readme.md."
    )
    code = chat(ws, "-p", prompt)

    err = capsys.readouterr().err
    assert code == 0
    blocks = prompt_blocks(fake)
    assert blocks[0] == {"type": "text", "text": prompt}  # the prompt itself, unchanged
    attached = [b["text"] for b in blocks[1:]]
    assert attached == [
        '<mcp-resource server="calc" uri="notes://today">\n'
        "Buy milk.\nShip the release.\n</mcp-resource>",
        '<mcp-resource server="calc" uri="notes://day/friday">\nNotes of friday.\n</mcp-resource>',
        '<mcp-resource server="calc" uri="notes://gone">not attached: Cannot read '
        "`notes://gone` from `calc`: Unknown resource: notes://gone. Its resources: "
        "notes://today, notes://pixel, notes://slow, notes://day/{day}.</mcp-resource>",
    ]
    assert "mcp: @calc:notes://gone not attached: Cannot read `notes://gone`" in err


def test_mention_of_an_unknown_server_or_without_mcp_servers(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script(Reply([Text("Hm.")]), Reply([Text("Hm.")]))

    assert chat(ws, "-p", "read @wiki:page://home") == 0  # no MCP servers at all
    err = capsys.readouterr().err
    assert "not attached: No MCP server named `wiki` (none are configured)." in err
    assert "not attached" in prompt_blocks(fake)[-1]["text"]

    servers(ws, calc="calc")
    assert chat(ws, "-p", "read @wiki:page://home") == 0
    err = capsys.readouterr().err
    assert "not attached: No MCP server named `wiki` (configured: calc)." in err


def test_permission_rules_cover_resources(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, calc="calc", other="calc")
    settings = json.loads((ws / ".claude" / "settings.json").read_text())
    settings["permissions"] = {"deny": ["mcp__calc"], "ask": ["ReadMcpResourceTool"]}
    (ws / ".claude" / "settings.json").write_text(json.dumps(settings))
    fake.script(
        Reply(
            [
                read("notes://today"),
                read("notes://today", server="other"),
                ToolUse("ListMcpResourcesTool", {}),
            ]
        ),
        Reply([Text("Denied.")]),
    )

    assert chat(ws, "-p", "read @calc:notes://today and @other:notes://today") == 0

    # A deny rule naming the server covers its resources, mention or tool; an ask rule
    # does not stop a mention (the user asked for it) but asks before the tool runs.
    attached = [b["text"] for b in prompt_blocks(fake)[1:]]
    assert (
        "not attached: Permission denied: denied by the permission rule mcp__calc" in (attached[0])
    )
    assert attached[1].endswith("Buy milk.\nShip the release.\n</mcp-resource>")
    denied, asked, listed = results(fake, 1)
    assert denied["is_error"] and "denied by the permission rule mcp__calc" in text(denied)
    assert asked["is_error"] and "Permission denied" in text(asked)  # headless: no one to ask
    assert {e["server"] for e in json.loads(text(listed))} == {"other"}  # calc's hidden


def test_a_read_that_never_answers_times_out_and_the_server_restarts(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    servers(ws, calc="calc")
    monkeypatch.setenv("MCP_TOOL_TIMEOUT", "2000")
    fake.script(
        Reply([read("notes://slow")]),
        Reply([read("notes://today")]),
        Reply([Text("Got it the second time.")]),
    )
    assert chat(ws, "-p", "read slow") == 0
    [slow] = results(fake, 1)
    assert slow["is_error"] and "no answer to resources/read notes://slow within 2 s" in text(slow)
    assert "restarted on the next use" in text(slow)
    [today] = results(fake, 2)
    assert text(today) == "Buy milk.\nShip the release."
    assert starts(tmp_path, "calc") == 2


def test_servers_without_resources(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, bare="noresources")
    fake.script(Reply([Text("No resource tools here.")]))
    assert chat(ws, "-p", "hello") == 0
    assert not {"ListMcpResourcesTool", "ReadMcpResourceTool"} & set(tool_names(fake))

    servers(ws, bare="noresources", calc="calc")
    list_bare = ToolUse("ListMcpResourcesTool", {"server": "bare"})
    fake.script(
        Reply([ToolUse("ListMcpResourcesTool", {}), list_bare, read("x://y", server="bare")]),
        Reply([Text("Only calc has some.")]),
    )
    assert chat(ws, "-p", "list @bare:x://y") == 0

    every, bare, read_bare = results(fake, 2)
    assert {e["server"] for e in json.loads(text(every))} == {"calc"}
    assert bare["is_error"] and text(bare) == "The MCP server `bare` offers no resources."
    expected = "Cannot read `x://y` from `bare`: the MCP server `bare` offers no resources."
    assert read_bare["is_error"] and text(read_bare) == expected
    mention = fake.messages_requests[1]["messages"][0]["content"][-1]["text"]
    assert (
        mention
        == f'<mcp-resource server="bare" uri="x://y">not attached: {expected}</mcp-resource>'
    )
    assert f"mcp: @bare:x://y not attached: {expected}" in capsys.readouterr().err
