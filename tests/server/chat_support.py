"""A test editor for the agent over LSP: it keeps buffers, really applies the server's
``workspace/applyEdit`` (sending didChange like an editor), answers permission
questions from a script, and records everything the server sent. The server process
talks to the loopback Anthropic-compatible API (`tests.agent.fake_api`) through the
real SDK, with ``ANTHROPIC_BASE_URL``."""

from __future__ import annotations

import asyncio
import collections
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.agent.fake_api import FakeAnthropic
from tests.lsp_client import SERVER_COMMAND, make_client

API_KEY = "sk-ant-test-LSP-SECRET-987654321"
MODEL = "claude-sonnet-5-5"
HOLD = "hold"  # a permission answer that never comes (until the server withdraws it)


class Editor:
    """The state of the test editor, attached to the pytest-lsp client."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.buffers: dict[str, tuple[int, str]] = {}  # uri -> (version, text)
        # "reject": refuse; "type": the user types first; "error": a JSON-RPC error answer
        self.apply_mode = "apply"
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        self.permission_answers: collections.deque[str | None] = collections.deque()
        self.permission_requests: list[dict[str, Any]] = []
        self.permission_asked = asyncio.Event()
        self.withdrawn: list[str] = []  # permission requests the server cancelled
        self.message_answers: collections.deque[str | None] = collections.deque()
        self.message_requests: list[types.ShowMessageRequestParams] = []
        self.init_result: types.InitializeResult | None = None
        self.events: list[dict[str, Any]] = []
        self._event_arrived = asyncio.Event()

    # -- buffers --------------------------------------------------------------------

    def open(self, path: Path, text: str, language_id: str = "python") -> str:
        uri = path.as_uri()
        self.buffers[uri] = (1, text)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
            )
        )
        return uri

    def text(self, uri: str) -> str:
        return self.buffers[uri][1]

    def _set(self, uri: str, text: str) -> None:
        version = self.buffers[uri][0] + 1
        self.buffers[uri] = (version, text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.applied.append(params)
        if self.apply_mode == "error":
            raise RuntimeError("the workspace edit broke the editor")
        if self.apply_mode == "reject":
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="the user said no")
        edit = params.edit
        if self.apply_mode == "type":  # a keystroke lands between the server and us
            for uri, (_, text) in list(self.buffers.items()):
                if any(getattr(c, "text_document", None) and c.text_document.uri == uri
                       for c in edit.document_changes or []):  # fmt: skip
                    self._set(uri, text + "# typed\n")
        changes: list[Any] = list(edit.document_changes or [])
        for uri, edits in (edit.changes or {}).items():
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None)
            changes.append(types.TextDocumentEdit(identifier, edits))
        for change in changes:
            if isinstance(change, types.CreateFile):
                path = Path(to_fs_path(change.uri) or "")
                if path.exists() and not (change.options and change.options.ignore_if_exists):
                    return types.ApplyWorkspaceEditResult(False, failure_reason="file exists")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                continue
            uri = change.text_document.uri
            version = change.text_document.version
            if uri in self.buffers:
                current, text = self.buffers[uri]
                if version is not None and version != current:
                    reason = f"version {version} is not the buffer's {current}"
                    return types.ApplyWorkspaceEditResult(False, failure_reason=reason)
                self._set(uri, apply_edits(text, change.edits))
            else:  # a closed file: this editor applies and saves it
                path = Path(to_fs_path(uri) or "")
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                path.write_text(apply_edits(text, change.edits), encoding="utf-8")
        return types.ApplyWorkspaceEditResult(applied=True)

    # -- events ----------------------------------------------------------------------

    def event(self, params: Any) -> None:
        self.events.append(plain(params))
        self._event_arrived.set()

    def mark(self) -> int:
        """Where the events of what comes next start (for ``wait_event``)."""
        return len(self.events)

    async def wait_event(
        self, kind: str, since: int, timeout: float = 30.0, **match: Any
    ) -> dict[str, Any]:
        """The first ``kind`` event from index ``since`` on whose data has ``match``."""

        async def scan() -> dict[str, Any]:
            index = since
            while True:
                while index < len(self.events):
                    event = self.events[index]
                    index += 1
                    data = event.get("data") or {}
                    matches = all(data.get(k) == v for k, v in match.items())
                    if event.get("kind") == kind and matches:
                        return event
                self._event_arrived.clear()
                await self._event_arrived.wait()

        return await asyncio.wait_for(scan(), timeout)

    def kinds(self, session_id: str | None = None) -> list[str]:
        return [
            e["kind"] for e in self.events if session_id is None or e["sessionId"] == session_id
        ]

    def text_of(self, session_id: str) -> str:
        return "".join(
            e["data"]["text"]
            for e in self.events
            if e["sessionId"] == session_id and e["kind"] == "text"
        )

    # -- requests --------------------------------------------------------------------

    def chat(self, **params: Any) -> tuple[str, asyncio.Future[Any]]:
        """Send claude/chat; the message id (to cancel it) and the answer's future."""
        msg_id = f"chat-{uuid.uuid4().hex[:8]}"
        future = self.client.protocol.send_request("claude/chat", params, msg_id=msg_id)
        return msg_id, asyncio.ensure_future(_plain_result(asyncio.wrap_future(future)))

    def cancel(self, msg_id: str) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def request(self, method: str, params: Any = None) -> Any:
        return plain(await self.client.protocol.send_request_async(method, params or {}))


def plain(value: Any) -> Any:
    """pygls' namedtuples (for messages it has no type for) back to JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def _plain_result(future: Any) -> Any:
    return plain(await future)


def apply_edits(text: str, edits: list[Any]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to ``text``, as an editor would."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line, units, index = lines[position.line], 0, 0
        while index < len(line) and units < position.character:
            units += 2 if ord(line[index]) > 0xFFFF else 1
            index += 1
        return starts[position.line] + index

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def _client_factory(editor_box: list[Editor]) -> Any:
    def factory() -> LanguageClient:
        client = make_client(record_edits=False)
        editor = Editor(client)
        editor_box.append(editor)
        client.editor = editor  # type: ignore[attr-defined]

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            return editor.apply(params)

        @client.feature("claude/chatEvent")
        def chat_event(params: Any) -> None:
            editor.event(params)

        @client.feature("claude/permission")
        async def permission(params: Any) -> dict[str, Any]:
            editor.permission_requests.append(plain(params))
            editor.permission_asked.set()
            answer = editor.permission_answers.popleft() if editor.permission_answers else "deny"
            if answer == HOLD:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    editor.withdrawn.append(str(params))
                    raise
            return {"decision": answer}

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def show_message_request(
            params: types.ShowMessageRequestParams,
        ) -> types.MessageActionItem | None:
            editor.message_requests.append(params)
            title = editor.message_answers.popleft() if editor.message_answers else None
            return types.MessageActionItem(title=title) if title else None

        return client

    return factory


def server_env(fake: FakeAnthropic | None, home: Path, key: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), ANTHROPIC_MODEL=MODEL)
    if fake is not None:
        env["ANTHROPIC_BASE_URL"] = fake.url
    if key:
        env["ANTHROPIC_API_KEY"] = API_KEY
    return env


@asynccontextmanager
async def editor_session(
    root: Path,
    env: dict[str, str],
    profile: str = "visual-studio-code",
    *,
    chat_ui: bool = True,
    options: Any = None,
    server_args: tuple[str, ...] = (),
) -> AsyncIterator[Editor]:
    """A server on ``root`` (started with ``server_args`` too) and the test editor
    connected to it."""
    box: list[Editor] = []
    config = ClientServerConfig(
        server_command=[*SERVER_COMMAND, *server_args],
        client_factory=_client_factory(box),
        server_env=env,
    )
    client = await config.start()
    editor = box[0]
    capabilities = client_capabilities(profile)
    if chat_ui:
        capabilities.experimental = {"claudeLsp": {"chatEvents": True, "permission": True}}
    editor.init_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )
    try:
        yield editor
    finally:
        await client.shutdown_session()
        await client.stop()
