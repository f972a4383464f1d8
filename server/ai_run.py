"""Running an AI task from the editor: model, credentials, progress, cancellation, cost,
and turning a checked answer into a workspace edit.

Concurrency model
-----------------
A task is one model request awaited by the request or command that started it (on the
server's loop; the SDK is imported off the loop by ``Chats.client``). ``$/cancelRequest``
cancels that handler, and so the request; cancelling its ``$/progress`` does the same
through `AiRunner.cancel_progress`. The document is snapshotted (text and version)
before the request; the answer is checked against the snapshot, and an edit is refused
when the document moved on meanwhile. Git and settings are read on worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcException
from pygls.uris import from_fs_path

from agent.cost import CostTracker
from refactor.text import line_at, line_starts
from server.convert import Columns
from server.editor_port import _minimal_edit

if TYPE_CHECKING:
    from agent.tasks import TaskAnswer
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)


class AiFailed(JsonRpcException):
    """LSP's RequestFailed for an AI task that could not be done; nothing changed."""

    CODE = -32803

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message, data={"reason": reason})


def workspace_roots(ls: ClaudeLanguageServer) -> list[Path]:
    """The workspace folders, resolved (the root path for clients without folders)."""
    from pygls.uris import to_fs_path

    paths = [p for f in ls.workspace.folders.values() if (p := to_fs_path(f.uri))]
    if not paths and ls.workspace.root_path:
        paths = [ls.workspace.root_path]
    return [Path(p).resolve() for p in paths]


class AiRunner:
    """What AI actions, review and commit messages share in one server."""

    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self.costs = CostTracker()
        self._progress: dict[str, asyncio.Task[Any]] = {}

    async def model(self) -> str:
        from agent.builder import AgentOptions, choose_model, project_settings

        root = self.ls.chats.root()
        settings = await asyncio.to_thread(project_settings, root)
        options = AgentOptions(cwd=root, host_model=self.ls.settings.agent.model)
        return await asyncio.to_thread(choose_model, options, settings, None)

    async def ask(
        self, title: str, tool: dict[str, Any], content: list[dict[str, Any]]
    ) -> TaskAnswer:
        """Run one task with progress; its answer (unchecked), cost reported."""
        from agent.tasks import TaskError, run_task

        client = await self.ls.chats.client()  # ChatError(noCredentials) when there are none
        model = await self.model()
        async with self.progress(title) as done:
            try:
                answer = await run_task(client, model, tool, content, self.costs)
            except TaskError as exc:
                raise AiFailed(f"{title}: {exc}") from exc
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the API failed after the SDK's retries
                from agent.errors import describe

                raise AiFailed(f"{title}: {describe(exc)}", "modelError") from exc
            done.append(f"${answer.cost_usd:.4f}")
        self.ls.window_log_message(
            lsp.LogMessageParams(
                type=lsp.MessageType.Info,
                message=f"{title}: {answer.model}, {answer.usage.input_tokens} in / "
                f"{answer.usage.output_tokens} out tokens, ${answer.cost_usd:.4f} "
                f"(AI actions so far ${self.costs.spent_usd:.4f})",
            )
        )
        return answer

    @asynccontextmanager
    async def progress(self, title: str) -> AsyncIterator[list[str]]:
        """``$/progress`` around a task (cancellable); append a message for the end."""
        end: list[str] = []
        token = None
        if self.ls.client_features.work_done_progress:
            token = f"claude-ai-{uuid.uuid4().hex[:12]}"
            try:
                await self.ls.work_done_progress.create_async(token)
            except Exception as exc:  # refused: no progress, no failure
                log.info("no progress token: %s", exc)
                token = None
        if token is not None:
            begin = lsp.WorkDoneProgressBegin(title, cancellable=True, message="asking Claude")
            self.ls.work_done_progress.begin(token, begin)
            if (task := asyncio.current_task()) is not None:
                self._progress[token] = task
        try:
            yield end
        finally:
            if token is not None:
                self._progress.pop(token, None)
                message = " · ".join(end) or "stopped"
                self.ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))

    def cancel_progress(self, token: lsp.ProgressToken) -> bool:
        task = self._progress.get(str(token))
        if task is None:
            return False
        task.cancel()
        return True

    # -- edits ---------------------------------------------------------------------------

    async def check_readable(self, uri: str, path: str, what: str) -> Path:
        """What an AI feature may send the model: a document the agent could Read —
        a file inside the workspace (symlinks resolved), not a secret, no ``Read`` deny
        rule — or an untitled buffer. Anything else is refused; nothing is sent."""
        from agent.builder import project_settings
        from agent.paths import PathError, confine, secret_reason
        from agent.permissions import Permissions
        from agent.tools.files import ReadTool

        root = self.ls.chats.root()
        if uri.startswith("untitled:"):
            return root / "untitled"
        if not uri.startswith("file:") or path == uri:
            raise AiFailed(f"{what}: {uri[:200]} is not a file of the workspace", "outside")
        try:
            resolved = confine(path, root, workspace_roots(self.ls) or [root])
        except PathError as exc:
            raise AiFailed(f"{what}: refused, {str(exc)[:500]}", "outside") from exc
        reason = secret_reason(Path(path)) or secret_reason(resolved)
        if reason:
            raise AiFailed(f"{what}: refused, {reason}", "secret")
        settings = await asyncio.to_thread(project_settings, root)
        policy = Permissions("bypassPermissions", settings, [root], cwd=root, persist_to=None)
        decision, why = policy.decide(ReadTool(), {"file_path": str(resolved)})
        if decision == "deny":
            raise AiFailed(f"{what}: refused, {why}", "denied")
        return resolved

    async def check_allowed(self, path: Path, text: str) -> None:
        """Deny rules (``Edit(secrets/**)``) and secret files hold for AI actions too."""
        from agent.builder import project_settings
        from agent.permissions import Permissions
        from agent.tools.files import WriteTool

        root = self.ls.chats.root()
        settings = await asyncio.to_thread(project_settings, root)
        policy = Permissions("bypassPermissions", settings, [root], cwd=root, persist_to=None)
        decision, reason = policy.decide(WriteTool(), {"file_path": str(path), "content": text})
        if decision == "deny":
            raise AiFailed(f"Claude may not change {path.name}: {reason}", "denied")

    def workspace_edit(
        self, path: Path, old: str, new: str, version: int | None, *, create: bool = False
    ) -> lsp.WorkspaceEdit:
        """``old`` → ``new`` for ``path`` as one minimal, versioned edit."""
        features = self.ls.client_features
        uri = from_fs_path(str(path)) or path.as_uri()
        starts = line_starts(old)
        encoding = self.ls.workspace.position_encoding
        columns = Columns(lambda row: line_at(old, starts, row), encoding)
        edit = _minimal_edit(old, new, columns, None)
        if not features.document_changes:
            if create:
                raise AiFailed(
                    f"{path.name} is a new file, and this editor cannot create files in "
                    "workspace edits; nothing was changed"
                )
            return lsp.WorkspaceEdit(changes={uri: [edit]})
        changes: list[Any] = []
        if create:
            if "create" not in features.resource_operations:
                raise AiFailed(
                    f"{path.name} is a new file, and this editor cannot create files in "
                    "workspace edits; nothing was changed"
                )
            options = lsp.CreateFileOptions(overwrite=False, ignore_if_exists=True)
            changes.append(lsp.CreateFile(uri=uri, options=options))
        identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        changes.append(lsp.TextDocumentEdit(text_document=identifier, edits=[edit]))
        return lsp.WorkspaceEdit(document_changes=changes)

    async def apply(self, edit: lsp.WorkspaceEdit, label: str) -> None:
        result = await self.ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label=label)
        )
        if not result.applied:
            reason = result.failure_reason or "no reason given"
            raise AiFailed(f"{label}: the editor did not apply the edit ({reason})", "rejected")


def unchanged_since(ls: ClaudeLanguageServer, uri: str, version: int | None) -> None:
    """Refuse when the document moved on after ``version`` was taken."""
    doc = ls.documents.get(uri)
    if doc is None:
        raise AiFailed("the document was closed while Claude worked; nothing was changed")
    if version is not None and doc.version != version:
        raise JsonRpcContentModified(
            "the document changed while Claude worked; nothing was changed (try again)"
        )
