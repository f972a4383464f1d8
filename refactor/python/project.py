"""The rope project for a workspace: its source folders and its environment, in order.

rope resolves ``import pkg`` through its source folders, then ``sys.path`` *of the
process it runs in*. Here the workspace's declared source folders (`layout`) come
first, so ``pkg`` in a ``src/`` layout is the workspace's code and never an installed
copy; the import path after them is the project interpreter's (`environment`), not
claude-lsp's. Standard-library names resolve to the standard library first: a
``tests/typing/`` folder does not hide ``typing``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rope.base.project import Project

    from refactor.python.environment import Environment
    from refactor.python.layout import Layout
    from refactor.python.workspace import Session

log = logging.getLogger(__name__)

# Workspace modules parsed ahead, in the background (about 0.3 MB of memory each).
WARM_LIMIT = 300
# Larger modules are left cold: they are generated data more often than code, and rope
# needs seconds per 100 KB for them (idna's 240 KB table module: 30 s), in one step.
WARM_MAX_BYTES = 100_000

IGNORED = [
    "*.pyc",
    "*~",
    ".ropeproject",
    ".hg",
    ".svn",
    "_svn",
    ".git",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    "*.egg-info",
]


def open_project(root: str, fscommands: Any, layout: Layout, env: Environment) -> Project:
    """A rope project on ``root`` that reads through ``fscommands`` and writes nothing."""
    from rope.base import exceptions
    from rope.base.project import Project, _find_module_in_folder, get_no_project

    class WorkspaceProject(Project):  # type: ignore[misc]
        def get_source_folders(self) -> list[Any]:
            declared = [self.get_folder(r) for r in layout.relative_folders()]
            found = [f for f in super().get_source_folders() if f not in declared]
            return declared + found

        _path_folders: list[Any] | None = None

        def get_python_path_folders(self) -> list[Any]:
            if self._path_folders is not None:
                return self._path_folders
            folders = []
            for path in env.path:
                if path in layout.source_folders:
                    continue
                try:
                    folders.append(get_no_project().get_resource(path))
                except exceptions.ResourceNotFoundError:
                    continue
            self._path_folders = folders
            return folders

        def find_module(self, modname: str, folder: Any = None) -> Any:
            if modname.split(".", maxsplit=1)[0] in sys.stdlib_module_names:
                for src in self.get_python_path_folders():
                    module = _find_module_in_folder(src, modname)
                    if module is not None:
                        return module
            return super().find_module(modname, folder)

    return WorkspaceProject(
        root,
        fscommands=fscommands,
        ropefolder=None,
        ignored_resources=IGNORED,
        save_objectdb=False,
        save_history=False,
        validate_objectdb=False,
        automatic_soa=False,
    )


def warm(session: Session, resources: list[Any]) -> None:
    """Parse ``resources`` and compute their scope regions ahead (a background job).

    A cold rename spends most of its time there: rope patches each module's syntax tree
    with token offsets the first time it asks which scope holds an occurrence. Done
    ahead, the first rename costs what a warm one does. Yields to requests after every
    module; a module that does not parse, or is larger than `WARM_MAX_BYTES`, is left
    cold.
    """
    from rope.base.exceptions import RopeError
    from rope.refactor.patchedast import MismatchedTokenError

    for resource in resources:
        session.yield_to_foreground()
        try:
            if os.path.getsize(resource.real_path) > WARM_MAX_BYTES:
                continue
            scope = session.project.get_pymodule(resource).get_scope()
            scope._calculate_scope_regions()  # rope caches it on the module's scope
        except (RopeError, MismatchedTokenError, SyntaxError, ValueError, OSError) as error:
            log.debug("not parsed ahead: %s (%s)", resource.path, error)
