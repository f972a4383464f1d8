"""Model-side faults through the LSP door (``claude/chat``): a retried request does not
apply an earlier edit twice, a turn that cannot be completed ends with a clear error,
and the editor session — language features and the chat session — carries on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.agent.fake_api import FakeAnthropic, HttpError, Reply, Step, Text, ToolUse, validate
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
SOURCE = "def main():\n    pass\n# end\n"
RETRIED: dict[str, Step] = {
    "dropped": Reply([Text("lost")], drop_after=3),
    "overloaded mid-stream": Reply([Text("lost")], error_after=3),
    "malformed SSE": Reply([Text("lost")], garbage_after=3),
    "529": HttpError(529, "overloaded_error", "Overloaded"),
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Editor]:
    home = tmp_path_factory.mktemp("home")
    async with editor_session(root, server_env(fake, home)) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    fake.invalid.clear()


def _script_edit(fake: FakeAnthropic, path: Path, fault: Step) -> None:
    edit = {"file_path": str(path), "old_string": "# end", "new_string": "line()\n# end"}
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        Reply([ToolUse("Edit", edit)]),
        fault,
        Reply([Text("Done.")]),
    )


async def _still_serving(editor: Editor, uri: str, session_id: str, fake: FakeAnthropic) -> None:
    symbols = await editor.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None and [s.name for s in symbols] == ["main"]
    fake.script(Reply([Text("Still here.")]))
    _, answer = editor.chat(sessionId=session_id, prompt="and now?")
    result = await answer
    assert result["stopReason"] == "end_turn" and result["result"] == "Still here."
    assert fake.invalid == []
    assert all(validate(body) is None for body in fake.messages_requests)


@pytest.mark.parametrize("fault", list(RETRIED))
async def test_a_retried_request_applies_the_edit_once(
    editor: Editor, fake: FakeAnthropic, root: Path, fault: str
) -> None:
    path = root / f"retry_{fault.replace(' ', '_')}.py"
    path.write_text(SOURCE)
    uri = editor.open(path, SOURCE)
    _script_edit(fake, path, RETRIED[fault])
    _, answer = editor.chat(prompt="add a line", permissionMode="acceptEdits")
    result = await answer
    assert result["stopReason"] == "end_turn", result
    assert result["result"] == "Done."
    assert editor.text(uri) == "def main():\n    pass\nline()\n# end\n"
    await _still_serving(editor, uri, result["sessionId"], fake)


async def test_a_turn_that_cannot_complete_ends_with_an_error_and_the_session_lives_on(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "persistent.py"
    path.write_text(SOURCE)
    uri = editor.open(path, SOURCE)
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(path)})]),
        *[Reply([Text("x")], garbage_after=3) for _ in range(8)],
    )
    _, answer = editor.chat(prompt="read it", permissionMode="acceptEdits")
    result = await answer
    assert result["stopReason"] == "error"
    assert "malformed event stream" in result["error"]
    with fake.lock:
        fake.steps.clear()
    await _still_serving(editor, uri, result["sessionId"], fake)
