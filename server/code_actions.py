"""Python code actions: quick fixes, refactors (lazy), organize imports and fix all.

Listing is cheap: refactors come from an ``ast`` look at the selection and carry only
``data``; rope computes the edit on ``codeAction/resolve`` (VS Code) or, for clients
without resolve (Neovim 0.7, eglot 1.9), when the client runs the action's command,
which sends the edit back with ``workspace/applyEdit``. Source actions
(``source.organizeImports``, ``source.fixAll``) are only listed when ``context.only``
asks for them (an explicit request or a save), computed at once, and left out when
they would change nothing: running them on every save is idempotent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcException
from pygls.uris import to_fs_path

from refactor.python.edits import RefactorError, WorkspaceEdit
from refactor.text import Range
from server import ai_actions, python

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

COMMAND = "claude-lsp.python.applyCodeAction"
ORGANIZE = lsp.CodeActionKind.SourceOrganizeImports.value
FIX_ALL = lsp.CodeActionKind.SourceFixAll.value
KINDS = [
    lsp.CodeActionKind.QuickFix,
    lsp.CodeActionKind.RefactorExtract,
    lsp.CodeActionKind.RefactorInline,
    lsp.CodeActionKind.RefactorRewrite,
    lsp.CodeActionKind.RefactorMove,
    lsp.CodeActionKind.SourceOrganizeImports,
    lsp.CodeActionKind.SourceFixAll,
]
REFACTOR_KINDS = ("refactor.extract", "refactor.inline", "refactor.rewrite", "refactor.move")
CANDIDATES_TIMEOUT = 1.0  # seconds to wait for the import index while listing


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: a valid request the server could not carry out."""

    CODE = -32803


def _wants(only: list[str] | None, kind: str, explicit: bool = False) -> bool:
    if not only:
        return not explicit
    return any(kind == o or kind.startswith(o + ".") for o in only)


async def code_action(
    ls: ClaudeLanguageServer, params: lsp.CodeActionParams
) -> list[lsp.CodeAction | lsp.Command] | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    only = [str(getattr(k, "value", k)) for k in params.context.only or []]
    actions: list[lsp.CodeAction] = []
    # A document over syntax.maxFileSize gets no Python actions: listing them parses the
    # whole text with ast on the loop (a 5 MB file took 50 s and 1.5 GB).
    if python.is_python(doc) and not doc.skipped:
        if _wants(only, "quickfix"):
            actions += await _quick_fixes(ls, doc, params.context.diagnostics)
        if any(_wants(only, k) for k in REFACTOR_KINDS):
            actions += _refactors(ls, doc, params.range, only)
        for kind, title in ((ORGANIZE, "Organize imports"), (FIX_ALL, "Fix all (pyflakes)")):
            if _wants(only, kind, explicit=True):
                action = await _source_action(ls, doc, kind, title)
                if action is not None:
                    actions.append(action)
    actions += ai_actions.listing(ls, doc, params.range, params.context.diagnostics, only)
    if not actions:
        return None
    if not ls.client_features.code_action_literals:
        return [a.command for a in actions if a.command is not None] or None
    return list(actions)


def _refactors(
    ls: ClaudeLanguageServer, doc: OpenDocument, selection: lsp.Range, only: list[str]
) -> list[lsp.CodeAction]:
    from refactor.python.actions import list_refactors

    columns = ls.documents.columns(doc)
    span = Range(columns.from_client(selection.start), columns.from_client(selection.end))
    actions = []
    for refactoring in list_refactors(doc.path, ls.documents.text(doc), span):
        if _wants(only, refactoring.kind):
            data = {"uri": doc.uri, "version": doc.version, "refactoring": refactoring.to_json()}
            actions.append(_lazy(ls, refactoring.title, refactoring.kind, data))
    return actions


def _lazy(
    ls: ClaudeLanguageServer,
    title: str,
    kind: str,
    data: dict[str, Any],
    diagnostics: list[lsp.Diagnostic] | None = None,
) -> lsp.CodeAction:
    """An action computed later: on resolve, or through the command for other clients."""
    return ai_actions.lazy_action(ls, title, kind, data, command=COMMAND, diagnostics=diagnostics)


async def _quick_fixes(
    ls: ClaudeLanguageServer, doc: OpenDocument, diagnostics: Sequence[lsp.Diagnostic]
) -> list[lsp.CodeAction]:
    from refactor.python.checks import remove_unused_imports
    from refactor.python.imports import import_candidates

    actions: list[lsp.CodeAction] = []
    text = ls.documents.text(doc)
    for diagnostic in diagnostics:
        name = diagnostic.data.get("name") if isinstance(diagnostic.data, dict) else None
        if diagnostic.source != python.SOURCE or not name:
            continue
        if diagnostic.code == "UnusedImport":
            edits = remove_unused_imports(text, {name})
            if edits:
                edit = WorkspaceEdit(changes={doc.path: edits})
                actions.append(
                    lsp.CodeAction(
                        title=f"Remove unused import `{name}`",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=True,
                        edit=python.to_lsp_edit(ls, edit),
                    )
                )
        elif diagnostic.code == "UndefinedName":
            search = functools.partial(import_candidates, path=doc.path, name=str(name))
            try:
                modules = await asyncio.wait_for(
                    python.run(ls, doc.path, search),
                    CANDIDATES_TIMEOUT,
                )
            except (TimeoutError, RefactorError) as error:
                log.info("no import candidates for %s: %s", name, error)
                continue
            for module in modules:
                data = {"uri": doc.uri, "version": doc.version, "import": [module, name]}
                title = f"Import `{name}` from `{module}`" if module != name else f"Import `{name}`"
                actions.append(_lazy(ls, title, lsp.CodeActionKind.QuickFix, data, [diagnostic]))
    return actions


async def _source_action(
    ls: ClaudeLanguageServer, doc: OpenDocument, kind: str, title: str
) -> lsp.CodeAction | None:
    from refactor.python import imports

    fn = imports.organize_imports if kind == ORGANIZE else imports.fix_all
    version = doc.version
    try:
        edit = await python.run(ls, doc.path, lambda s: fn(s, doc.path))
    except RefactorError as error:
        log.info("%s on %s: %s", kind, doc.uri, error)
        return None
    if edit.is_empty() or doc.version != version:
        return None
    return lsp.CodeAction(title=title, kind=kind, edit=python.to_lsp_edit(ls, edit))


async def compute(ls: ClaudeLanguageServer, data: Any) -> tuple[lsp.WorkspaceEdit, str]:
    """The edit for an action's ``data`` and its label; `RefactorError` says why not."""
    from refactor.python.imports import add_import
    from refactor.python.refactors import Refactoring
    from refactor.python.refactors import compute as compute_refactoring

    if not isinstance(data, dict) or "uri" not in data:
        raise RefactorError("this code action carries no data")
    doc = ls.documents.get(str(data["uri"]))
    if doc is None:
        raise RefactorError("the document is not open any more")
    if data.get("version") is not None and doc.version != data["version"]:
        raise JsonRpcContentModified("the document changed since the action was listed")
    path = to_fs_path(doc.uri) or doc.path
    versions = python.open_versions(ls)
    if "import" in data:
        module, name = (str(x) for x in data["import"])
        label = f"Import {name}"
        edit = await python.run(ls, path, lambda s: add_import(s, path, module, name))
    else:
        refactoring = Refactoring.from_json(data.get("refactoring"))
        if refactoring.path != path:
            raise RefactorError("the action belongs to another document")
        label = refactoring.title
        edit = await python.run(
            ls, path, lambda s: compute_refactoring(s, refactoring), title=label
        )
    if doc.version != data.get("version", doc.version):
        raise JsonRpcContentModified("the document changed while the refactor was computed")
    for note in edit.notes:
        log.info("%s: %s", label, note)
    return python.to_lsp_edit(ls, edit, versions), label


async def resolve(ls: ClaudeLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    if action.edit is not None or action.data is None:
        return action
    if ai_actions.is_ai(action.data):
        return await ai_actions.resolve(ls, action)
    try:
        action.edit, _ = await compute(ls, action.data)
    except RefactorError as error:
        ls.show_message(f"{action.title}: {error}")
        raise RequestFailed(f"{action.title}: {error}") from error
    return action


async def apply_command(ls: Any, *args: Any) -> None:
    """For clients without resolve: compute, then send ``workspace/applyEdit``.

    ``ls`` is untyped on purpose: pygls resolves command annotations at run time.
    """
    data = args[0] if args else None
    try:
        edit, label = await compute(ls, data)
    except (RefactorError, JsonRpcContentModified) as error:
        ls.show_message(f"claude-lsp: {error}")
        raise RequestFailed(str(error)) from error
    result = await ls.workspace_apply_edit_async(
        lsp.ApplyWorkspaceEditParams(edit=edit, label=label)
    )
    if not result.applied:
        ls.show_message(f"{label}: the editor did not apply the edit ({result.failure_reason})")


def register(server: ClaudeLanguageServer) -> None:
    kinds: list[lsp.CodeActionKind | str] = [*KINDS, *ai_actions.KINDS]
    options = lsp.CodeActionOptions(code_action_kinds=kinds, resolve_provider=True)
    server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, options)(code_action)
    server.feature(lsp.CODE_ACTION_RESOLVE)(resolve)
    server.command(COMMAND)(apply_command)
