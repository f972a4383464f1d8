"""MCP servers through ``claude-lsp chat -p``: a real stdio server on the ``mcp`` SDK
(tests/agent/mcp/server.py) that works, crashes mid-call, never answers a call, or never
answers at all; project approval; prompts as slash commands; ``claude-lsp mcp list``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.mcp_cli import main as mcp_main
from agent.mcp_config import load_mcp_configs
from tests.agent.cli_support import USD, chat
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.mcp_support import mcp_ws, result_of, servers, starts, text, tool_names


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    return mcp_ws(tmp_path, fake, monkeypatch)


def test_tools_run_under_the_permission_rules(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    servers(ws, calc="calc")
    fake.script(
        Reply([ToolUse("mcp__calc__add", {"a": 2, "b": 3})]),
        Reply([ToolUse("mcp__calc__write_note", {"name": "note.txt", "text": "hi"})]),
        Reply([Text("2 + 3 = 5")]),
    )

    code = chat(ws, "-p", "add", "--allowedTools", "mcp__calc__add", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "2 + 3 = 5"
    assert {"mcp__calc__add", "mcp__calc__write_note", "Read"} <= set(tool_names(fake))
    assert text(result_of(fake, 1)) == "5"
    denied = result_of(fake, 2)  # not allowed by a rule, and nobody to ask: denied
    assert denied["is_error"] and "Permission denied" in text(denied)
    assert not (ws / "note.txt").exists()
    assert result["total_cost_usd"] == pytest.approx(3 * USD)
    assert starts(tmp_path, "calc") == 1


def test_a_crash_mid_call_is_a_tool_error_then_the_server_restarts(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    servers(ws, calc="calc")
    (ws / ".claude" / "settings.local.json").write_text(
        json.dumps({"permissions": {"allow": ["mcp__calc"]}})
    )
    fake.script(
        Reply([ToolUse("mcp__calc__crash", {})]),
        Reply([ToolUse("mcp__calc__write_note", {"name": "after.txt", "text": "back"})]),
        Reply([Text("Recovered.")]),
    )

    code = chat(ws, "-p", "crash it")

    assert code == 0, capsys.readouterr().err
    crashed = result_of(fake, 1)
    assert crashed["is_error"] and "closed the connection" in text(crashed)
    assert "restarted on the next call" in text(crashed)
    assert text(result_of(fake, 2)) == "wrote after.txt"
    assert (ws / "after.txt").read_text() == "back"
    assert starts(tmp_path, "calc") == 2


def test_a_call_that_never_answers_times_out(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    servers(ws, calc="calc")
    monkeypatch.setenv("MCP_TOOL_TIMEOUT", "2000")
    fake.script(Reply([ToolUse("mcp__calc__hang", {})]), Reply([Text("It hung.")]))

    # The tool never answers: without the timeout this call would hang (pytest-timeout).
    code = chat(ws, "-p", "hang", "--allowedTools", "mcp__calc__hang")

    assert code == 0
    hung = result_of(fake, 1)
    assert hung["is_error"] and "no answer to hang within 2 s" in text(hung)


def test_a_server_that_never_answers_is_skipped_after_the_connect_timeout(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    servers(ws, silent="silent")
    monkeypatch.setenv("MCP_TIMEOUT", "3000")
    fake.script(Reply([Text("Working without it.")]))

    code = chat(ws, "-p", "hello")  # the server never answers: it would hang without

    out, err = capsys.readouterr()
    assert code == 0 and out == "Working without it.\n"
    assert "mcp: MCP server `silent`: no answer within the connect timeout of 3 s" in err
    assert not any(name.startswith("mcp__") for name in tool_names(fake))


def test_unapproved_project_servers_are_skipped_headless(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    servers(ws, approved=[], calc="calc")
    fake.script(Reply([Text("Hi.")]))
    assert chat(ws, "-p", "hello") == 0
    err = capsys.readouterr().err
    assert "MCP server `calc` from .mcp.json skipped: not approved" in err
    assert "enabledMcpjsonServers" in err
    assert starts(tmp_path, "calc") == 0
    assert not any(name.startswith("mcp__") for name in tool_names(fake))


def test_prompts_are_slash_commands_and_mcp_lists_servers(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, calc="calc")
    fake.script(Reply([Text("Reviewed.")]))
    assert chat(ws, "-p", "/mcp__calc__review app.py speed") == 0
    sent = fake.messages_requests[0]["messages"][0]["content"][0]["text"]
    assert sent == "Review app.py carefully, looking for speed."
    capsys.readouterr()

    assert chat(ws, "--continue", "-p", "/mcp") == 0
    out = capsys.readouterr().out
    assert "calc (project, " in out and ": ready" in out
    assert "tools: add, write_note, crash, hang, whoami" in out and "prompts: review" in out
    assert len(fake.messages_requests) == 1


def test_mcp_list_command(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    servers(ws, approved=["calc"], calc="calc", other="calc")
    home = Path.home()
    config = json.loads((home / ".claude.json").read_text())  # the folder's trust kept
    config["mcpServers"] = {"remote": {"type": "http", "url": "${NO_SUCH_VAR}/mcp"}}
    (home / ".claude.json").write_text(json.dumps(config))

    assert mcp_main(["list", "--cwd", str(ws)]) == 0

    out = capsys.readouterr().out
    assert "calc (project, " in out and "tools: add, write_note, crash, hang, whoami" in out
    assert "resources: notes://today, notes://pixel, notes://slow" in out
    assert "resource templates: notes://day/{day}" in out
    assert "other (project, " in out and "unapproved" in out
    assert "remote (user, " in out and "environment variable not set: NO_SUCH_VAR" in out


def test_a_server_that_cannot_list_its_resource_templates_keeps_its_tools(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    servers(ws, old="notemplates")
    fake.script(Reply([ToolUse("mcp__old__add", {"a": 1, "b": 2})]), Reply([Text("3")]))

    assert chat(ws, "-p", "add", "--allowedTools", "mcp__old") == 0
    assert text(result_of(fake, 1)) == "3"
    assert chat(ws, "--continue", "-p", "/mcp") == 0
    out = capsys.readouterr().out
    assert "old (project, " in out and ": ready" in out
    assert "resources: notes://today" in out and "resource templates" not in out


def test_config_scopes_and_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, project = tmp_path / "h", tmp_path / "p"
    home.mkdir()
    project.mkdir()
    monkeypatch.setenv("TOKEN", "t0k")
    monkeypatch.delenv("MISSING", raising=False)
    (home / ".claude.json").write_text(json.dumps({
        "mcpServers": {"a": {"command": "user-a"}, "b": {"command": "user-b"}},
        "projects": {str(project): {"mcpServers": {"a": {"command": "local-a"}}}},
    }))  # fmt: skip
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "a": {"command": "project-a"},
        "b": {"type": "http", "url": "https://x/${MISSING:-mcp}",
              "headers": {"Authorization": "Bearer ${TOKEN}"}},
        "c": {"type": "carrier-pigeon"},
    }}))  # fmt: skip

    found = {c.name: c for c in load_mcp_configs(project, home)}

    assert (found["a"].scope, found["a"].command) == ("local", "local-a")
    assert found["b"].scope == "project" and found["b"].url == "https://x/mcp"
    assert found["b"].headers == {"Authorization": "Bearer t0k"}
    assert "unknown type" in found["c"].problem
