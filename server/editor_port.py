"""The agent's editor port in the language server (`agent.types.EditorPort`).

Reads return the editor's buffer when the file is open there (unsaved text included),
else the disk. Writes become ``workspace/applyEdit``: a ``TextDocumentEdit`` versioned
with the buffer's version (computed from the buffer in the same loop tick it is sent,
so the client rejects it if the buffer moved on), ``version: null`` for closed files,
``CreateFile`` first for new ones. A rejected or failed edit raises, so the model gets a
tool error and nothing changed. Closed files are written directly only when the client
cannot apply edits or the user chose ``agent.closedFiles: "disk"``.

Permission questions go to ``claude/permission`` when the client declared it, else to
``window/showMessageRequest``; a dismissed or failed question is a denial, and a
question still open when the turn is cancelled is withdrawn with ``$/cancelRequest``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from agent.fsport import read_disk_text, write_atomic
from agent.paths import resolve_roots
from agent.types import Event, PermissionDecision, PermissionRequest
from refactor.text import Position, Range, common_prefix, line_at, line_starts
from server.convert import Columns

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

PERMISSION_METHOD = "claude/permission"
CLAUDE_REQUEST_PREFIX = "claude-"  # ids of our requests to the client whose answers stay JSON
ALLOW_ONCE, ALLOW_ALWAYS, DENY = "Allow once", "Always allow", "Deny"
_ANSWERS: dict[str, PermissionDecision] = {
    ALLOW_ONCE: "allowOnce",
    ALLOW_ALWAYS: "allowAlways",
    DENY: "deny",
}
_DECISIONS: dict[Any, PermissionDecision] = {"allowOnce": "allowOnce", "allowAlways": "allowAlways"}
APPLY_CONFIRM_SECONDS = 5.0  # wait this long for the didChange that follows an applied edit
REVIEW_ANNOTATION = "claude-edit"


class EditRejected(Exception):
    """The editor did not apply an edit; the message is for the model."""


class LspEditorPort:
    def __init__(
        self,
        ls: ClaudeLanguageServer,
        roots: list[Path],
        session_id: str,
        emit: Callable[[Event], None],
    ) -> None:
        self.ls = ls
        self.roots = resolve_roots(roots)
        self.session_id = session_id
        self._emit = emit
        # Files edited through the editor while closed: their text lives in a buffer the
        # server is not told about until the client opens it or the user saves.
        self._unsaved: dict[Path, str] = {}

    def emit(self, event: Event) -> None:
        self._emit(event)

    # -- files --------------------------------------------------------------------------

    async def read_text(self, path: Path) -> str:
        doc = self.ls.documents.find(path)
        if doc is not None:
            return doc.text
        if (pending := self._unsaved.get(path)) is not None:
            return pending
        return await read_disk_text(path, self.roots)

    def writes_to_disk(self, path: Path) -> bool:
        """Whether ``write_text(path, …)`` writes the file itself (not an editor buffer)."""
        features = self.ls.client_features
        if self.ls.documents.find(path) is not None:
            return False
        if not features.apply_edit or self.ls.settings.agent.closed_files == "disk":
            return True
        return not path.exists() and not (
            "create" in features.resource_operations and features.document_changes
        )

    async def write_text(self, path: Path, text: str) -> None:
        features = self.ls.client_features
        doc = self.ls.documents.find(path)
        if doc is None and (
            not features.apply_edit or self.ls.settings.agent.closed_files == "disk"
        ):
            await asyncio.to_thread(write_atomic, path, text.encode("utf-8"), self.roots)
            self._unsaved.pop(path, None)
            return
        if not features.apply_edit:
            raise EditRejected(
                f"{path} is open in the editor, and this editor cannot apply edits "
                "(no workspace/applyEdit support): nothing was changed"
            )
        uri = from_fs_path(str(path)) or path.as_uri()
        if doc is not None:
            await self._apply(uri, doc.text, text, doc.version, path)
            return
        exists = await asyncio.to_thread(path.exists)
        if exists:
            old = await self.read_text(path)
            await self._apply(uri, old, text, None, path)
        elif "create" in features.resource_operations and features.document_changes:
            await self._apply(uri, "", text, None, path, create=True)
        else:  # a new file the client cannot create: nobody's buffer, write it
            await asyncio.to_thread(write_atomic, path, text.encode("utf-8"), self.roots)
            return
        if self.ls.documents.find(path) is None:
            self._unsaved[path] = text

    async def _apply(
        self,
        uri: str,
        old: str,
        new: str,
        version: int | None,
        path: Path,
        *,
        create: bool = False,
    ) -> None:
        features = self.ls.client_features
        review = self.ls.settings.agent.review_edits and features.change_annotations
        annotation = REVIEW_ANNOTATION if review else None
        edits = [_minimal_edit(old, new, self._columns(old), annotation)]
        label = f"Claude: {'create' if create else 'edit'} {_shown(path, self.roots)}"
        if features.document_changes:
            changes: list[Any] = []
            if create:
                options = lsp.CreateFileOptions(overwrite=False, ignore_if_exists=True)
                changes.append(lsp.CreateFile(uri=uri, options=options, annotation_id=annotation))
            identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            changes.append(lsp.TextDocumentEdit(text_document=identifier, edits=edits))
            edit = lsp.WorkspaceEdit(document_changes=changes)
        else:
            edit = lsp.WorkspaceEdit(changes={uri: edits})
        if review:
            edit.change_annotations = {
                REVIEW_ANNOTATION: lsp.ChangeAnnotation(
                    label="Claude's edit", needs_confirmation=True, description=label
                )
            }
        waiter = self.ls.documents.wait_for_text(uri, new) if version is not None else None
        try:
            result = await self.ls.workspace_apply_edit_async(
                lsp.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the client answered with an error
            if waiter is not None:
                waiter.cancel()
            raise EditRejected(
                f"the editor failed to apply the edit ({exc}); nothing changed"
            ) from exc
        if not result.applied:
            if waiter is not None:
                waiter.cancel()
            reason = result.failure_reason or "no reason given"
            raise EditRejected(f"the editor did not apply the edit: {reason}; nothing changed")
        if waiter is not None:
            await self._confirm(waiter, path)

    async def _confirm(self, waiter: asyncio.Future[bool], path: Path) -> None:
        """After ``applied: true`` for an open buffer: wait for its didChange. A buffer
        that ends up with other text (the client skipped a stale edit, or the user typed
        meanwhile) is reported, so the model reads it again before its next edit."""
        try:
            matched = await asyncio.wait_for(waiter, APPLY_CONFIRM_SECONDS)
        except TimeoutError:
            matched = False
        if not matched:
            raise EditRejected(
                f"the editor reported the edit to {path.name} as applied, but its buffer "
                "does not show it (it changed meanwhile): Read the file again before editing"
            )

    def _columns(self, text: str) -> Columns:
        starts = line_starts(text)
        return Columns(lambda row: line_at(text, starts, row), self.ls.workspace.position_encoding)

    # -- permission ---------------------------------------------------------------------

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        if self.ls.client_features.claude_permission:
            return await self._ask_claude(request)
        return await self._ask_message(request)

    async def _ask_claude(self, request: PermissionRequest) -> PermissionDecision:
        params = {
            "sessionId": self.session_id,
            "tool": request.tool,
            "input": request.input,
            "summary": request.summary,
        }
        answer = await self._request(PERMISSION_METHOD, params)
        decision = answer.get("decision") if isinstance(answer, dict) else None
        decisions: dict[Any, PermissionDecision] = {
            "allowOnce": "allowOnce",
            "allowAlways": "allowAlways",
        }
        if decision in decisions:
            return decisions[decision]
        log.info("permission answer %r is not a decision: denied", answer)
        return "deny"

    async def _ask_message(self, request: PermissionRequest) -> PermissionDecision:
        params = lsp.ShowMessageRequestParams(
            type=lsp.MessageType.Warning,
            message=f"Claude wants to use {request.tool}: {request.summary}",
            actions=[lsp.MessageActionItem(title=t) for t in (ALLOW_ONCE, ALLOW_ALWAYS, DENY)],
        )
        answer = await self._request(lsp.WINDOW_SHOW_MESSAGE_REQUEST, params)
        title = getattr(answer, "title", None)
        if title is None and isinstance(answer, dict):
            title = answer.get("title")
        return _ANSWERS.get(title or "", "deny")  # dismissed: a denial

    async def _request(self, method: str, params: Any) -> Any:
        """A request to the client; errors are logged and read as no answer, and a
        cancelled wait withdraws the request."""
        protocol = self.ls.protocol
        prefix = CLAUDE_REQUEST_PREFIX if method == PERMISSION_METHOD else "srv-"
        msg_id = f"{prefix}{uuid.uuid4().hex[:12]}"
        future = protocol.send_request(method, params, msg_id=msg_id)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            protocol._request_futures.pop(msg_id, None)
            protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))
            raise
        except Exception as exc:  # an error response: nobody said yes
            log.info("%s failed: %s", method, exc)
            return None


def _minimal_edit(old: str, new: str, columns: Columns, annotation: str | None) -> Any:
    """One TextEdit replacing only the whole lines that differ (so the editor keeps its
    marks, folds and undo history for the rest)."""
    first, old_end, new_end = changed_lines(old, new)
    span = Range(offset_position(old, first), offset_position(old, old_end))
    rng = columns.range(span)
    text = new[first:new_end]
    if annotation is None:
        return lsp.TextEdit(range=rng, new_text=text)
    return lsp.AnnotatedTextEdit(range=rng, new_text=text, annotation_id=annotation)


def changed_lines(old: str, new: str) -> tuple[int, int, int]:
    """``(start, old_end, new_end)``: ``old[start:old_end]`` becomes ``new[start:new_end]``,
    the rest is common; ``start`` is at a line start, the ends at line starts or the end."""
    prefix = common_prefix(old, new)
    suffix = common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    start = old.rfind("\n", 0, prefix) + 1
    end = len(old) - suffix
    if end > 0 and old[end - 1] != "\n":
        newline = old.find("\n", end)
        end = len(old) if newline == -1 else newline + 1
    return start, end, len(new) - (len(old) - end)


def offset_position(text: str, offset: int) -> Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(text.count("\n", 0, offset), offset - line_start)


def _shown(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)
