"""Imports: organize, fix all, and add a missing import found by rope's autoimport.

All functions here run on the workspace's worker thread (they take a `Session`).
Organize and fix all return an *empty* edit when there is nothing to do, so running
them on every save is cheap and idempotent.

The autoimport index (workspace modules, the standard library, installed packages)
is a sqlite file under the user cache dir, built by background jobs (chunks of files or
packages) that yield to queued foreground work after every file or package: a request
made while the index builds waits for one file or package at most (under a second),
never for the whole index.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import re
import sqlite3
from typing import TYPE_CHECKING, Any

from refactor.python.checks import remove_unused_imports
from refactor.python.edits import (
    RefactorError,
    WorkspaceEdit,
    apply_edits,
    diff_edits,
    newline_of,
    normalize_newlines,
    syntax_problem,
)

if TYPE_CHECKING:
    from refactor.python.workspace import Job, Progress, PythonWorkspace, Session

log = logging.getLogger(__name__)

CHUNK = 25  # modules or files per background indexing job
# CPython's own regression tests: seconds of indexing, never what a user imports from.
SKIPPED_PACKAGES = frozenset({"test"})


def organize_imports(session: Session, path: str) -> WorkspaceEdit:
    """Sort imports and drop duplicates (no removal of unused ones)."""
    text = session.read(path)
    return _edit(session, path, text, _organized(session, path, text))


def fix_all(session: Session, path: str) -> WorkspaceEdit:
    """Remove the unused imports pyflakes reports, then organize."""
    text = session.read(path)
    if syntax_problem(text, path) is not None:
        return WorkspaceEdit()
    cleaned = apply_edits(text, remove_unused_imports(text, path=path))
    return _edit(session, path, text, _organized(session, path, cleaned))


def fix_text(session: Session, path: str, text: str) -> str:
    """``source.fixAll`` on a given text (for the CLI, which has no buffers)."""
    text = normalize_newlines(text)
    if syntax_problem(text, path) is not None:
        return text
    cleaned = apply_edits(text, remove_unused_imports(text, path=path))
    return _organized(session, path, cleaned)


def _organized(session: Session, path: str, text: str) -> str:
    from rope.base import libutils
    from rope.refactor.importutils import ImportTools

    if syntax_problem(text, path) is not None:
        return text
    head, tail = _leading_imports(text)
    if not head:
        return text
    pymodule = libutils.get_string_module(session.project, head, session.resource(path))
    result = ImportTools(session.project).organize_imports(pymodule, unused=False, selfs=False)
    if result is None:
        return text
    if not tail:
        return str(result)
    return str(result).rstrip("\n") + "\n" + tail


def _leading_imports(text: str) -> tuple[str, str]:
    """``text`` split into what organize may reorder and what it must leave alone.

    rope hoists every module-level import to the top, across any statement between
    them: an import after ``sys.path.insert(...)``, ``matplotlib.use(...)`` or a
    ``try: import x except ImportError`` would then run before it. Like isort and ruff,
    only the leading block (docstring, imports) is sorted when imports come later; the
    head ends with its last import's line. With no late import, rope sees everything.
    """
    body = ast.parse(text).body
    start = 1 if body and _is_docstring(body[0]) else 0
    lead = start
    while lead < len(body) and isinstance(body[lead], ast.Import | ast.ImportFrom):
        lead += 1
    if not any(isinstance(n, ast.Import | ast.ImportFrom) for n in body[lead:]):
        return text, ""
    if lead == start:
        return "", text
    lines = text.split("\n")
    end = body[lead - 1].end_lineno or body[lead - 1].lineno
    return "\n".join(lines[:end]) + "\n", "\n".join(lines[end:])


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _edit(session: Session, path: str, old: str, new: str) -> WorkspaceEdit:
    if new == old:
        return WorkspaceEdit()
    problem = syntax_problem(new, path)
    if problem is not None:
        raise RefactorError(f"refused: the result would not parse ({problem})")
    raw = session.workspace.buffer(path)
    if raw is None and os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            raw = handle.read(65536)
    return WorkspaceEdit(changes={path: diff_edits(old, new, newline_of(raw or ""))})


# -- add import -------------------------------------------------------------------------


def import_candidates(session: Session, path: str, name: str, limit: int = 5) -> list[str]:
    """Modules that define ``name`` (workspace, then stdlib, then packages), not ``path``."""
    from rope.base import libutils

    own = libutils.modname(session.resource(path))
    autoimport = _autoimport(session)
    modules = [_public(m) for m in autoimport.get_modules(name)]
    found = [m for m in dict.fromkeys(modules) if m and m != own]
    if not found:
        # The index may not have reached the workspace yet (it builds in the background
        # and yields to requests like this one): look for the definition directly.
        found = [m for m in _defining_modules(session, name) if m != own]
    # rope lists by source (workspace, stdlib, packages); test suites come last
    found.sort(key=lambda m: m.split(".")[0] in ("test", "tests"))
    return found[:limit]


def _blank_line_after_imports(source: str) -> str:
    """rope puts a first import straight above the code; PEP 8 wants a blank line."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return source
    last = None
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        last = node
    if last is None or last.end_lineno is None:
        return source
    lines = source.split("\n")
    following = lines[last.end_lineno] if last.end_lineno < len(lines) else ""
    if following.strip():
        lines.insert(last.end_lineno, "")
    return "\n".join(lines)


def _defining_modules(session: Session, name: str) -> list[str]:
    """Workspace modules with a top-level ``def``/``class``/assignment of ``name``
    (a text scan of the files that mention it; each found file is indexed on the way)."""
    from rope.base import libutils

    definition = re.compile(
        rf"^(?:(?:async\s+)?def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*(?::|=(?!=))",
        re.MULTILINE,
    )
    found = []
    for resource in session.project.get_python_files():
        session.check()
        try:
            text = resource.read()
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if name in text and definition.search(text):
            found.append(str(libutils.modname(resource)))
            _autoimport(session).update_resource(resource)
    return sorted(found, key=lambda m: (m.count("."), m))


def _public(module: str) -> str | None:
    """``_collections`` → ``collections`` when that public module exists, else None."""
    import importlib.util

    if not module.startswith("_"):
        return module
    public = module.lstrip("_")
    try:
        return public if "." not in public and importlib.util.find_spec(public) else None
    except (ImportError, ValueError):
        return None


def add_import(session: Session, path: str, module: str, name: str) -> WorkspaceEdit:
    """Add ``from module import name`` (or ``import module`` when name is the module)."""
    from rope.base import libutils
    from rope.refactor import importutils

    text = session.read(path)
    pymodule = libutils.get_string_module(session.project, text, session.resource(path))
    imports = importutils.get_module_imports(session.project, pymodule)
    if module == name:
        imports.add_import(importutils.NormalImport(((module, None),)))
    else:
        imports.add_import(importutils.FromImport(module, 0, ((name, None),)))
    source = _blank_line_after_imports(str(imports.get_changed_source() or text))
    edit = _edit(session, path, text, source)
    if edit.is_empty():
        raise RefactorError(f"{name} is already imported")
    return edit


def _autoimport(session: Session) -> Any:
    autoimport = session.workspace.state.get("autoimport")
    if autoimport is None:
        autoimport = session.workspace.state["autoimport"] = _open_index(session)
    return autoimport


def _open_index(session: Session) -> Any:
    from rope.contrib.autoimport.sqlite import AutoImport

    path = index_path(session.workspace.root)

    class PersistentAutoImport(AutoImport):  # type: ignore[misc]
        @classmethod
        def create_database_connection(cls, *, project: Any = None, memory: bool = False) -> Any:
            return sqlite3.connect(path)

    return PersistentAutoImport(session.project, observe=True, memory=False)


def index_path(root: str) -> str:
    """Where the autoimport index for ``root`` lives (under the user cache dir)."""
    import platformdirs

    folder = os.path.join(platformdirs.user_cache_dir("claude-lsp"), "autoimport")
    os.makedirs(folder, exist_ok=True)
    digest = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:16]
    return os.path.join(folder, f"{digest}.db")


def build_index(workspace: PythonWorkspace, progress: Progress | None = None) -> Job[int]:
    """Fill the autoimport index in the background; the job's result is the job count.

    The first job lists what to index; it then queues one background job per chunk of
    workspace files or external modules; each yields to foreground jobs between items.
    """

    def plan(session: Session) -> int:
        from rope.contrib.autoimport.defs import Source

        autoimport = _autoimport(session)
        files = list(session.project.get_python_files())
        packages = [
            p.name
            for p in autoimport._get_available_packages()
            if not (p.name in SKIPPED_PACKAGES and p.source is Source.STANDARD)
        ]
        done = {p for p in autoimport._get_packages_from_cache()}
        modules = [name for name in packages if name not in done]
        chunks: list[tuple[str, list[Any]]] = [
            ("files", files[i : i + CHUNK]) for i in range(0, len(files), CHUNK)
        ]
        chunks += [("modules", modules[i : i + CHUNK]) for i in range(0, len(modules), CHUNK)]
        total = len(chunks)
        for number, (what, items) in enumerate(chunks, 1):
            workspace.submit(_index_chunk(what, items, number, total, progress), background=True)
        return total

    return workspace.submit(plan, progress, background=True)


def _index_chunk(
    what: str, items: list[Any], number: int, total: int, progress: Progress | None
) -> Any:
    def run(session: Session) -> None:
        autoimport = _autoimport(session)
        if progress is not None:
            progress("Indexing imports", f"{what} {number}/{total}", number * 100 // total)
        try:
            for item in items:
                session.yield_to_foreground()
                try:
                    if what == "files":
                        autoimport.update_resource(item, commit=False)
                    else:
                        autoimport.generate_modules_cache([item], single_thread=True)
                except Exception as error:  # one bad file or package must not stop it
                    log.warning("autoimport indexing of %s failed: %s", item, error)
        finally:
            autoimport.connection.commit()

    return run
