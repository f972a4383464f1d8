"""prepareRename and rename for Python, on rope.

prepareRename is cheap (the token under the cursor, no rope). rename runs on the
workspace's worker thread with ``$/progress`` (the client's token, or one we create when
the client supports it), and is refused — error response plus ``window/showMessage``,
nothing changed — for builtins, keywords, names that already exist in scope, files
that do not parse, files over ``syntax.maxFileSize`` (or binary), and module renames the
client cannot apply as ``RenameFile``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refactor.python.edits import RefactorError
from server import python
from server.code_actions import RequestFailed

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)


def prepare_rename(
    ls: ClaudeLanguageServer, params: lsp.PrepareRenameParams
) -> lsp.PrepareRenamePlaceholder | None:
    from refactor.python.rename import prepare_rename as engine_prepare

    doc = ls.documents.get(params.text_document.uri)
    if doc is None or not python.is_python(doc):
        return None
    _refuse_skipped(doc)
    columns = ls.documents.columns(doc)
    try:
        span, name = engine_prepare(ls.documents.text(doc), columns.from_client(params.position))
    except RefactorError as error:
        raise RequestFailed(str(error)) from error
    return lsp.PrepareRenamePlaceholder(range=columns.range(span), placeholder=name)


async def rename(ls: ClaudeLanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    from refactor.python.rename import rename as engine_rename

    doc = ls.documents.get(params.text_document.uri)
    if doc is None or not python.is_python(doc):
        return None
    _refuse_skipped(doc)
    position = ls.documents.columns(doc).from_client(params.position)
    path, new_name = doc.path, params.new_name
    versions = python.open_versions(ls)
    try:
        edit = await python.run(
            ls,
            path,
            lambda s: engine_rename(s, path, position, new_name),
            title=f"Renaming to {new_name}",
            token=params.work_done_token,
        )
        for note in edit.notes:
            log.info("rename: %s", note)
        return python.to_lsp_edit(ls, edit, versions)
    except RefactorError as error:
        ls.show_message(f"Rename: {error}")
        raise RequestFailed(f"rename refused: {error}") from error


def _refuse_skipped(doc: OpenDocument) -> None:
    """A file too large (or binary) for syntax features is not parsed for a rename
    either: a clear refusal instead of minutes of parsing and gigabytes of memory."""
    if doc.skipped:
        raise RequestFailed(f"rename refused: no refactoring in this file ({doc.skipped})")


def register(server: ClaudeLanguageServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)(prepare_rename)
    server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))(rename)
