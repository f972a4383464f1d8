"""Chat for clients without a chat UI: the ``claude.chat``, ``claude.cancel`` and
``claude.newChat`` commands (docs/protocol.md).

``claude.chat`` answers at once (eglot and Neovim wait for a command's answer with a
timeout) and runs the turn in the background. The session's transcript is a markdown
file in the user data folder, shown with ``window/showDocument``; the streamed answer
is appended to it every ``FLUSH_SECONDS``: through ``workspace/applyEdit`` while the
editor has the document open (the server sees its didOpen), by rewriting the file
otherwise. Appends to the buffer go one at a time, each after the didChange of the
one before. A buffer that got edits the disk has not is written out when it closes.
Progress (begin, the running tool, end) goes to clients that support it, and
cancelling the progress cancels the turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from agent.fsport import write_atomic
from agent.types import Event
from refactor.text import line_at, line_starts
from server.chat import ChatError, ChatSession
from server.chat_context import check_context
from server.convert import Columns
from server.editor_port import APPLY_CONFIRM_SECONDS, offset_position

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

COMMANDS = ("claude.chat", "claude.cancel", "claude.newChat")
FLUSH_SECONDS = 0.1


def transcripts_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("claude-lsp") / "transcripts"


class Transcript:
    """One session's markdown transcript, kept in step with the editor."""

    def __init__(self, ls: ClaudeLanguageServer, session_id: str) -> None:
        self.ls = ls
        self.path = transcripts_dir() / f"{session_id}.md"
        self.uri = from_fs_path(str(self.path)) or self.path.as_uri()
        self.text = ""
        self._pending = ""  # appended, not yet in the editor or on disk
        self._disk_behind = False  # the editor's buffer has text the file lacks
        self._opened: OpenDocument | None = None  # the editor's buffer, once in step
        self._flusher: asyncio.Task[None] | None = None
        self._line_start = True
        self._after_list = False  # the last line was a list item: text needs a blank line
        self._rewrite = False  # write the whole text to disk at the next flush
        self._turn_cost = 0.0
        self._session_cost = 0.0

    async def load(self, session_id: str) -> None:
        def read_or_create() -> str:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                return self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = f"# Claude — session {session_id}\n"
                write_atomic(self.path, text.encode("utf-8"))
                return text

        self.text = await asyncio.to_thread(read_or_create)

    # -- rendering ----------------------------------------------------------------------

    def event(self, event: Event) -> None:
        data = event.data
        kind = event.kind
        if kind == "turn_start":
            prompt = "\n".join("> " + line for line in str(data.get("prompt", "")).split("\n"))
            self._write(f"\n## You\n\n{prompt}\n\n## Claude\n\n", line_start=True)
            self._after_list = False
            self._turn_cost = 0.0
        elif kind == "text":
            text = str(data.get("text", ""))
            if text:
                self._write(("\n" if self._after_list else "") + text, text.endswith("\n"))
                self._after_list = False
        elif kind == "tool_call":
            self._line(f"- **{data.get('name')}** {_brief(data.get('input'))}")
        elif kind == "tool_result" and data.get("is_error"):
            self._line(f"  - ✗ {_brief(data.get('content'))}")
        elif kind == "retry":
            self._line(f"*retrying after: {_brief(data.get('error'))}*")
        elif kind == "error":
            self._line(f"**Error:** {_brief(data.get('message'), 400)}")
        elif kind == "usage":
            self._turn_cost += float(data.get("cost_usd") or 0.0)
            self._session_cost = float(data.get("session_cost_usd") or self._session_cost)
        elif kind == "turn_end":
            stop = data.get("stop_reason")
            cost = f" · ${self._turn_cost:.4f} (session ${self._session_cost:.4f})"
            self._write(f"\n\n---\n*{stop}{cost if self._turn_cost else ''}*\n", True)
            self.schedule(0)
            return
        self.schedule()

    def _line(self, text: str) -> None:
        self._write(("\n" if not self._line_start else "") + text + "\n", True)
        self._after_list = True

    def _write(self, text: str, line_start: bool) -> None:
        self.text += text
        self._pending += text
        self._line_start = line_start

    # -- syncing ------------------------------------------------------------------------

    def schedule(self, delay: float = FLUSH_SECONDS) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush_later(delay))

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.flush()
        if self._pending or self._rewrite:
            self._flusher = None
            self.schedule()

    async def flush(self) -> None:
        if not self._pending and not self._rewrite:
            return
        doc = self.ls.documents.get(self.uri)
        if doc is not None and self.ls.client_features.apply_edit and self._pending:
            await self._append_to_buffer(doc)
        elif doc is None:
            self._pending, self._rewrite = "", False
            await asyncio.to_thread(write_atomic, self.path, self.text.encode("utf-8"))
            self._disk_behind = False

    async def _append_to_buffer(self, doc: OpenDocument) -> None:
        text, pending = doc.text, self._pending
        self._pending = ""
        starts = line_starts(text)
        columns = Columns(
            lambda row: line_at(text, starts, row), self.ls.workspace.position_encoding
        )
        end = columns.to_client(offset_position(text, len(text)))
        edit = lsp.TextEdit(range=lsp.Range(end, end), new_text=pending)
        identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
        workspace_edit = (
            lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(identifier, [edit])])
            if self.ls.client_features.document_changes
            else lsp.WorkspaceEdit(changes={doc.uri: [edit]})
        )
        shown = self.ls.documents.wait_for_text(doc.uri, text + pending)
        # Set before the answer: the editor may close the buffer before the server reads
        # the answer, and then the file must be written (a needless rewrite is harmless).
        self._disk_behind = True
        try:
            result = await self.ls.workspace_apply_edit_async(
                lsp.ApplyWorkspaceEditParams(edit=workspace_edit, label="Claude transcript")
            )
            applied = result.applied
        except Exception as exc:  # the client failed the request: retry with the next flush
            log.info("transcript edit failed: %s", exc)
            applied = False
        if not applied:  # the user typed meanwhile: keep the text for the next flush
            shown.cancel()
            self._pending = pending + self._pending
            return
        # The next append goes at the end of the buffer as its didChange tells it (an
        # editor may send it later, Neovim 0.7 150 ms later): without versions in the
        # edit, an append placed from older text would land in the middle.
        try:
            await asyncio.wait_for(shown, APPLY_CONFIRM_SECONDS)
        except TimeoutError:
            log.info("no didChange for the transcript edit; appending after the buffer's text")

    def opened(self, doc: OpenDocument) -> None:
        """The editor opened the transcript: its buffer gets whatever it lacks with the
        next flush. The editor may have read the file just before a flush wrote more of
        it, so what it lacks is not always what is pending."""
        if doc.uri != self.uri or doc is self._opened:
            return  # not ours, or a settings refresh of a buffer already in step
        self._opened = doc
        if self.text.startswith(doc.text):
            self._pending = self.text[len(doc.text) :]
            if self._pending:
                self.schedule(0)

    def closed(self, doc: OpenDocument) -> None:
        """The editor closed the transcript: write out what only its buffer had."""
        if doc.uri == self.uri and self._disk_behind:
            self._rewrite = True
            self.schedule(0)


class CommandChat:
    """The session and transcript that ``claude.chat`` continues."""

    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self.session_id: str | None = None
        self.transcripts: dict[str, Transcript] = {}
        self.progress: dict[str, str] = {}  # progress token -> session id
        self._tasks: set[asyncio.Task[Any]] = set()
        ls.documents.on_open.append(self._opened)
        ls.documents.on_close.append(self._closed)

    def _opened(self, doc: OpenDocument) -> None:
        for transcript in self.transcripts.values():
            transcript.opened(doc)

    def _closed(self, doc: OpenDocument) -> None:
        for transcript in self.transcripts.values():
            transcript.closed(doc)

    async def transcript(self, chat: ChatSession) -> Transcript:
        transcript = self.transcripts.get(chat.id)
        if transcript is None:
            transcript = Transcript(self.ls, chat.id)
            await transcript.load(chat.id)
            self.transcripts[chat.id] = transcript
            chat.listeners.append(transcript.event)
        return transcript

    async def chat(self, prompt: str, context: list[dict[str, Any]]) -> dict[str, Any]:
        chats = self.ls.chats
        chat = await chats.open(self.session_id, None, None)
        if chat.running:
            raise ChatError(
                "sessionBusy", "Claude is still answering; cancel it with claude.cancel"
            )
        check_context(chat.port, context)  # refused here, as an error, not in the transcript
        self.session_id = chat.id
        transcript = await self.transcript(chat)
        await self._show(transcript)
        task = chats.start(chat, prompt, context)
        progress = await self._progress(chat)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, chat, progress))
        return {"sessionId": chat.id, "uri": transcript.uri}

    async def _show(self, transcript: Transcript) -> None:
        if not self.ls.client_features.show_document:
            self.ls.show_message(
                f"Claude's answer is written to {transcript.path}", lsp.MessageType.Info
            )
            return
        try:
            await self.ls.window_show_document_async(
                lsp.ShowDocumentParams(uri=transcript.uri, take_focus=True)
            )
        except Exception as exc:  # the client could not open it: say where it is
            log.info("showDocument failed: %s", exc)
            self.ls.show_message(f"Claude's answer is written to {transcript.path}")

    async def _progress(self, chat: ChatSession) -> str | None:
        if not self.ls.client_features.work_done_progress:
            return None
        token = f"claude-chat-{uuid.uuid4().hex[:12]}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as exc:  # refused: no progress, no failure
            log.info("no progress token: %s", exc)
            return None
        self.progress[token] = chat.id
        self.ls.work_done_progress.begin(
            token, lsp.WorkDoneProgressBegin(title="Claude", message="thinking", cancellable=True)
        )

        def report(event: Event) -> None:
            if token not in self.progress:
                return
            if event.kind == "tool_call":
                message = f"{event.data.get('name')} {_brief(event.data.get('input'), 60)}"
            elif event.kind == "text":
                message = "writing"
            else:
                return
            self.ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(message=message))

        chat.listeners.append(report)
        return token

    def _done(self, task: asyncio.Task[Any], chat: ChatSession, token: str | None) -> None:
        self._tasks.discard(task)
        if token is not None and self.progress.pop(token, None) is not None:
            self.ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            message = getattr(error, "message", None) or str(error)
            self.ls.show_message(f"claude-lsp: {message}")
            transcript = self.transcripts.get(chat.id)
            if transcript is not None:
                transcript.event(Event("error", {"message": message}))
            return
        result = task.result()
        if result.get("sessionId") not in (None, chat.id):  # /clear: continue the new one
            self.session_id = result["sessionId"]

    def cancel_progress(self, token: lsp.ProgressToken) -> None:
        session_id = self.progress.get(str(token))
        if session_id is not None:
            self.ls.chats.cancel(session_id)


def _brief(value: Any, limit: int = 160) -> str:
    if isinstance(value, dict):
        for key in ("command", "file_path", "pattern", "query", "path"):
            if isinstance(value.get(key), str):
                value = value[key]
                break
        else:
            value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        value = " ".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in value)
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- handlers ---------------------------------------------------------------------------


async def chat_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.chat [prompt, {uri, range?}?]``. ``ls`` is untyped: pygls resolves
    command annotations at run time."""
    prompt = args[0] if args else None
    if not isinstance(prompt, str) or not prompt.strip():
        raise ChatError("invalidParams", "claude.chat needs a prompt: [prompt, {uri, range?}?]")
    location = args[1] if len(args) > 1 else None
    if location is not None and not isinstance(location, dict):
        raise ChatError("invalidParams", "claude.chat's second argument is {uri, range?}")
    result: dict[str, Any] = await ls.command_chat.chat(prompt, [location] if location else [])
    return result


def cancel_command(ls: Any, *args: Any) -> dict[str, Any]:
    session_id = args[0] if args and isinstance(args[0], str) else None
    return {"cancelled": ls.chats.cancel(session_id)}


def new_chat_command(ls: Any, *args: Any) -> dict[str, Any]:
    del args
    ls.command_chat.session_id = None
    return {"ok": True}


def progress_cancel(ls: Any, params: lsp.WorkDoneProgressCancelParams) -> None:
    if not ls.ai.cancel_progress(params.token):  # an AI action's, else a chat's
        ls.command_chat.cancel_progress(params.token)


def register(server: ClaudeLanguageServer) -> None:
    server.command("claude.chat")(chat_command)
    server.command("claude.cancel")(cancel_command)
    server.command("claude.newChat")(new_chat_command)
    server.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL)(progress_cancel)
