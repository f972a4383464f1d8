"""AI code actions for clients without codeAction/resolve (eglot 1.9's capabilities):
the action's command computes the edit and sends it with workspace/applyEdit; an edit
the editor refuses changes nothing; ask needs its question."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.agent.fake_api import FakeAnthropic, Reply, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROFILE = "emacs"  # eglot 1.9: no codeAction/resolve, no $/progress
SOURCE = "def greet(name):\n    # @claude make it say goodbye too\n    print('hi', name)\n"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ws")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> AsyncIterator[Editor]:
    env = server_env(fake, tmp_path_factory.mktemp("home"))
    async with editor_session(root, env, PROFILE, chat_ui=False) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic, editor: Editor) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()


async def listed(editor: Editor, uri: str, line: int) -> dict[str, types.Command]:
    position = types.Position(line=line, character=0)
    result = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    commands = {}
    for item in result or []:
        command = item.command if isinstance(item, types.CodeAction) else item
        assert command is not None, item
        commands[item.title] = command
    return commands


async def run(editor: Editor, command: types.Command) -> Any:
    return await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments),
    )


def edit_answer(old: str, new: str, line: int) -> dict[str, Any]:
    return {
        "edits": [{"startLine": line, "endLine": line, "oldText": old, "newText": new}],
        "summary": "said goodbye",
    }


async def test_comment_request_through_the_command(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "greeting.py", SOURCE)
    command = (await listed(editor, uri, 1))["Claude: make it say goodbye too"]
    assert command.command == "claude.codeAction"
    new = "    print('hi', name)\n    print('bye', name)"
    fake.script(Reply([ToolUse("propose_edits", edit_answer("    print('hi', name)", new, 3))]))
    result = await run(editor, command)
    assert result["applied"] is True and result["costUsd"] > 0
    assert result["summary"] == "said goodbye"
    assert editor.text(uri) == "def greet(name):\n" + new + "\n"  # the comment is gone
    [params] = [p for p in editor.applied if p.label == "Do what the comment says"]
    [change] = params.edit.document_changes
    assert change.text_document.version == 1


async def test_an_edit_the_editor_refuses_changes_nothing(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "refused.py", SOURCE)
    command = (await listed(editor, uri, 1))["Claude: make it say goodbye too"]
    new = "    print('hi', name)\n    print('bye', name)"
    fake.script(Reply([ToolUse("propose_edits", edit_answer("    print('hi', name)", new, 3))]))
    editor.apply_mode = "reject"
    try:
        with pytest.raises(JsonRpcException, match="did not apply the edit"):
            await run(editor, command)
    finally:
        editor.apply_mode = "apply"
    assert editor.text(uri) == SOURCE


async def test_ask_needs_a_question(editor: Editor, root: Path) -> None:
    uri = editor.open(root / "asked.py", SOURCE)
    command = (await listed(editor, uri, 0))["Ask Claude about this…"]
    with pytest.raises(JsonRpcException, match="needs the question"):
        await run(editor, command)
