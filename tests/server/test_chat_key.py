"""The API key never leaves the server's own use of it: not in the debug log, a chat
event, a request to the model, the session transcript or the `claude.chat` document —
also when a command the model runs looks for it. And the editor's side of a machine
without a sandbox: told once, or refused when the settings ask for one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import API_KEY, Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Editor]:
    root = tmp_path_factory.mktemp("ws")
    (root / "notes.txt").write_text("nothing secret here\n")
    log = home / "server.log"
    args = ("--log-level", "debug", "--log-file", str(log))
    async with editor_session(root, server_env(fake, home), server_args=args) as editor:
        editor.root = root  # type: ignore[attr-defined]
        yield editor


def _everything_written(home: Path) -> str:
    """Every file the server wrote under the test's home: log, sessions, transcripts."""
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in home.rglob("*") if p.is_file()
    )


async def test_the_key_reaches_no_log_event_request_or_transcript(
    editor: Editor, fake: FakeAnthropic, home: Path
) -> None:
    hunt = "env; printenv ANTHROPIC_API_KEY; echo $ANTHROPIC_API_KEY | rev; cat /proc/$PPID/environ"
    fake.script(
        Reply([ToolUse("Bash", {"command": hunt})]),
        Reply([ToolUse("Read", {"file_path": str(editor.root / "notes.txt")})]),  # type: ignore[attr-defined]
        Reply([Text("Looked everywhere.")]),
    )
    _, answer = editor.chat(prompt="find the API key", permissionMode="bypassPermissions")
    assert (await answer)["result"] == "Looked everywhere."
    fake.script(Reply([Text("Transcript turn.")]))
    await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="claude.chat", arguments=["say hi"]),
    )
    for _ in range(400):  # the claude.chat turn runs on; its transcript reaches the disk
        if "Transcript turn." in _everything_written(home):
            break
        await asyncio.sleep(0.05)
    sent_to_model = [str(r.body) for r in fake.requests if r.path == "/v1/messages"]
    assert len(sent_to_model) == 4
    bash_result = str(fake.messages_requests[1]["messages"])
    assert "ANTHROPIC" in bash_result or "PATH=" in bash_result  # the command did run
    written = _everything_written(home)
    log = (home / "server.log").read_text()
    assert "DEBUG" in log and "claude/chat" in log  # the debug log holds the traffic
    assert "Transcript turn." in written and "find the API key" in written  # they are there
    for where, text in [
        ("a request to the model", "\n".join(sent_to_model)),
        ("a chat event", str(editor.events)),
        ("a file the server wrote (log, session, transcript)", written),
    ]:
        assert API_KEY not in text and API_KEY[::-1] not in text, where


async def test_without_a_sandbox_the_editor_is_told_once_or_refused(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    env = {**server_env(fake, tmp_path / "home"), "CLAUDE_LSP_BWRAP": str(tmp_path / "no-bwrap")}
    async with editor_session(root, env) as editor:
        for n in range(2):
            fake.script(Reply([Text(f"Answer {n}.")]))
            _, answer = editor.chat(prompt=f"question {n}")
            assert (await answer)["result"] == f"Answer {n}."
        said = [m.message for m in editor.client.messages if "no OS sandbox" in m.message]
        assert len(said) == 1 and "run unsandboxed" in said[0]  # once, for two sessions
        settings = {"sandbox": {"failIfUnavailable": True}}
        (root / ".claude").mkdir()
        (root / ".claude" / "settings.json").write_text(json.dumps(settings))
        _, refused = editor.chat(prompt="and now?")
        with pytest.raises(Exception) as caught:
            await refused
        assert "sandboxUnavailable" in str(caught.value) or "failIfUnavailable" in str(caught.value)
