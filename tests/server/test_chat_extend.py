"""Hooks, custom slash commands, /compact and MCP servers through ``claude/chat``: a real
server process, the loopback Anthropic API, real hook scripts, a real stdio MCP server
and a test editor with unsaved buffers. One server for the module; every test uses its
own sessions (settings, commands and .mcp.json are read when a session starts)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from agent.trust import trust
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
SERVER = Path(__file__).parents[1] / "agent" / "mcp" / "server.py"
USD = (100 * 2 + 20 * 10) / 1e6

GUARD = """\
import json, sys
event = json.load(sys.stdin)
name = event["tool_name"]
path = event["tool_input"].get("file_path", "")
if event["hook_event_name"] == "PreToolUse" and "protected" in path:
    print(f"{path} is protected", file=sys.stderr); sys.exit(2)
if event["hook_event_name"] == "PostToolUse" and name == "Read":
    print("the read logger is broken", file=sys.stderr); sys.exit(1)
"""
PROMPT_GUARD = """\
import json, sys
if "password" in json.load(sys.stdin)["prompt"]:
    print("no passwords in prompts", file=sys.stderr); sys.exit(2)
"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    hooks = root / ".hooks"
    hooks.mkdir()
    (hooks / "guard.py").write_text(GUARD)
    (hooks / "prompt.py").write_text(PROMPT_GUARD)
    guard = {"type": "command", "command": f"{sys.executable} {hooks / 'guard.py'}"}
    prompt = {"type": "command", "command": f"{sys.executable} {hooks / 'prompt.py'}"}
    settings = {
        "hooks": {
            "PreToolUse": [{"matcher": "Edit|Write", "hooks": [guard]}],
            "PostToolUse": [{"matcher": "Read", "hooks": [guard]}],
            "UserPromptSubmit": [{"hooks": [prompt]}],
        }
    }
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "settings.json").write_text(json.dumps(settings))
    (root / ".claude" / "commands" / "explain.md").write_text(
        "---\ndescription: Explain a file\nargument-hint: FILE FOCUS\n---\n"
        "Explain @$1, focusing on $2.\n"
    )
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Editor]:
    home = tmp_path_factory.mktemp("home")
    trust(root, home)  # the workspace's hooks run only in a trusted folder
    env = server_env(fake, home)
    env["MCP_TIMEOUT"] = "120000"  # a loaded test machine starts Python servers slowly
    async with editor_session(root, env) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic, editor: Editor) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    editor.permission_answers.clear()


@contextlib.contextmanager
def project_servers(root: Path, servers: dict[str, Any], local: dict[str, Any]) -> Iterator[None]:
    """``.mcp.json`` with ``servers`` and ``settings.local.json`` set to ``local`` for the
    block; both as they were afterwards."""
    settings = root / ".claude" / "settings.local.json"
    before = settings.read_text() if settings.exists() else None
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))
    settings.write_text(json.dumps(local))
    try:
        yield
    finally:
        (root / ".mcp.json").unlink()
        if before is None:
            settings.unlink()
        else:
            settings.write_text(before)


def results(fake: FakeAnthropic, request: int) -> list[dict[str, Any]]:
    content = fake.messages_requests[request]["messages"][-1]["content"]
    return [b for b in content if b.get("type") == "tool_result"]


def text(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else " ".join(c.get("text", "") for c in content)


async def test_hooks_block_an_edit_and_a_prompt(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "protected.py"
    path.write_text("A = 1\n")
    uri = editor.open(path, "A = 1  # unsaved\n")
    edit = {"file_path": str(path), "old_string": "A = 1", "new_string": "A = 2"}
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Edit", edit)]),
        Reply([Text("It is protected.")]),
    )
    applied = len(editor.applied)
    since = editor.mark()

    _, answer = editor.chat(prompt="Change A", permissionMode="acceptEdits")
    result = await answer

    assert result["stopReason"] == "end_turn" and result["costUsd"] == pytest.approx(3 * USD)
    assert editor.text(uri) == "A = 1  # unsaved\n" and len(editor.applied) == applied
    [blocked] = results(fake, 2)
    assert blocked["is_error"] and f"{path} is protected" in text(blocked)
    hook = await editor.wait_event("hook", since)
    assert "the read logger is broken" in hook["data"]["message"]
    permission = await editor.wait_event("permission", since, tool="Edit")
    assert permission["data"]["by"] == "hook" and permission["data"]["decision"] == "deny"

    requests = len(fake.messages_requests)
    _, answer = editor.chat(prompt="my password is hunter2")
    refused = await answer
    assert refused["stopReason"] == "error" and "no passwords in prompts" in refused["error"]
    assert len(fake.messages_requests) == requests


async def test_custom_command_attaches_the_unsaved_buffer(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "explained.py"
    path.write_text("def f():\n    return 1\n")
    editor.open(path, "def f():\n    return 2  # unsaved\n")
    names = {c["name"] for c in (await editor.request("claude/commands"))["commands"]}
    assert {"/explain", "/compact", "/mcp", "/cost"} <= names
    fake.script(Reply([Text("f returns 2.")]))

    _, answer = editor.chat(prompt="/explain explained.py speed")
    result = await answer

    assert result["result"] == "f returns 2."
    sent = fake.messages_requests[0]["messages"][-1]["content"][0]["text"]
    assert sent.startswith("Explain @explained.py, focusing on speed.")
    assert '<file path="explained.py">\ndef f():\n    return 2  # unsaved\n</file>' in sent

    fake.script(Reply([Text("Summary: f was explained.")]))
    _, answer = editor.chat(prompt="/compact", sessionId=result["sessionId"])
    compacted = await answer
    assert compacted["result"].startswith("Compacted the conversation")
    assert compacted["numTurns"] == 1 and compacted["costUsd"] == pytest.approx(USD)
    assert compacted["sessionCostUsd"] == pytest.approx(2 * USD)


async def test_mcp_server_approved_used_and_crashing(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    entry = {"command": sys.executable, "args": [str(SERVER), "calc"]}
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"calc": entry}}))
    editor.permission_answers.extend(["allowAlways", "allowOnce", "allowOnce"])
    fake.script(
        Reply([ToolUse("mcp__calc__add", {"a": 2, "b": 3})]),
        Reply([ToolUse("mcp__calc__crash", {})]),
        Reply([Text("5, then it crashed.")]),
    )
    asked = len(editor.permission_requests)

    _, answer = editor.chat(prompt="add 2 and 3, then crash")
    result = await answer

    assert result["stopReason"] == "end_turn" and result["result"] == "5, then it crashed."
    questions = editor.permission_requests[asked:]
    assert [q["tool"] for q in questions] == ["mcp", "mcp__calc__add", "mcp__calc__crash"]
    assert "calc" in questions[0]["summary"]
    local = json.loads((root / ".claude" / "settings.local.json").read_text())
    assert local["enabledMcpjsonServers"] == ["calc"]
    assert text(results(fake, 1)[0]) == "5"
    [crashed] = results(fake, 2)
    assert crashed["is_error"] and "closed the connection" in text(crashed)

    _, answer = editor.chat(prompt="/mcp", sessionId=result["sessionId"])
    listing = (await answer)["result"]
    assert "calc (project, " in listing and "tools: add, write_note, crash, hang, whoami" in listing
    (root / ".mcp.json").unlink()


async def test_mcp_resources_mentioned_and_read_over_lsp(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    entry = {"command": sys.executable, "args": [str(SERVER), "calc"]}
    read = {"server": "calc", "uri": "notes://day/sunday"}
    fake.script(Reply([ToolUse("ReadMcpResourceTool", read)]), Reply([Text("Planned.")]))
    since, asked = editor.mark(), len(editor.permission_requests)
    with project_servers(root, {"calc": entry}, {"enabledMcpjsonServers": ["calc"]}):
        _, answer = editor.chat(prompt="Plan from @calc:notes://today and @calc:notes://nope")
        result = await answer

    assert result["result"] == "Planned." and editor.permission_requests[asked:] == []
    sent = fake.messages_requests[0]["messages"][0]["content"]
    assert sent[1]["text"] == (
        '<mcp-resource server="calc" uri="notes://today">\n'
        "Buy milk.\nShip the release.\n</mcp-resource>"
    )
    assert "not attached: Cannot read `notes://nope` from `calc`" in sent[2]["text"]
    note = await editor.wait_event("mcp", since, server="calc", state="error")
    assert note["data"]["message"].startswith("@calc:notes://nope not attached: ")
    [day] = results(fake, 1)
    assert text(day) == "Notes of sunday." and not day.get("is_error")


async def test_mcp_servers_that_never_answer_over_lsp(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    # One server never answers a tool call, another never answers at all: each has its
    # timeout (from the settings' env), and the turn goes on.
    entries = {
        "slow": {"command": sys.executable, "args": [str(SERVER), "calc"]},
        "silent": {"command": sys.executable, "args": [str(SERVER), "silent"]},
    }
    local = {
        "enabledMcpjsonServers": ["slow", "silent"],
        "env": {"MCP_TOOL_TIMEOUT": "2000", "MCP_TIMEOUT": "3000"},
    }
    editor.permission_answers.append("allowOnce")  # the call of the slow server's tool
    fake.script(Reply([ToolUse("mcp__slow__hang", {})]), Reply([Text("It hung.")]))
    since = editor.mark()
    with project_servers(root, entries, local):
        _, answer = editor.chat(prompt="call hang")
        result = await answer
    assert result["stopReason"] == "end_turn" and result["result"] == "It hung."
    [hung] = results(fake, 1)
    assert hung["is_error"] and "no answer to hang within 2 s" in text(hung)
    silent = await editor.wait_event("mcp", since, server="silent", state="failed")
    assert "no answer within the connect timeout of 3 s" in silent["data"]["message"]


async def test_two_subagents_over_lsp(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    path = root / "sub_read.py"
    path.write_text("on disk\n")
    editor.open(path, "in the buffer\n")
    task = {"description": "look", "prompt": "What does sub_read.py hold?"}
    fake.script(
        Reply([ToolUse("Task", task), ToolUse("Task", {**task, "description": "look again"})]),
        Reply([ToolUse("Read", {"file_path": str(path)})], delay=0.05),
        Reply([ToolUse("Read", {"file_path": str(path)})], delay=0.05),
        Reply([Text("The buffer text.")]),
        Reply([Text("The buffer text.")]),
        Reply([Text("Both agree.")]),
    )
    since = editor.mark()

    _, answer = editor.chat(prompt="ask two helpers")
    result = await answer

    assert result["result"] == "Both agree." and result["numTurns"] == 6
    assert result["costUsd"] == pytest.approx(6 * USD)
    assert [len(r["messages"]) for r in fake.messages_requests] == [1, 1, 1, 3, 3, 3]
    read = fake.messages_requests[3]["messages"][-1]["content"][0]
    assert "in the buffer" in text(read)  # the subagent reads through the editor too
    call = await editor.wait_event("toolCall", since, name="Read")
    assert call["data"]["subagent"] == "general-purpose: look" or call["data"]["subagent"] == (
        "general-purpose: look again"
    )


async def test_rewind_restores_an_open_buffer_and_a_bash_file(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "rewound.py"
    path.write_text("X = 1\n")
    uri = editor.open(path, "X = 1  # unsaved\n")
    edit = {"file_path": str(path), "old_string": "X = 1", "new_string": "X = 2"}
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Edit", edit)]),
        Reply([ToolUse("Bash", {"command": "echo generated > generated.txt"})]),
        Reply([Text("Changed.")]),
    )
    _, answer = editor.chat(prompt="change X", permissionMode="bypassPermissions")
    result = await answer
    assert editor.text(uri) == "X = 2  # unsaved\n"
    assert (root / "generated.txt").exists()

    _, answer = editor.chat(prompt="/rewind", sessionId=result["sessionId"])
    rewound = await answer

    assert rewound["stopReason"] == "end_turn" and rewound["numTurns"] == 0
    assert "Restored: rewound.py" in rewound["result"]
    assert "Removed (created by the turn): generated.txt" in rewound["result"]
    assert editor.text(uri) == "X = 1  # unsaved\n"  # through workspace/applyEdit
    assert not (root / "generated.txt").exists()
    fake.script(Reply([Text("Fresh.")]))
    _, answer = editor.chat(prompt="again", sessionId=result["sessionId"])
    await answer
    assert len(fake.messages_requests[-1]["messages"]) == 1
