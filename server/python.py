"""The Python engine in the server: workspaces, buffers, pyflakes diagnostics, edits.

Concurrency model
-----------------
Each workspace root has one `refactor.python.workspace.PythonWorkspace` whose single
worker thread runs every rope call. Handlers here only submit jobs and ``await`` them
with `asyncio.wrap_future`, so the event loop never waits for rope; a cancelled request
cancels its job. Open Python buffers that changed are pushed to their workspace before
the next job is submitted (rope then sees unsaved text): per request, not per
keystroke. Watched-file events invalidate rope's caches. pyflakes runs in the
diagnostics store's worker process (tens of ms per large file: on a thread it would
hold the GIL against the loop), debounced and coalesced there. rope is imported only
when the first job runs, never at start-up.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from refactor.python.edits import RefactorError, WorkspaceEdit
from refactor.text import keep_lone_cr, split_lines
from server.convert import Columns, annotated_edits
from server.diagnostics import Background

if TYPE_CHECKING:
    from refactor.python.checks import Problem
    from refactor.python.workspace import PythonWorkspace, Session
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

SOURCE = "pyflakes"
EXIT_WAIT = 3.0  # seconds the workers get to finish their current job at exit
T = TypeVar("T")

_tasks: set[asyncio.Future[None]] = set()  # background indexing, kept referenced
_roots: dict[tuple[str, object], str] = {}  # (path, workspace folders) -> root
_dirty: dict[str, OpenDocument] = {}  # uri -> open Python document not pushed to rope yet
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}


def is_python(doc: OpenDocument) -> bool:
    return doc.language_id == "python" or doc.path.endswith((".py", ".pyi"))


def root_for(ls: ClaudeLanguageServer, path: str) -> str:
    """The workspace folder holding ``path`` (the deepest), else the file's folder."""
    real = os.path.realpath(path)
    best = ""
    for folder in ls.workspace.folders.values():
        root = os.path.realpath(to_fs_path(folder.uri) or "")
        if root and (real == root or real.startswith(root + os.sep)) and len(root) > len(best):
            best = root
    if not best and ls.workspace.root_path:
        root = os.path.realpath(ls.workspace.root_path)
        if real.startswith(root + os.sep):
            best = root
    return best or os.path.dirname(real)


def workspace_for(ls: ClaudeLanguageServer, path: str) -> PythonWorkspace:
    from refactor.python import workspace

    folders = tuple(sorted(ls.workspace.folders)), ls.workspace.root_path
    key = (path, folders)
    root = _roots.get(key)
    if root is None:  # realpath costs a system call per path component: once per file
        if len(_roots) > 1_000:
            _roots.clear()
        root = _roots[key] = root_for(ls, path)
    interpreter = ls.settings.python.path or None
    python_workspace = workspace.workspace_for(root, interpreter)
    if python_workspace.set_python_path(interpreter):
        python_workspace.state["indexing"] = False  # another environment: index it anew
    if not python_workspace.state.get("indexing"):
        python_workspace.state["indexing"] = True
        # The first Python document: load the code-action listing off the loop now, so
        # the first lightbulb does not pay for its imports.
        asyncio.get_running_loop().run_in_executor(
            None, importlib.import_module, "refactor.python.actions"
        )
        # Open the rope project now, on the worker (importing rope and asking the
        # project's interpreter for its paths: about 200 ms), while the document's
        # first diagnostics are computed, instead of in the first request after them;
        # the index job below waits for the client to accept its progress token first.
        python_workspace.submit(_opened, background=True)
        _tasks.add(task := asyncio.ensure_future(_build_index(ls, python_workspace)))
        task.add_done_callback(_tasks.discard)
    return python_workspace


# A folder with one of these at its top is a Python project.
PROJECT_MARKERS = frozenset(
    ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "tox.ini")
)


def warm_up(roots: list[str]) -> threading.Thread | None:
    """In a Python project, import rope (about 110 ms) on a daemon thread right after
    start, so the first document's rope project (and the first rename) need not wait
    for it; None elsewhere (a non-Python folder pays nothing)."""

    def python_project(root: str) -> bool:
        try:
            with os.scandir(root) as entries:
                return any(e.name in PROJECT_MARKERS or e.name.endswith(".py") for e in entries)
        except OSError:
            return False

    if not any(python_project(root) for root in roots):
        return None

    def load() -> None:
        for name in ("rope.base.project", "rope.refactor.rename", "refactor.python.actions"):
            importlib.import_module(name)

    thread = threading.Thread(target=load, name="import-rope", daemon=True)
    thread.start()
    return thread


def _opened(session: Session) -> None:
    """A job with nothing to do: the worker opens the project before any job runs."""


async def run(
    ls: ClaudeLanguageServer,
    path: str,
    fn: Callable[[Session], T],
    title: str | None = None,
    token: lsp.ProgressToken | None = None,
) -> T:
    """Run ``fn`` on the worker of ``path``'s workspace; progress when ``title`` is set."""
    push_buffers(ls)
    workspace = workspace_for(ls, path)
    reporter = await _progress(ls, title, token) if title else None
    job = workspace.submit(fn, reporter.report if reporter else None)
    try:
        return await asyncio.wrap_future(job.future)
    except asyncio.CancelledError:
        job.cancel()
        raise
    finally:
        if reporter is not None:
            reporter.end()


class _Reporter:
    """Forwards the worker's progress to the client through the event loop."""

    def __init__(self, ls: ClaudeLanguageServer, token: lsp.ProgressToken, title: str) -> None:
        self._ls = ls
        self._token = token
        self._loop = asyncio.get_running_loop()
        ls.work_done_progress.begin(
            token, lsp.WorkDoneProgressBegin(title=title, cancellable=False, percentage=0)
        )

    def report(self, title: str, message: str | None, percent: int | None) -> None:
        value = lsp.WorkDoneProgressReport(
            message=message or title, percentage=None if percent is None else int(percent)
        )
        self._loop.call_soon_threadsafe(self._send_report, value)

    def _send_report(self, value: lsp.WorkDoneProgressReport) -> None:
        if not self._ls.shutting_down:  # after exit the transport is closed
            self._ls.work_done_progress.report(self._token, value)

    def end(self) -> None:
        if not self._ls.shutting_down:
            self._ls.work_done_progress.end(self._token, lsp.WorkDoneProgressEnd())


async def _progress(
    ls: ClaudeLanguageServer, title: str | None, token: lsp.ProgressToken | None
) -> _Reporter | None:
    if title is None:
        return None
    if token is None:
        if not ls.client_features.work_done_progress:
            return None
        token = f"claude-lsp-{uuid.uuid4().hex[:12]}"
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as error:  # the client refused the token: no progress, no failure
            log.info("no progress token: %s", error)
            return None
    return _Reporter(ls, token, title)


async def _build_index(ls: ClaudeLanguageServer, workspace: PythonWorkspace) -> None:
    from refactor.python.imports import build_index

    reporter = await _progress(ls, "Indexing Python imports", None)
    job = build_index(workspace, reporter.report if reporter else None)
    try:
        chunks = await asyncio.wrap_future(job.future)
        # background too, so it runs after every chunk
        marker = workspace.submit(lambda _session: None, background=True)
        await asyncio.wrap_future(marker.future)
        log.info("autoimport index for %s ready (%d jobs)", workspace.root, chunks)
    except Exception as error:
        log.warning("autoimport indexing failed: %s", error)
    finally:
        if reporter is not None:
            reporter.end()


# -- buffers and diagnostics ------------------------------------------------------------


def push_buffers(ls: ClaudeLanguageServer) -> None:
    """Give rope the text of every open Python buffer edited since the last job."""
    while _dirty:
        _, doc = _dirty.popitem()
        if ls.documents.get(doc.uri) is doc:
            workspace_for(ls, doc.path).set_buffer(doc.path, ls.documents.text(doc))


def _buffer_changed(ls: ClaudeLanguageServer, doc: OpenDocument, first: bool) -> None:
    if not is_python(doc):
        return
    if first:
        workspace_for(ls, doc.path).set_buffer(doc.path, ls.documents.text(doc))
    else:
        _dirty[doc.uri] = doc
    if doc.skipped:  # too large or binary: no checks either (the syntax layer said why)
        ls.diagnostics.set(doc.uri, SOURCE, [], doc.version)
        return
    _schedule_pyflakes(ls, doc, first)


def _buffer_closed(ls: ClaudeLanguageServer, doc: OpenDocument) -> None:
    if is_python(doc):
        _dirty.pop(doc.uri, None)
        workspace_for(ls, doc.path).set_buffer(doc.path, None)


def _schedule_pyflakes(ls: ClaudeLanguageServer, doc: OpenDocument, first: bool) -> None:
    uri = doc.uri

    def prepare() -> Background | list[lsp.Diagnostic] | None:
        """On the loop: snapshot the text; `check` runs in the worker process."""
        from refactor.python.checks import check

        current = ls.documents.get(uri)
        if current is None:
            return None
        if not (ls.settings.diagnostics.enable and ls.settings.diagnostics.pyflakes):
            return []
        path, text = current.path, ls.documents.text(current)
        limit = ls.settings.diagnostics.max_per_file
        encoding = ls.workspace.position_encoding

        def finish(problems: list[Problem]) -> list[lsp.Diagnostic]:
            lines = split_lines(text)
            columns = Columns(lambda row: lines[row] if row < len(lines) else "", encoding)
            return [
                lsp.Diagnostic(
                    range=columns.range(p.range),
                    message=p.message,
                    severity=SEVERITY[p.severity],
                    source=SOURCE,
                    code=p.code,
                    tags=[lsp.DiagnosticTag.Unnecessary] if p.code == "UnusedImport" else None,
                    data={"name": p.name} if p.name else None,
                )
                for p in problems[:limit]
            ]

        return Background(check, (path, text), finish)

    ls.diagnostics.schedule(uri, SOURCE, prepare, doc.version, immediate=first, background=True)


def _files_changed(ls: ClaudeLanguageServer, events: list[lsp.FileEvent]) -> None:
    from refactor.python import workspace

    paths = [to_fs_path(e.uri) or e.uri for e in events]
    for python_workspace in workspace.all_workspaces():
        inside = [p for p in paths if python_workspace.contains(p)]
        if inside:
            python_workspace.files_changed(inside)


# -- engine edits → LSP ----------------------------------------------------------------


def columns_for(ls: ClaudeLanguageServer, path: str) -> Columns:
    uri = from_fs_path(path) or path
    doc = ls.documents.get(uri)
    if doc is not None:
        return ls.documents.columns(doc)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = split_lines(handle.read())  # LSP lines: not at \f or U+2028
    except OSError:
        lines = []
    return Columns(
        lambda row: lines[row] if row < len(lines) else "", ls.workspace.position_encoding
    )


def open_versions(ls: ClaudeLanguageServer) -> dict[str, int | None]:
    """The version of every open document: what rope will see, taken before a job."""
    return {doc.uri: doc.version for doc in ls.documents}


def _check_versions(
    ls: ClaudeLanguageServer, paths: list[str], versions: dict[str, int | None]
) -> None:
    for path in paths:
        uri = from_fs_path(path) or path
        doc = ls.documents.get(uri)
        if versions.get(uri) != (doc.version if doc else None):
            raise RefactorError(
                f"{os.path.basename(path)} changed while the edit was computed; try again"
            )


def _check_confined(ls: ClaudeLanguageServer, edit: WorkspaceEdit) -> None:
    """Refuse an edit that would change a file outside the workspace folders (through a
    symlink, a rope project rooted outside, a move to another folder); the one exception
    is the buffer of a document the user opened from outside, edited in place."""
    from server.ai_run import workspace_roots

    roots = [str(r) for r in workspace_roots(ls)]
    if not roots:
        return  # no workspace declared: the file's folder is the project
    opened = {doc.path for doc in ls.documents}
    for path in [*edit.files(), *(new for _, new in edit.renames)]:
        real = os.path.realpath(path)
        inside = any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
        if not inside and not (path in opened and path not in dict(edit.renames)):
            raise RefactorError(
                f"this refactor would change {path}, outside the workspace; nothing was changed"
            )


def to_lsp_edit(
    ls: ClaudeLanguageServer, edit: WorkspaceEdit, versions: dict[str, int | None] | None = None
) -> lsp.WorkspaceEdit:
    """The engine's edit as the client can take it (versioned documentChanges, renames).

    ``versions`` (from `open_versions` before the job ran): a file the edit changes that
    was edited, opened or closed since is refused, since its edits were computed on
    other text (stamped with the new version, the editor would apply them anyway).
    Raises `RefactorError` when that happens or when the edit renames or creates files
    and the client cannot.
    """
    features = ls.client_features
    _check_confined(ls, edit)
    if versions is not None:
        _check_versions(ls, edit.files(), versions)
    operations = features.resource_operations
    if edit.renames and not (features.document_changes and "rename" in operations):
        raise RefactorError(
            "this refactor renames files, and the editor does not support file renames "
            "in workspace edits (RenameFile); nothing was changed"
        )
    if edit.creates and not (features.document_changes and "create" in operations):
        raise RefactorError(
            "this refactor creates a file, and the editor does not support file creation "
            "in workspace edits (CreateFile); nothing was changed"
        )
    text_edits: dict[str, list[lsp.TextEdit]] = {}
    for path, edits in edit.changes.items():
        columns = columns_for(ls, path)
        doc = ls.documents.get(from_fs_path(path) or path)
        kept = keep_lone_cr(doc.text, edits) if doc is not None else edits
        text_edits[path] = [lsp.TextEdit(columns.range(e.range), e.new_text) for e in kept]
    needed = [g.needed for g in edit.groups if g.needed]
    if needed and not (features.document_changes and features.change_annotations):
        raise RefactorError(f"{needed[0]}; nothing was changed")
    if not features.document_changes:
        if edit.groups:  # the editor cannot ask: only what is sure
            log.info("left out %d unsure edits", sum(g.count() for g in edit.groups))
        return lsp.WorkspaceEdit(
            changes={from_fs_path(p) or p: items for p, items in text_edits.items()}
        )
    document_edits: dict[str, list[lsp.TextEdit | lsp.AnnotatedTextEdit]] = {
        path: list(items) for path, items in text_edits.items()
    }
    annotations: dict[str, lsp.ChangeAnnotation] | None = None
    if edit.groups and features.change_annotations:
        grouped, annotations = annotated_edits(edit.groups, lambda p: columns_for(ls, p))
        for path, annotated in grouped.items():
            document_edits.setdefault(path, []).extend(annotated)
    elif edit.groups:  # the editor cannot ask: only what is sure
        log.info("left out %d unsure edits", sum(g.count() for g in edit.groups))
    created = set(edit.creates)
    changes: list[Any] = [
        lsp.CreateFile(uri=from_fs_path(p) or p, options=lsp.CreateFileOptions(overwrite=False))
        for p in edit.creates
    ]
    for path, items in document_edits.items():
        uri = from_fs_path(path) or path
        doc = ls.documents.get(uri)
        version = None if path in created or doc is None else doc.version
        changes.append(
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=list(items),
            )
        )
    changes.extend(
        lsp.RenameFile(old_uri=from_fs_path(old) or old, new_uri=from_fs_path(new) or new)
        for old, new in edit.renames
    )
    return lsp.WorkspaceEdit(document_changes=changes, change_annotations=annotations)


def _exit(ls: ClaudeLanguageServer, params: None) -> None:
    """Before pygls closes the transport and exits: nothing may send any more, and the
    workers stop (queued jobs cancelled, the running one given a moment) and close the
    import index, so no sqlite transaction or ``-journal`` file is left behind."""
    from refactor.python import workspace

    ls.shutting_down = True
    workspace.close_all(wait=True, timeout=EXIT_WAIT)


def register(server: ClaudeLanguageServer) -> None:
    """Buffers, pyflakes diagnostics, and the Python code actions and rename."""
    from server import code_actions, rename

    code_actions.register(server)
    rename.register(server)
    server.feature(lsp.EXIT)(_exit)
    server.documents.on_open.append(lambda doc: _buffer_changed(server, doc, first=True))
    server.documents.on_change.append(lambda doc: _buffer_changed(server, doc, first=False))
    server.documents.on_close.append(lambda doc: _buffer_closed(server, doc))
    server.file_listeners.append(lambda events: _files_changed(server, events))
