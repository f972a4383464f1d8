"""The agent over LSP for a client with a chat UI (docs/protocol.md), end to end: a real
server process, the real SDK, the loopback Anthropic API, and a test editor that keeps
buffers and really applies the edits it is sent.

One server for the module; every test uses its own files and sessions."""

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

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import HOLD, MODEL, Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
REQUEST_FAILED = -32803


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
    root = tmp_path_factory.mktemp("ws")
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "commands" / "greet.md").write_text(
        "---\ndescription: Greet someone\nargument-hint: NAME\n---\nSay hello to $ARGUMENTS.\n"
    )
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(fake: FakeAnthropic, home: Path, root: Path) -> AsyncIterator[Editor]:
    async with editor_session(root, server_env(fake, home)) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic, editor: Editor) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    fake.invalid.clear()
    editor.permission_answers.clear()
    editor.apply_mode = "apply"


def last_user_content(fake: FakeAnthropic) -> list[dict[str, Any]]:
    content = fake.messages_requests[-1]["messages"][-1]["content"]
    return content if isinstance(content, list) else [{"type": "text", "text": content}]


def tool_results(fake: FakeAnthropic) -> list[dict[str, Any]]:
    return [b for b in last_user_content(fake) if b.get("type") == "tool_result"]


def result_text(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else " ".join(c.get("text", "") for c in content)


async def test_initialize_advertises_the_extension(editor: Editor) -> None:
    assert editor.init_result is not None
    claude = editor.init_result.capabilities.experimental["claudeLsp"]
    assert claude["version"] == 1
    assert set(claude["methods"]) == {
        "claude/chat",
        "claude/sessions",
        "claude/status",
        "claude/commands",
    }
    assert set(claude["commands"]) == {
        "claude.chat",
        "claude.cancel",
        "claude.newChat",
        "claude.codeAction",
        "claude.explain",
        "claude.ask",
        "claude.review",
        "claude.commitMessage",
    }


async def test_read_returns_the_unsaved_buffer(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "reading.py"
    path.write_text("VALUE = 'on disk'\n")
    editor.open(path, "VALUE = 'unsaved in the editor'\n")
    fake.script(Reply([ToolUse("Read", {"file_path": str(path)})]), Reply([Text("It is unsaved.")]))
    _, answer = editor.chat(prompt="What is VALUE?")
    result = await answer
    assert result["stopReason"] == "end_turn"
    assert result["result"] == "It is unsaved."
    assert result["numTurns"] == 2
    assert result["costUsd"] > 0 and result["sessionCostUsd"] == pytest.approx(result["costUsd"])
    [block] = tool_results(fake)
    assert "unsaved in the editor" in result_text(block) and "on disk" not in result_text(block)
    kinds = editor.kinds(result["sessionId"])
    assert kinds[0] == "turnStart" and kinds[-1] == "turnEnd"
    assert {"toolCall", "toolResult", "text", "usage"} <= set(kinds)
    assert editor.text_of(result["sessionId"]) == "It is unsaved."
    call = await editor.wait_event("toolCall", 0, name="Read")
    assert call["data"]["input"] == {"file_path": str(path)}


async def test_fast_text_deltas_are_merged_and_none_is_lost(
    editor: Editor, fake: FakeAnthropic
) -> None:
    # 400 deltas about 1 ms apart: the first goes out at once, the rest are merged
    # (at most one notification per 15 ms), every character arrives, in order, and all
    # of it before the answer.
    words = "".join(f"w{n} " for n in range(400))
    fake.script(Reply([Text(words, chunks=400)], delay=0.001))
    _, answer = editor.chat(prompt="stream")
    result = await answer
    texts = [
        e["data"]["text"]
        for e in editor.events
        if e["sessionId"] == result["sessionId"] and e["kind"] == "text"
    ]
    assert "".join(texts) == words == result["result"]
    assert 2 <= len(texts) < 200
    assert texts[0] == words[: len(texts[0])] and len(texts[0]) <= 5  # the first at once


async def test_edit_of_an_open_buffer_is_a_versioned_apply_edit(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "editing.py"
    path.write_text("def total(a, b):\n    return a + b\n")
    uri = editor.open(path, "def total(a, b):\n    return a + b\n\n\nLIMIT = 10  # unsaved\n")
    edit = {"file_path": str(path), "old_string": "a + b", "new_string": "a + b + 0"}
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Edit", edit)]),
        Reply([Text("Edited.")]),
    )
    before = len(editor.applied)
    _, answer = editor.chat(prompt="Edit it", permissionMode="acceptEdits")
    result = await answer
    assert result["stopReason"] == "end_turn", result
    [params] = editor.applied[before:]
    [change] = params.edit.document_changes
    assert change.text_document.uri == uri
    assert change.text_document.version == 1  # the buffer's version when it was computed
    assert editor.text(uri) == (
        "def total(a, b):\n    return a + b + 0\n\n\nLIMIT = 10  # unsaved\n"
    )
    assert path.read_text() == "def total(a, b):\n    return a + b\n"  # the disk is the editor's
    [block] = tool_results(fake)
    assert not block.get("is_error"), block


async def test_closed_and_new_files(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    existing = root / "closed.py"
    existing.write_text("A = 1\nB = 2\n")
    new = root / "pkg" / "fresh.py"
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(existing)})]),
        Reply(
            [
                ToolUse("Write", {"file_path": str(existing), "content": "A = 1\nB = 3\n"}),
                ToolUse("Write", {"file_path": str(new), "content": "NEW = True\n"}),
            ]
        ),
        Reply([Text("Written.")]),
    )
    before = len(editor.applied)
    _, answer = editor.chat(prompt="write", permissionMode="acceptEdits")
    assert (await answer)["stopReason"] == "end_turn"
    first, second = editor.applied[before:]
    [change] = first.edit.document_changes
    assert change.text_document.version is None
    assert [e.new_text for e in change.edits] == ["B = 3\n"]  # only the line that changed
    create, fill = second.edit.document_changes
    assert isinstance(create, types.CreateFile) and create.uri == new.as_uri()
    assert fill.text_document.version is None
    assert existing.read_text() == "A = 1\nB = 3\n"
    assert new.read_text() == "NEW = True\n"


async def test_a_rejected_edit_is_a_tool_error_and_changes_nothing(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "rejected.py"
    path.write_text("X = 1\n")
    uri = editor.open(path, "X = 1\n")
    editor.apply_mode = "reject"
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Write", {"file_path": str(path), "content": "X = 2\n"})]),
        Reply([Text("The user rejected it.")]),
    )
    _, answer = editor.chat(prompt="change X", permissionMode="acceptEdits")
    assert (await answer)["result"] == "The user rejected it."
    [block] = tool_results(fake)
    assert block.get("is_error") is True
    assert "did not apply the edit: the user said no" in result_text(block)
    assert editor.text(uri) == "X = 1\n" and path.read_text() == "X = 1\n"


async def test_an_edit_the_editor_answers_with_an_error_is_a_tool_error(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "broken_editor.py"
    path.write_text("Z = 1\n")
    uri = editor.open(path, "Z = 1\n")
    editor.apply_mode = "error"
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Write", {"file_path": str(path), "content": "Z = 2\n"})]),
        Reply([Text("The editor failed.")]),
    )
    _, answer = editor.chat(prompt="change Z", permissionMode="acceptEdits")
    assert (await answer)["result"] == "The editor failed."
    [block] = tool_results(fake)
    assert block.get("is_error") is True
    assert "the editor failed to apply the edit" in result_text(block)
    assert "the workspace edit broke the editor" in result_text(block)
    assert editor.text(uri) == "Z = 1\n" and path.read_text() == "Z = 1\n"


async def test_an_edit_computed_on_a_stale_buffer_is_refused(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "typing.py"
    path.write_text("Y = 1\n")
    uri = editor.open(path, "Y = 1\n")
    editor.apply_mode = "type"
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Write", {"file_path": str(path), "content": "Y = 2\n"})]),
        Reply([Text("Retry later.")]),
    )
    _, answer = editor.chat(prompt="change Y", permissionMode="acceptEdits")
    await answer
    [block] = tool_results(fake)
    assert block.get("is_error") is True
    assert "is not the buffer's" in result_text(block)
    assert editor.text(uri) == "Y = 1\n# typed\n"  # the user's keystroke, not the agent's edit


async def test_permission_allow_once_deny_and_always(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    target = root / "perm.txt"
    write = {"file_path": str(target), "content": "one\n"}
    # allow once: written; deny: the model is told and nothing changes
    editor.permission_answers.extend(["allowOnce", "deny"])
    fake.script(
        Reply([ToolUse("Write", write)]),
        Reply([ToolUse("Write", {**write, "content": "two\n"})]),
        Reply([Text("ok")]),
    )
    asked = len(editor.permission_requests)
    _, answer = editor.chat(prompt="write twice")
    result = await answer
    assert target.read_text() == "one\n"
    [block] = tool_results(fake)
    assert block.get("is_error") and "the user declined" in result_text(block)
    first, second = editor.permission_requests[asked:]
    assert first["tool"] == "Write" and first["sessionId"] == result["sessionId"]
    assert first["input"] == write and first["summary"] == f"Write {target} (1 lines)"
    outcomes = [
        (e["data"]["decision"], e["data"]["by"])
        for e in editor.events
        if e["kind"] == "permission" and e["sessionId"] == result["sessionId"]
    ]
    assert outcomes == [("allow", "user"), ("deny", "user")]
    del second

    # always: saved as a rule, and the next call like it is not asked
    editor.permission_answers.append("allowAlways")
    fake.script(
        Reply([ToolUse("Write", {**write, "content": "three\n"})]),
        Reply([ToolUse("Write", {**write, "content": "four\n"})]),
        Reply([Text("done")]),
    )
    asked = len(editor.permission_requests)
    _, answer = editor.chat(prompt="write again", sessionId=result["sessionId"])
    await answer
    assert len(editor.permission_requests) == asked + 1
    assert target.read_text() == "four\n"
    saved = json.loads((root / ".claude" / "settings.local.json").read_text())
    assert "Write(/perm.txt)" in saved["permissions"]["allow"]


async def test_cancel_mid_stream_then_resume(editor: Editor, fake: FakeAnthropic) -> None:
    fake.script(Reply([Text("Thinking about it for a very long time")], hang_after=4))
    mark = editor.mark()
    msg_id, answer = editor.chat(prompt="Start something long")
    first = await editor.wait_event("text", mark)
    session_id = first["sessionId"]
    editor.cancel(msg_id)
    result = await asyncio.wait_for(answer, 30)
    assert result["stopReason"] == "cancelled" and result["sessionId"] == session_id
    assert editor.kinds(session_id)[-1] == "turnEnd"

    fake.script(Reply([Text("Resumed.")]))
    _, answer = editor.chat(prompt="Go on", sessionId=session_id)
    assert (await answer)["result"] == "Resumed."
    assert fake.invalid == []
    texts = json.dumps(fake.messages_requests[-1]["messages"])
    assert "Start something long" in texts and "Go on" in texts


async def test_cancel_mid_tool(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    marker = root / "late.txt"
    # The command outlasts pytest's timeout: the answer comes only if the cancel stops it.
    fake.script(Reply([ToolUse("Bash", {"command": f"sleep 600; touch {marker}"})]))
    mark = editor.mark()
    msg_id, answer = editor.chat(prompt="run it", permissionMode="bypassPermissions")
    call = await editor.wait_event("toolCall", mark, name="Bash")
    editor.cancel(msg_id)
    result = await answer
    assert result["stopReason"] == "cancelled"
    assert not marker.exists()
    fake.script(Reply([Text("fine")]))
    _, answer = editor.chat(prompt="and now?", sessionId=call["sessionId"])
    await answer
    assert fake.invalid == []
    blocks = fake.messages_requests[-1]["messages"][-2]["content"]
    assert blocks[0]["type"] == "tool_result" and blocks[0]["is_error"] is True


async def test_cancel_while_asking_permission_withdraws_the_question(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    editor.permission_answers.append(HOLD)
    editor.permission_asked.clear()
    fake.script(Reply([ToolUse("Write", {"file_path": str(root / "held.txt"), "content": "x"})]))
    msg_id, answer = editor.chat(prompt="write")
    await asyncio.wait_for(editor.permission_asked.wait(), 30)
    withdrawn = len(editor.withdrawn)
    editor.cancel(msg_id)
    result = await asyncio.wait_for(answer, 30)
    assert result["stopReason"] == "cancelled"
    assert not (root / "held.txt").exists()
    for _ in range(100):  # the $/cancelRequest arrives right after the answer
        if len(editor.withdrawn) > withdrawn:
            break
        await asyncio.sleep(0.05)
    assert len(editor.withdrawn) == withdrawn + 1


async def test_two_sessions_at_once_and_a_busy_session(editor: Editor, fake: FakeAnthropic) -> None:
    fake.script(Reply([Text("slow answer that stalls")], hang_after=4), Reply([Text("quick")]))
    mark = editor.mark()
    slow_id, slow = editor.chat(prompt="slow one")
    first = await editor.wait_event("text", mark)
    slow_session = first["sessionId"]
    _, quick = editor.chat(prompt="quick one")
    quick_result = await asyncio.wait_for(quick, 30)
    assert quick_result["result"] == "quick" and quick_result["sessionId"] != slow_session
    status = await editor.request("claude/status")
    assert status["running"] == [slow_session]
    with pytest.raises(JsonRpcException) as busy:
        _, again = editor.chat(prompt="me too", sessionId=slow_session)
        await again
    assert busy.value.code == REQUEST_FAILED and busy.value.data["reason"] == "sessionBusy"
    editor.cancel(slow_id)
    assert (await slow)["stopReason"] == "cancelled"


async def test_sessions_list_fork_delete(editor: Editor, fake: FakeAnthropic) -> None:
    fake.script(Reply([Text("first answer")]))
    _, answer = editor.chat(prompt="Title of this session please")
    session_id = (await answer)["sessionId"]
    listed = (await editor.request("claude/sessions", {"action": "list"}))["sessions"]
    mine = next(s for s in listed if s["sessionId"] == session_id)
    assert mine["title"] == "Title of this session please"
    assert mine["costUsd"] > 0 and mine["messages"] == 2 and mine["model"] == MODEL
    assert mine["running"] is False
    forked = (await editor.request("claude/sessions", {"action": "fork", "sessionId": session_id}))[
        "sessionId"
    ]
    assert forked != session_id
    fake.script(Reply([Text("continued in the fork")]))
    _, answer = editor.chat(prompt="next", sessionId=forked)
    await answer
    assert "Title of this session please" in json.dumps(fake.messages_requests[-1]["messages"])
    assert await editor.request("claude/sessions", {"action": "delete", "sessionId": forked}) == {
        "deleted": True
    }
    listed = (await editor.request("claude/sessions", {}))["sessions"]
    assert forked not in [s["sessionId"] for s in listed]
    with pytest.raises(JsonRpcException) as missing:
        _, answer = editor.chat(prompt="hello?", sessionId=forked)
        await answer
    assert missing.value.data["reason"] == "sessionNotFound"


async def test_status_and_commands(editor: Editor, fake: FakeAnthropic) -> None:
    status = await editor.request("claude/status")
    assert status["model"] == MODEL and status["permissionMode"] == "default"
    assert status["credentials"] == {"ok": True, "provider": "anthropic"}
    assert "SECRET" not in json.dumps(status)
    commands = (await editor.request("claude/commands"))["commands"]
    names = {c["name"]: c for c in commands}
    assert {"/clear", "/cost", "/model", "/help"} <= set(names)
    assert names["/greet"] == {
        "name": "/greet",
        "description": "Greet someone",
        "argumentHint": "NAME",
        "source": "project",
    }
    fake.script(Reply([Text("Hello, Bob!")]))
    _, answer = editor.chat(prompt="/greet Bob")
    assert (await answer)["result"] == "Hello, Bob!"
    assert last_user_content(fake)[0]["text"] == "Say hello to Bob."
    requests = len(fake.messages_requests)
    _, answer = editor.chat(prompt="/cost")
    cost = await answer
    assert "$" in cost["result"] and cost["numTurns"] == 0
    assert len(fake.messages_requests) == requests  # answered without the model


async def test_selection_as_context(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    path = root / "context.py"
    path.write_text("one = 1\ntwo = 2\nthree = 3\nfour = 4\n")
    uri = editor.open(path, "one = 1\ntwo = 2  # edited\nthree = 3\nfour = 4\n")
    fake.script(Reply([Text("Seen.")]))
    selection = {"start": {"line": 1, "character": 0}, "end": {"line": 3, "character": 0}}
    _, answer = editor.chat(prompt="Explain this", context=[{"uri": uri, "range": selection}])
    await answer
    prompt, attached = last_user_content(fake)[:2]
    assert prompt["text"] == "Explain this"
    assert attached["text"] == (
        '<selection path="context.py" lines="2-3">\n'
        "     2\ttwo = 2  # edited\n"
        "     3\tthree = 3\n"
        "</selection>"
    )
    outside = Path("/etc/hostname").as_uri()
    with pytest.raises(JsonRpcException) as refused:
        _, answer = editor.chat(prompt="look", context=[{"uri": outside}])
        await answer
    assert refused.value.data["reason"] == "invalidParams"
    assert "outside the workspace" in refused.value.message


async def test_bad_params_get_clear_errors(editor: Editor) -> None:
    for params, words in [
        ({}, "`prompt`"),
        ({"prompt": "x", "permissionMode": "yolo"}, "permissionMode"),
        ({"prompt": "x", "context": "file.py"}, "`context`"),
    ]:
        with pytest.raises(JsonRpcException) as error:
            _, answer = editor.chat(**params)
            await answer
        assert error.value.code == REQUEST_FAILED and words in error.value.message
    # the server still serves
    assert (await editor.request("claude/status"))["version"]


async def test_review_edits_ask_the_editor_to_confirm(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    def configure(review: bool) -> None:
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"agent": {"reviewEdits": review}}}
            )
        )

    path = root / "reviewed.py"
    path.write_text("N = 1\n")
    configure(True)
    try:
        fake.script(
            Reply([ToolUse("Read", {"file_path": str(path)})]),
            Reply(
                [ToolUse("Edit", {"file_path": str(path), "old_string": "1", "new_string": "2"})]
            ),
            Reply([Text("ok")]),
        )
        before = len(editor.applied)
        _, answer = editor.chat(prompt="bump", permissionMode="acceptEdits")
        await answer
    finally:
        configure(False)
    [params] = editor.applied[before:]
    [annotation] = params.edit.change_annotations.values()
    assert annotation.needs_confirmation is True
    [change] = params.edit.document_changes
    [edit] = change.edits
    assert isinstance(edit, types.AnnotatedTextEdit)
    assert edit.annotation_id in params.edit.change_annotations
    assert path.read_text() == "N = 2\n"


async def test_budget_limits_each_turn(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    def configure(budget: float | None) -> None:
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"agent": {"maxBudgetUsd": budget}}}
            )
        )

    (root / "budget.txt").write_text("b\n")
    configure(0.0001)  # less than one request costs
    try:
        session_id = None
        for _ in range(2):  # the second turn gets its own budget, not what is left
            fake.script(
                Reply([ToolUse("Read", {"file_path": str(root / "budget.txt")})]),
                Reply([Text("never reached")]),
            )
            params = {"prompt": "read it"} | ({"sessionId": session_id} if session_id else {})
            _, answer = editor.chat(**params)
            result = await answer
            session_id = result["sessionId"]
            assert result["stopReason"] == "max_budget_usd", result
            assert "budget" in result["error"] and result["numTurns"] == 1
            with fake.lock:
                fake.steps.clear()
    finally:
        configure(None)


async def test_bash_from_the_editor_runs_in_the_sandbox(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    """The language server's sessions get the same OS sandbox as `claude-lsp chat`:
    even in bypassPermissions a command cannot write outside the workspace, and secret
    files read empty."""
    outside = root.parent / "escaped-from-lsp.txt"
    (root / ".env").write_text("LSP_SECRET_TOKEN=hunter2-lsp-0000\n")
    escape = f"open({str(outside)!r}, 'w').write('out')"
    read = "print(open('.env').read())"
    command = f'python3 -c "{read}"; python3 -c "{escape}"; echo inside > inside.txt'
    fake.script(Reply([ToolUse("Bash", {"command": command})]), Reply([Text("done")]))
    _, answer = editor.chat(prompt="try", permissionMode="bypassPermissions")
    await answer
    assert not outside.exists()
    assert (root / "inside.txt").read_text() == "inside\n"
    assert "hunter2" not in json.dumps(fake.messages_requests[-1])
    (root / ".env").unlink()
