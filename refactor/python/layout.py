"""Where a project's importable code lives: its source folders, read the way it declares them.

A module's import path depends on the folder it is imported from: ``src/pkg/mod.py`` is
``pkg.mod``, never ``src.pkg.mod``. rope only guesses source folders (the root, or the
first folders holding ``.py`` files), so in a ``src/`` layout whose ``tests/`` is a
package it resolved ``pkg`` to an installed copy and renames missed the tests. This
module reads the declarations instead, in this order:

1. ``[tool.rope] source_folders`` (rope's own setting, when the project has one);
2. packaging declarations: setuptools (``package-dir``, ``packages.find.where``, and
   ``setup.cfg``/``setup.py``), hatch (``packages``, ``sources``), poetry
   (``packages = [{include, from}]``), pdm (``package-dir``), flit (``module`` under
   ``src/``);
3. conventions: ``src/`` when it holds code;
4. the root itself;
5. test folders (``tests``, ``test``, ``testing``) that are *not* packages: pytest puts
   them on ``sys.path``, so their modules import each other by their bare names.

Standard-library names are never first-party: a ``tests/typing/`` folder does not make
``typing`` a workspace module. Pure functions of the file system; no rope.
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

TEST_FOLDERS = ("tests", "test", "testing")
STDLIB = frozenset(sys.stdlib_module_names)
# Folders that never hold the project's importable code.
_SKIPPED = frozenset(
    {".git", ".hg", ".tox", ".nox", ".venv", "venv", "env", "node_modules", "build", "dist"}
)


@dataclass(frozen=True)
class Layout:
    """A project's source folders (absolute, in resolution order) and first-party names."""

    root: str
    source_folders: tuple[str, ...]
    first_party: frozenset[str]

    def relative_folders(self) -> list[str]:
        """The source folders other than the root, relative to it with '/' separators."""
        return [
            os.path.relpath(folder, self.root).replace(os.sep, "/")
            for folder in self.source_folders
            if folder != self.root
        ]

    def module_name(self, path: str) -> str | None:
        """The dotted import path of ``path`` (a ``.py`` file or a package folder), from
        the deepest source folder that holds it; None when no source folder does or a
        part is not an identifier."""
        full = os.path.realpath(path)
        holders = [f for f in self.source_folders if full.startswith(f + os.sep)]
        if not holders:
            return None
        relative = os.path.relpath(full, max(holders, key=len))
        parts = relative.split(os.sep)
        if parts[-1].endswith((".py", ".pyi")):
            parts[-1] = parts[-1].rsplit(".", 1)[0]
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        return ".".join(parts)

    def is_source_prefix(self, module: str) -> bool:
        """Whether ``module`` starts with a folder that is a source folder's parent path
        (``src.pkg.mod`` when ``src/`` is a source folder): not an import path."""
        first = module.split(".", maxsplit=1)[0]
        return any(
            folder != self.root and os.path.basename(folder) == first
            for folder in self.source_folders
        )


def discover(root: str) -> Layout:
    """The layout of the project at ``root`` (see the module docstring for the order)."""
    root = os.path.realpath(root)
    pyproject = _read_toml(os.path.join(root, "pyproject.toml"))
    declared = [
        *_rope_folders(pyproject),
        *_packaging_folders(root, pyproject),
        *_setup_cfg_folders(root),
        *_setup_py_folders(root),
    ]
    src = os.path.join(root, "src")
    if os.path.isdir(src) and _holds_code(src):
        declared.append("src")
    folders: list[str] = []
    for relative in declared:
        folder = os.path.realpath(os.path.join(root, relative))
        inside = folder == root or folder.startswith(root + os.sep)
        if inside and os.path.isdir(folder) and folder not in folders:
            folders.append(folder)
    if root not in folders:
        folders.append(root)
    for name in TEST_FOLDERS:
        folder = os.path.join(root, name)
        if os.path.isdir(folder) and not _is_package(folder) and folder not in folders:
            folders.append(folder)
    return Layout(root, tuple(folders), frozenset(_top_level_names(folders, root)))


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        log.warning("cannot read %s: %s", path, error)
        return {}


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _rope_folders(pyproject: dict[str, Any]) -> list[str]:
    return _strings(_table(pyproject, "tool", "rope").get("source_folders"))


def _packaging_folders(root: str, pyproject: dict[str, Any]) -> list[str]:
    tool = _table(pyproject, "tool")
    found: list[str] = []
    # setuptools
    setuptools = _table(tool, "setuptools")
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        found.append(package_dir[""])
    found += _strings(_table(setuptools, "packages", "find").get("where"))
    # hatch: packages = ["src/pkg"] (the folder holding each), sources = ["src"] or a map
    hatch = _table(tool, "hatch", "build")
    for build in (hatch, _table(hatch, "targets", "wheel")):
        found += [os.path.dirname(p.rstrip("/")) for p in _strings(build.get("packages"))]
        sources = build.get("sources")
        found += _strings(sources) or (list(sources) if isinstance(sources, dict) else [])
    # poetry: packages = [{include = "pkg", from = "src"}]
    for entry in _table(tool, "poetry").get("packages") or []:
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            found.append(entry["from"])
    # pdm
    found += _strings(_table(tool, "pdm", "build").get("package-dir"))
    # flit: the module lives in the root or under src/
    module = _table(tool, "flit", "module").get("name") or _table(pyproject, "project").get("name")
    if isinstance(module, str) and _table(tool, "flit"):
        name = module.replace("-", "_")
        if os.path.exists(os.path.join(root, "src", name)):
            found.append("src")
    return [f.strip("/") or "." for f in found if f]


def _setup_cfg_folders(root: str) -> list[str]:
    path = os.path.join(root, "setup.cfg")
    if not os.path.isfile(path):
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as error:
        log.warning("cannot read %s: %s", path, error)
        return []
    found = []
    package_dir = parser.get("options", "package_dir", fallback="")
    for line in package_dir.replace(";", "\n").splitlines():
        key, _, value = line.partition("=")
        if value.strip() and not key.strip():
            found.append(value.strip())
    where = parser.get("options.packages.find", "where", fallback="").strip()
    if where:
        found.append(where)
    return found


_SETUP_PY_DIR = re.compile(r"""package_dir\s*=\s*\{\s*(['"])\1\s*:\s*['"]([^'"]+)['"]""")


def _setup_py_folders(root: str) -> list[str]:
    try:
        with open(os.path.join(root, "setup.py"), encoding="utf-8", errors="replace") as handle:
            text = handle.read(200_000)
    except OSError:
        return []
    return [match.group(2) for match in _SETUP_PY_DIR.finditer(text)]


def _is_package(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "__init__.py"))


def _holds_code(folder: str) -> bool:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    return any(
        (e.is_file() and e.name.endswith(".py")) or (e.is_dir() and _is_package(e.path))
        for e in entries
    )


def _top_level_names(folders: Iterable[str], root: str) -> set[str]:
    """Packages and modules importable from the source folders (no stdlib names, no
    test folders seen from the root: ``tests`` is rarely imported by name)."""
    names: set[str] = set()
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name in _SKIPPED or entry.name.startswith("."):
                continue
            if entry.is_dir() and _is_package(entry.path):
                name = entry.name
            elif entry.is_file() and entry.name.endswith(".py"):
                name = entry.name[:-3]
            else:
                continue
            if folder == root and name in (*TEST_FOLDERS, "setup", "conftest", "noxfile"):
                continue
            if name.isidentifier() and name not in STDLIB:
                names.add(name)
    return names
