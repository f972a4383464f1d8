"""Inline completion (textDocument/inlineCompletion) behind claudeLsp.completion.enable:
the model sees the text around the cursor, answers are cached, a keystroke cancels the
request in flight, a stale answer is never shown, and it is off unless enabled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = "def add(a, b):\n    return \n\n\nprint(add(1, 2))\n"


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
    options = {"completion": {"enable": True}}
    async with editor_session(root, env, options=options) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()


def complete(editor: Editor, uri: str, line: int, character: int) -> asyncio.Future[object]:
    params = types.InlineCompletionParams(
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )
    return asyncio.ensure_future(editor.client.text_document_inline_completion_async(params))


async def test_completion_with_the_text_around_the_cursor_then_cached(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "adder.py", SOURCE)
    fake.script(Reply([ToolUse("insert_completion", {"text": "a + b"})]))
    result = await complete(editor, uri, 1, 11)
    assert isinstance(result, types.InlineCompletionList)
    [item] = result.items
    assert item.insert_text == "a + b"
    assert item.range == types.Range(types.Position(1, 11), types.Position(1, 11))
    [request] = fake.messages_requests
    assert request["model"].startswith("claude-haiku")  # the fast model by default
    assert request["tool_choice"] == {"type": "tool", "name": "insert_completion"}
    text = request["messages"][0]["content"][0]["text"]
    assert "def add(a, b):\n    return <CURSOR>\n\n\nprint(add(1, 2))" in text
    again = await complete(editor, uri, 1, 11)
    assert isinstance(again, types.InlineCompletionList) and again.items[0].insert_text == "a + b"
    assert len(fake.messages_requests) == 1  # from the cache


async def test_a_keystroke_cancels_the_request_in_flight(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "typing.py", SOURCE)
    fake.script(Reply([Text("...")], hang_after=2))
    pending = complete(editor, uri, 1, 11)

    async def model_asked() -> None:  # the request is in flight, the model answering
        while not fake.messages_requests:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(model_asked(), 30)
    editor._set(uri, SOURCE.replace("return ", "return a"))
    with pytest.raises(JsonRpcException, match="cancel"):
        await asyncio.wait_for(pending, 30)
    assert editor.text(uri) == SOURCE.replace("return ", "return a")


async def test_a_newer_request_replaces_the_older_one(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "newer.py", SOURCE)
    fake.script(Reply([ToolUse("insert_completion", {"text": "b + a"})]))
    older = complete(editor, uri, 1, 11)
    newer = complete(editor, uri, 1, 11)
    with pytest.raises(JsonRpcException, match="cancel"):
        await asyncio.wait_for(older, 30)
    result = await asyncio.wait_for(newer, 30)
    assert isinstance(result, types.InlineCompletionList)
    assert result.items[0].insert_text == "b + a"
    assert len(fake.messages_requests) == 1


async def test_off_unless_enabled(editor: Editor, fake: FakeAnthropic, root: Path) -> None:
    uri = editor.open(root / "off.py", SOURCE)
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"claudeLsp": {"completion": {"enable": False}}}
        )
    )
    try:
        assert await complete(editor, uri, 1, 11) is None
        assert fake.requests == []
    finally:
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"completion": {"enable": True}}}
            )
        )


async def test_a_keystroke_sent_right_after_the_request_gets_nothing_back(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    """The request and the next keystroke reach the server together (one read), so the
    keystroke is handled before the request's handler starts: the answer would be for
    text the user no longer has."""
    uri = editor.open(root / "racing.py", SOURCE)
    for n in range(5):
        fake.script(Reply([ToolUse("insert_completion", {"text": f"a - b  # {n}"})]))
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=11),
        )
        sent = editor.client.protocol.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, params)
        editor._set(uri, SOURCE.replace("return ", "return " + "x" * (n + 1)))
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(sent), 30)
        except JsonRpcException as exc:  # cancelled by the keystroke: also nothing shown
            assert "cancel" in str(exc).lower()
            continue
        assert result is None or not result.items, result
