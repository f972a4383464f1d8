"""Imports: organize (isort, see `organize`), fix all, and add a missing import found by
rope's autoimport.

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
import sys
from typing import TYPE_CHECKING, Any

from refactor.python.checks import remove_unused_imports
from refactor.python.edits import (
    Cancelled,
    RefactorError,
    WorkspaceEdit,
    apply_edits,
    diff_edits,
    newline_of,
    normalize_newlines,
    syntax_problem,
)
from refactor.python.environment import is_stdlib
from refactor.python.layout import TEST_FOLDERS

if TYPE_CHECKING:
    from refactor.python.workspace import Job, Progress, PythonWorkspace, Session

log = logging.getLogger(__name__)

CHUNK = 25  # modules or files per background indexing job
SCAN_LIMIT = 1000  # files read to pick what to parse ahead (see `_parse_order`)
# Larger workspace files are not indexed: rope parses a file whole to index it (a 50 MB
# generated module took 69 s and 8 GB in the background indexing). Generated data more
# often than code; ``_defining_modules`` still finds a definition in one by text.
INDEX_MAX_BYTES = 1_000_000
# CPython's own regression tests: seconds of indexing, never what a user imports from.
SKIPPED_PACKAGES = frozenset({"test"})


def organize_imports(session: Session, path: str) -> WorkspaceEdit:
    """Sort imports with isort as the project configures it (no removal of unused ones);
    no edit at all when they are in order already."""
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
    from refactor.python.layout import discover
    from refactor.python.organize import organized

    if syntax_problem(text, path) is not None:
        return text
    layout = session.workspace.layout or discover(session.workspace.root)
    return organized(text, layout)


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
    """Modules to import ``name`` from, best first: a standard-library module called
    ``name``, then modules that define it, ranked standard library → workspace (by
    import path) → third-party (the project's environment). Never ``path`` itself, never
    a path through a source folder (``src.pkg.mod``), never CPython's own test suite."""
    layout = session.workspace.layout
    own = _module_name(session, path)
    found: list[str] = []
    if name in sys.stdlib_module_names and not name.startswith("_"):
        found.append(name)  # ``import itertools``
    if layout is not None and name in layout.first_party:
        found.append(name)  # a workspace package or top-level module
    modules = [_public(m) for m in _autoimport(session).get_modules(name)]
    found += [m for m in modules if m]
    if not any(_rank(session, m) == 1 for m in found if m != name):
        # The index may not have reached the workspace yet (it builds in the background
        # and yields to requests like this one): look for the definition directly.
        found += _defining_modules(session, name)
    usable = [
        m
        for m in dict.fromkeys(found)
        if m != own
        and not (layout is not None and layout.is_source_prefix(m))
        and not (m.split(".")[0] in SKIPPED_PACKAGES and is_stdlib(m))
    ]
    usable.sort(key=lambda m: (_rank(session, m), m.split(".")[0] in TEST_FOLDERS))
    return usable[:limit]


def _rank(session: Session, module: str) -> int:
    """0 for the standard library, 1 for the workspace, 2 for installed packages."""
    layout = session.workspace.layout
    top = module.split(".", maxsplit=1)[0]
    if layout is not None and (top in layout.first_party or top in TEST_FOLDERS):
        return 1
    return 0 if is_stdlib(module) else 2


def _module_name(session: Session, path: str) -> str:
    from rope.base import libutils

    layout = session.workspace.layout
    name = layout.module_name(path) if layout is not None else None
    return name or str(libutils.modname(session.resource(path)))


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
            found.append(_module_name(session, session.path_of(resource)))
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

    workspace = session.workspace
    environment = workspace.environment
    path = index_path(session.workspace.root, environment.key if environment else "")
    layout = session.workspace.layout

    class PersistentAutoImport(AutoImport):  # type: ignore[misc]
        @classmethod
        def create_database_connection(cls, *, project: Any = None, memory: bool = False) -> Any:
            return sqlite3.connect(path)

        def update_resource(
            self, resource: Any, underlined: bool = False, commit: bool = True
        ) -> None:
            """Every way into the index (the background indexing, the text scan, and
            rope's change observer when a buffer is set): a file over `INDEX_MAX_BYTES`
            is never parsed, and names it had before are dropped."""
            if _indexable(workspace, resource.real_path):
                super().update_resource(resource, underlined, commit)
            else:
                self._del_if_exist(self._resource_to_module(resource).modname, commit)

        def _resource_to_module(self, resource: Any, underlined: bool = False) -> Any:
            """A workspace file under its import path (``pkg.mod``, not ``src.pkg.mod``)."""
            module = super()._resource_to_module(resource, underlined)
            name = layout.module_name(resource.real_path) if layout is not None else None
            return module._replace(modname=name) if name else module

    return PersistentAutoImport(session.project, observe=True, memory=False)


def close_index(autoimport: Any) -> None:
    """Commit and close the index database (on the worker thread that opened it), so no
    transaction is left open and sqlite removes its ``-journal`` file."""
    try:
        autoimport.close()
    except sqlite3.Error as error:
        log.warning("closing the autoimport index failed: %s", error)


def index_path(root: str, environment: str = "") -> str:
    """Where the autoimport index for ``root`` and its environment lives (user cache)."""
    import platformdirs

    folder = os.path.join(platformdirs.user_cache_dir("claude-lsp"), "autoimport")
    os.makedirs(folder, exist_ok=True)
    key = os.path.realpath(root) + "\0" + environment
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(folder, f"{digest}.db")


def build_index(workspace: PythonWorkspace, progress: Progress | None = None) -> Job[int]:
    """Parse the workspace ahead and fill the autoimport index, in the background; the
    job's result is the job count.

    The first job lists the work; it then queues one background job per chunk of
    workspace modules to parse ahead (open documents first, `WARM_LIMIT` at most), then
    of workspace files and external modules to index; each yields to foreground jobs
    between items.
    """

    def plan(session: Session) -> int:
        from refactor.python.project import WARM_LIMIT

        # Nothing slow here (the index database is opened by the first chunk that
        # needs it): a request that comes now waits for this job.
        files = sorted(session.project.get_python_files(), key=lambda r: str(r.path))
        modules = _available_packages(session)
        # Parsing ahead comes first: it is what makes the first rename fast.
        warm = _parse_order(session, files)[:WARM_LIMIT]
        chunks: list[tuple[str, list[Any]]] = [
            ("parsing", warm[i : i + CHUNK]) for i in range(0, len(warm), CHUNK)
        ]
        chunks += [("files", files[i : i + CHUNK]) for i in range(0, len(files), CHUNK)]
        chunks += [("modules", modules[i : i + CHUNK]) for i in range(0, len(modules), CHUNK)]
        total = len(chunks)
        for number, (what, items) in enumerate(chunks, 1):
            workspace.submit(_index_chunk(what, items, number, total, progress), background=True)
        return total

    return workspace.submit(plan, progress, background=True)


def _parse_order(session: Session, files: list[Any]) -> list[Any]:
    """Open documents first, then the files that mention their modules (what a rename
    started in an open document reads), then the rest."""
    opened = [r for r in files if session.workspace.buffer(session.path_of(r)) is not None]
    names = {str(r.name).removesuffix(".py") for r in opened} - {"__init__"}
    names |= {str(r.parent.name) for r in opened if r.name == "__init__.py"}
    others = [r for r in files if r not in opened]
    if len(others) > SCAN_LIMIT:  # too many to read now: their paths' order
        return opened + others
    related: list[Any] = []
    rest: list[Any] = []
    for resource in others:
        try:
            text = resource.read()
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        (related if any(name in text for name in names) else rest).append(resource)
    return opened + related + rest


def _available_packages(session: Session) -> list[str]:
    """The top-level modules of the project's environment (rope's
    ``AutoImport._get_available_packages``, without opening the index)."""
    from pathlib import Path

    from rope.contrib.autoimport.defs import Source
    from rope.contrib.autoimport.utils import get_package_tuple

    names = list(sys.builtin_module_names)
    for folder in session.project.get_python_path_folders():
        try:
            entries = sorted(Path(folder.real_path).iterdir())
        except OSError:
            continue
        for entry in entries:
            package = get_package_tuple(entry, session.project)
            if package is None:
                continue
            if package.name in SKIPPED_PACKAGES and package.source is Source.STANDARD:
                continue
            names.append(package.name)
    return list(dict.fromkeys(names))


def _index_chunk(
    what: str, items: list[Any], number: int, total: int, progress: Progress | None
) -> Any:
    def run(session: Session) -> None:
        if progress is not None:
            progress("Indexing imports", f"{what} {number}/{total}", number * 100 // total)
        if what == "parsing":
            from refactor.python.project import warm

            warm(session, items)
            return
        autoimport = _autoimport(session)
        try:
            for item in items:
                session.yield_to_foreground()
                try:
                    if what == "files":
                        autoimport.update_resource(item, commit=False)
                    else:
                        _index_package(session, autoimport, item)
                except Cancelled:
                    raise
                except Exception as error:  # one bad file or package must not stop it
                    log.warning("autoimport indexing of %s failed: %s", item, error)
        finally:
            autoimport.connection.commit()

    return run


def _indexable(workspace: PythonWorkspace, path: str) -> bool:
    """Whether a workspace file (its open buffer, else the file) is small enough to
    index: see ``INDEX_MAX_BYTES``."""
    buffer = workspace.buffer(path)
    if buffer is not None:
        return len(buffer) <= INDEX_MAX_BYTES
    try:
        return os.path.getsize(path) <= INDEX_MAX_BYTES
    except OSError:
        return False


def _index_package(session: Session, autoimport: Any, modname: str) -> None:
    """rope's ``generate_modules_cache([modname])``, yielding to foreground jobs after
    every module file: a big package (``email``, ``numpy``) never makes a request wait."""
    from rope.contrib.autoimport.parse import get_names
    from rope.contrib.autoimport.sqlite import filter_packages
    from rope.contrib.autoimport.utils import get_files

    package = autoimport._find_package_path(modname)
    if package is None:
        return
    existing = autoimport._get_packages_from_cache()
    if not list(filter_packages([package], autoimport.underlined, existing)):
        return
    autoimport._add_packages([package])
    for module in get_files(package, autoimport.underlined):
        session.yield_to_foreground()
        for name in get_names(module, package):
            autoimport._add_name(name)
