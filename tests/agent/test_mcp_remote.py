"""Remote MCP servers (``{type: "http" | "sse", url, headers}``) through
``claude-lsp chat -p``: the real test server (tests/agent/mcp/server.py) served by the
``mcp`` SDK over streamable HTTP and over SSE on 127.0.0.1, in a subprocess — tool
calls, resources, a header with a ``${VAR}`` reaching the server, a server that goes
away mid-session, and a port that never answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.mcp_cli import main as mcp_main
from agent.trust import trust
from tests.agent.cli_support import chat
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.mcp_support import SERVER, mcp_ws, result_of, starts, text, tool_names

PATHS = {"http": "/mcp", "sse": "/sse"}


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = mcp_ws(tmp_path, fake, monkeypatch)
    monkeypatch.setenv("MCP_TEST_USER", "alice")
    return workspace


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(kind: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The test server over ``kind`` (http, sse), and its URL."""
    port = free_port()
    with open(tmp_path / f"{kind}-server.err", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(SERVER), kind, str(port)],
            env={**os.environ, "MCP_TEST_LOG": str(tmp_path / "remote.log")},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield proc, f"http://127.0.0.1:{port}{PATHS[kind]}"
    finally:
        proc.kill()
        proc.wait()


def configure(ws: Path, kind: str, url: str) -> None:
    entry = {"type": kind, "url": url, "headers": {"X-User": "${MCP_TEST_USER}"}}
    (ws / ".mcp.json").write_text(json.dumps({"mcpServers": {"remote": entry}}))
    (ws / ".claude").mkdir(exist_ok=True)
    settings = {"enabledMcpjsonServers": ["remote"], "permissions": {"allow": ["mcp__remote"]}}
    (ws / ".claude" / "settings.json").write_text(json.dumps(settings))
    trust(ws)  # a repository's approval of its own servers counts only when trusted


@pytest.mark.parametrize("kind", ["http", "sse"])
def test_tools_resources_and_a_header_from_the_environment(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    fake.script(
        Reply([ToolUse("mcp__remote__add", {"a": 20, "b": 22})]),
        Reply([ToolUse("mcp__remote__whoami", {})]),
        Reply([ToolUse("ReadMcpResourceTool", {"server": "remote", "uri": "notes://today"})]),
        Reply([Text("Done.")]),
    )
    with served(kind, tmp_path) as (_, url):
        configure(ws, kind, url)
        code = chat(ws, "-p", "add, who, notes", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "Done."
    assert {"mcp__remote__add", "mcp__remote__whoami", "ReadMcpResourceTool"} <= set(
        tool_names(fake)
    )
    assert text(result_of(fake, 1)) == "42"
    assert text(result_of(fake, 2)) == "user=alice"  # ${MCP_TEST_USER} expanded, sent
    assert text(result_of(fake, 3)) == "Buy milk.\nShip the release."
    assert starts(tmp_path, "remote") == 1


@pytest.mark.parametrize("kind", ["http", "sse"])
def test_a_server_that_goes_away_mid_session_is_a_tool_error(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    fake.script(
        Reply([ToolUse("mcp__remote__add", {"a": 1, "b": 1})]),
        Reply([ToolUse("mcp__remote__crash", {})]),  # the server process exits mid-call
        Reply([ToolUse("mcp__remote__add", {"a": 2, "b": 2})]),
        Reply([Text("The server is gone.")]),
    )
    with served(kind, tmp_path) as (proc, url):
        configure(ws, kind, url)
        code = chat(ws, "-p", "use it", "--output-format", "json")
        assert proc.poll() == 3  # it really went away

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "The server is gone."
    assert text(result_of(fake, 1)) == "2"
    crashed, after = result_of(fake, 2), result_of(fake, 3)
    assert crashed["is_error"] and "MCP server `remote` failed in crash" in text(crashed)
    assert after["is_error"] and "MCP server `remote` failed in add" in text(after)
    assert "cannot connect" in text(after)  # reconnecting found nobody


@pytest.mark.parametrize("kind", ["http", "sse"])
def test_a_server_killed_between_calls_is_a_tool_error(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    fake.script(
        Reply([ToolUse("mcp__remote__add", {"a": 1, "b": 1})]),
        Reply([ToolUse("mcp__remote__whoami", {})]),  # the server was killed meanwhile
        Reply([Text("It went away.")]),
    )
    with served(kind, tmp_path) as (proc, url):
        configure(ws, kind, url)
        settings = json.loads((ws / ".claude" / "settings.json").read_text())
        kill = {"type": "command", "command": f"kill -9 {proc.pid}"}
        settings["hooks"] = {"PostToolUse": [{"matcher": "mcp__remote__add", "hooks": [kill]}]}
        (ws / ".claude" / "settings.json").write_text(json.dumps(settings))
        code = chat(ws, "-p", "use it", "--output-format", "json")
        assert proc.poll() == -9

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "It went away."
    assert text(result_of(fake, 1)) == "2"
    gone = result_of(fake, 2)
    assert gone["is_error"] and "MCP server `remote` failed in whoami" in text(gone)


@pytest.mark.parametrize("kind", ["http", "sse"])
def test_a_port_that_never_answers_hits_the_connect_timeout(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setenv("MCP_TIMEOUT", "2000")
    fake.script(Reply([Text("Working without it.")]))
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        configure(ws, kind, f"http://127.0.0.1:{silent.getsockname()[1]}{PATHS[kind]}")
        code = chat(ws, "-p", "hello")

    out, err = capsys.readouterr()
    assert code == 0 and out == "Working without it.\n"
    assert "mcp: MCP server `remote`: no answer within the connect timeout of 2 s" in err
    assert not any(name.startswith("mcp__") for name in tool_names(fake))


def test_mcp_list_shows_a_remote_servers_tools_and_resources(
    ws: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with served("http", tmp_path) as (_, url):
        configure(ws, "http", url)
        assert mcp_main(["list", "--cwd", str(ws)]) == 0

    out = capsys.readouterr().out
    assert f"remote (project, http {url}): ready" in out
    assert "tools: add, write_note, crash, hang, whoami" in out
    assert "resources: notes://today, notes://pixel, notes://slow" in out
