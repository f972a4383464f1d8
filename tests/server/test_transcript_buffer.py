"""The claude.chat transcript streamed into an open buffer, in the ways real editors
made it go wrong (seen with Neovim 0.7 in tests/e2e): the editor opened the file just
before the server wrote more of it, and the editor sends its didChange well after it
applied an append (Neovim 0.7 waits 150 ms), while its edits carry no version."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from tests.agent.fake_api import FakeAnthropic, Reply, Text
from tests.server.chat_support import Editor, editor_session, server_env


async def until(what: str, check: Callable[[], bool]) -> None:
    """Poll state that changes without a notification (a file, an applied buffer)."""
    for _ in range(600):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def command(editor: Editor, name: str, *arguments: object) -> dict[str, str]:
    params = types.ExecuteCommandParams(command=name, arguments=list(arguments))
    result: dict[str, str] = await editor.request(types.WORKSPACE_EXECUTE_COMMAND, params)
    return result


async def test_a_buffer_opened_from_a_stale_read_gets_the_whole_transcript(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    fake = FakeAnthropic().start()
    try:
        env = server_env(fake, tmp_path / "home")
        async with editor_session(root, env, "neovim@v0.7.0", chat_ui=False) as editor:
            fake.script(Reply([Text("first answer")]))
            first = await command(editor, "claude.chat", "one")
            transcript = Path(to_fs_path(first["uri"]) or "")
            await until("the first turn on disk", lambda: "*end_turn" in transcript.read_text())
            stale = transcript.read_text()

            # the second turn streams, then stalls; its start reaches the disk
            fake.script(Reply([Text("second answer")], hang_after=5))
            await command(editor, "claude.chat", "two")
            await until("the second prompt on disk", lambda: "> two" in transcript.read_text())

            # the editor read the file before that write, and opens it now
            uri = editor.open(transcript, stale, language_id="markdown")
            await until("the second prompt in the buffer", lambda: "> two" in editor.text(uri))
            assert await command(editor, "claude.cancel") == {"cancelled": 1}
            await until("the end of the turn", lambda: "*cancelled" in editor.text(uri))

            editor.client.text_document_did_close(
                types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
            )
            await until("the file written out", lambda: "*cancelled" in transcript.read_text())
            assert editor.text(uri) == transcript.read_text()
            assert editor.text(uri).count("> two") == 1
    finally:
        fake.stop()


async def test_appends_wait_for_the_editor_to_report_the_previous_one(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    fake = FakeAnthropic().start()
    try:
        env = server_env(fake, tmp_path / "home")
        async with editor_session(root, env, "neovim@v0.7.0", chat_ui=False) as editor:
            fake.script(Reply([Text("first")]))
            first = await command(editor, "claude.chat", "one")
            transcript = Path(to_fs_path(first["uri"]) or "")
            await until("the first turn on disk", lambda: "*end_turn" in transcript.read_text())
            uri = editor.open(transcript, transcript.read_text(), language_id="markdown")

            # the editor reports each applied append 0.3 s later, as Neovim 0.7 debounces
            send_change = editor.client.text_document_did_change
            loop = asyncio.get_running_loop()

            unsent = []

            def debounced(params: types.DidChangeTextDocumentParams) -> None:
                unsent.append(params)
                loop.call_later(0.3, lambda: send_change(unsent.pop(0)))

            editor.client.text_document_did_change = debounced  # type: ignore[method-assign]
            words = " ".join(f"w{n}" for n in range(40))
            fake.script(Reply([Text(words, chunks=20)], delay=0.03))
            await command(editor, "claude.chat", "two")
            await until("the end of the turn", lambda: editor.text(uri).count("*end_turn") == 2)
            await until("the last didChange sent", lambda: not unsent)
            editor.client.text_document_did_close(
                types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
            )
            await until("the file written out", lambda: words in transcript.read_text())
            assert editor.text(uri) == transcript.read_text()
            assert f"## Claude\n\n{words}\n\n---\n*end_turn" in editor.text(uri)
    finally:
        fake.stop()
