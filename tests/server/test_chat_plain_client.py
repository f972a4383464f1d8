"""The agent for clients without a chat UI (Neovim 0.7's capabilities): permission
questions as window/showMessageRequest, and the claude.chat command writing a markdown
transcript, live through workspace/applyEdit while the editor has it open. Also: a
server without credentials says what to set and keeps serving everything else."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILE = "neovim@v0.7.0"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ws")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(fake: FakeAnthropic, home: Path, root: Path) -> AsyncIterator[Editor]:
    async with editor_session(root, server_env(fake, home), PROFILE, chat_ui=False) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic, editor: Editor) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    editor.message_answers.clear()


async def command(editor: Editor, name: str, *arguments: Any) -> Any:
    return await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=name, arguments=list(arguments)),
    )


async def turn_finished(editor: Editor, session_id: str) -> None:
    """Wait for the end of the progress of a claude.chat turn."""
    client = editor.client

    def ended() -> bool:
        return any(
            isinstance(report, types.WorkDoneProgressEnd)
            for reports in client.progress_reports.values()
            for report in reports
        )

    while not ended():
        await asyncio.wait_for(
            client.wait_for_notification(types.PROGRESS), 120
        )  # a loaded CI machine
    client.progress_reports.clear()
    del session_id


async def test_permission_through_show_message_request(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    target = root / "asked.txt"
    write = {"file_path": str(target), "content": "yes\n"}
    editor.message_answers.extend(["Allow once", None, "Always allow"])
    fake.script(
        Reply([ToolUse("Write", write)]),
        Reply([ToolUse("Write", {**write, "content": "dismissed\n"})]),
        Reply([ToolUse("Write", {**write, "content": "always\n"})]),
        Reply([ToolUse("Write", {**write, "content": "not asked\n"})]),
        Reply([Text("done")]),
    )
    asked = len(editor.message_requests)
    result = await editor.request("claude/chat", {"prompt": "write"})
    assert result["stopReason"] == "end_turn"
    questions = editor.message_requests[asked:]
    assert len(questions) == 3  # the fourth call was allowed by the saved rule
    assert questions[0].message == f"Claude wants to use Write: Write {target} (1 lines)"
    assert [a.title for a in questions[0].actions] == ["Allow once", "Always allow", "Deny"]
    assert target.read_text() == "not asked\n"
    denied = [
        m
        for request in fake.messages_requests
        for m in request["messages"][-1]["content"]
        if isinstance(m, dict) and m.get("is_error")
    ]
    assert any("the user declined" in json.dumps(m) for m in denied)
    saved = json.loads((root / ".claude" / "settings.local.json").read_text())
    assert saved["permissions"]["allow"] == ["Write(/asked.txt)"]
    (root / ".claude" / "settings.local.json").unlink()


async def test_claude_chat_writes_a_transcript(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    (root / "notes.py").write_text("TODO = 1\n")
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(root / "notes.py")})]),
        Reply([Text("The file sets **TODO**.")]),
    )
    messages = len(editor.client.messages)
    answer = await command(editor, "claude.chat", "What does notes.py do?")
    session_id, uri = answer["sessionId"], answer["uri"]
    transcript = Path(to_fs_path(uri) or "")
    assert transcript.name == f"{session_id}.md"
    # Neovim 0.7 cannot showDocument: the user is told where the answer goes
    assert str(transcript) in editor.client.messages[messages].message
    await turn_finished(editor, session_id)
    for _ in range(100):  # written by the flush that follows the end of the turn
        text = transcript.read_text()
        if "end_turn" in text:
            break
        await asyncio.sleep(0.05)
    assert "## You\n\n> What does notes.py do?\n\n## Claude\n\n" in text
    assert f"- **Read** {root / 'notes.py'}\n" in text
    assert "\nThe file sets **TODO**." in text
    assert text.rstrip().endswith("*")  # the turn's footer

    # open in the editor: the next answer streams into the buffer, then reaches the disk
    # when the editor closes it
    transcript_uri = editor.open(transcript, text, language_id="markdown")
    fake.script(Reply([Text("Second answer, live.")]))
    applied = len(editor.applied)
    again = await command(editor, "claude.chat", "And then?")
    assert again["sessionId"] == session_id
    await turn_finished(editor, session_id)
    for _ in range(100):
        if (
            "Second answer, live." in editor.text(transcript_uri)
            and "end_turn" in editor.text(transcript_uri).split("And then?")[-1]
        ):
            break
        await asyncio.sleep(0.05)
    buffer = editor.text(transcript_uri)
    assert buffer.startswith(text)
    assert "> And then?" in buffer and "Second answer, live." in buffer
    assert all(
        uri_ == transcript_uri for p in editor.applied[applied:] for uri_ in (p.edit.changes or {})
    )
    assert "Second answer" not in transcript.read_text()
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(transcript_uri))
    )
    for _ in range(100):
        if "Second answer, live." in transcript.read_text():
            break
        await asyncio.sleep(0.05)
    assert "Second answer, live." in transcript.read_text()


async def test_new_chat_and_cancel(editor: Editor, fake: FakeAnthropic) -> None:
    fake.script(Reply([Text("first")]))
    first = await command(editor, "claude.chat", "one")
    await turn_finished(editor, first["sessionId"])
    assert await command(editor, "claude.newChat") == {"ok": True}
    fake.script(Reply([Text("stalling answer")], hang_after=4))
    second = await command(editor, "claude.chat", "two")
    assert second["sessionId"] != first["sessionId"]
    with pytest.raises(JsonRpcException) as busy:
        await command(editor, "claude.chat", "three")
    assert busy.value.data["reason"] == "sessionBusy"
    assert await command(editor, "claude.cancel") == {"cancelled": 1}
    await turn_finished(editor, second["sessionId"])
    transcript = Path(to_fs_path(second["uri"]) or "")
    for _ in range(100):
        if "cancelled" in transcript.read_text():
            break
        await asyncio.sleep(0.05)
    assert "*cancelled" in transcript.read_text()


async def test_cancelling_the_progress_cancels_the_turn(
    editor: Editor, fake: FakeAnthropic
) -> None:
    fake.script(Reply([Text("an answer that never ends")], hang_after=4))
    editor.client.progress_reports.clear()
    answer = await command(editor, "claude.chat", "long one")
    while not editor.client.progress_reports:
        await asyncio.wait_for(editor.client.wait_for_notification(types.PROGRESS), 30)
    [token] = list(editor.client.progress_reports)
    [begin] = editor.client.progress_reports[token][:1]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable is True
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    await turn_finished(editor, answer["sessionId"])
    transcript = Path(to_fs_path(answer["uri"]) or "")
    for _ in range(100):
        if "*cancelled" in transcript.read_text():
            break
        await asyncio.sleep(0.05)
    assert "*cancelled" in transcript.read_text()


async def test_no_credentials(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    env = server_env(None, tmp_path, key=False)
    async with editor_session(root, env, PROFILE, chat_ui=False) as editor:
        with pytest.raises(JsonRpcException) as error:
            await editor.request("claude/chat", {"prompt": "hello"})
        assert error.value.data["reason"] == "noCredentials"
        assert "ANTHROPIC_API_KEY" in error.value.message
        with pytest.raises(JsonRpcException) as command_error:
            await command(editor, "claude.chat", "hello")
        assert "ANTHROPIC_API_KEY" in command_error.value.message
        status = await editor.request("claude/status")
        assert status["credentials"]["ok"] is False
        assert "ANTHROPIC_API_KEY" in status["credentials"]["message"]
        # everything else works
        editor.open(root / "broken.py", "def f(:\n    pass\n")
        params = await asyncio.wait_for(
            editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30
        )
        assert params.diagnostics
