"""Organize imports with isort's Python API, configured the way the project is.

isort already gets the hard parts right (sections, comments that belong to an import,
wrapping at the project's line length, ``# isort: skip``/``off``, never moving an import
across code), so it does the sorting. What this module adds is the configuration, first
match wins:

1. the project's own isort settings (``[tool.isort]``, ``.isort.cfg``, ``setup.cfg``,
   ``tox.ini``, ``.editorconfig``: isort finds them from the workspace root);
2. ruff's (``[tool.ruff.lint.isort]``, ``[tool.ruff.isort]``, ``ruff.toml``): isort's
   ``black`` profile, which ruff's import sorting follows, with ruff's ``line-length``
   and the isort options ruff shares;
3. black's (``[tool.black]``): the ``black`` profile and black's line length;
4. otherwise isort's defaults.

First-party packages come from the discovered source folders (`layout`), unless the
project lists its own. Standard-library names stay standard library even when a
``tests/typing/`` folder exists (isort checks its stdlib list before the source paths).

A file whose import statements are already in isort's order comes back *unchanged*:
wrapping, joined or split lines and blank lines are the formatter's business, and an
organize that only re-wraps would rewrite files on every save.
"""

from __future__ import annotations

import ast
import logging
import os
import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refactor.python.layout import Layout

log = logging.getLogger(__name__)

_CONFIG_FILES = (
    "pyproject.toml",
    ".isort.cfg",
    "setup.cfg",
    "tox.ini",
    ".editorconfig",
    "ruff.toml",
    ".ruff.toml",
)
# ruff's isort options that isort spells the same way (with underscores)
_RUFF_SHARED = (
    "known-first-party",
    "known-third-party",
    "known-local-folder",
    "extra-standard-library",
    "combine-as-imports",
    "force-single-line",
    "force-sort-within-sections",
    "force-to-top",
    "from-first",
    "lines-after-imports",
    "lines-between-types",
    "order-by-type",
    "case-sensitive",
    "split-on-trailing-comma",
)
_RUFF_SECTIONS = {
    "future": "FUTURE",
    "standard-library": "STDLIB",
    "third-party": "THIRDPARTY",
    "first-party": "FIRSTPARTY",
    "local-folder": "LOCALFOLDER",
}

_configs: dict[tuple[str, tuple[float, ...]], Any] = {}


def organized(text: str, layout: Layout) -> str:
    """``text`` with its imports sorted by isort as the project configures it; ``text``
    itself when the imports are already in order (or isort is told to skip the file)."""
    import isort
    from isort.exceptions import ISortError

    try:
        result = isort.code(text, config=config_for(layout))
    except ISortError as error:
        log.info("isort left the file alone: %s", error)
        return text
    if result == text or _imports(result) == _imports(text):
        return text
    if not _bindings_kept(text, result):
        log.info(
            "organize imports left a file alone: sorting would change which import "
            "binds a name (a star import or a shadowed name)"
        )
        return text
    return result


def _imports(text: str) -> list[str] | None:
    """The import statements of ``text`` in order (``None`` when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return [
        ast.dump(node) for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
    ]


_STAR = "*"


def _units(text: str) -> list[tuple[tuple[Any, ...], str]]:
    """Every imported name in text order: (identity, the name it binds or ``*``)."""
    tree = ast.parse(text)
    nodes = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    units: list[tuple[tuple[Any, ...], str]] = []
    for node in nodes:
        for alias in node.names:
            identity: tuple[Any, ...]
            if isinstance(node, ast.ImportFrom):
                identity = (node.level, node.module, alias.name, alias.asname)
                bound = _STAR if alias.name == "*" else alias.asname or alias.name
            else:
                identity = (None, alias.name, None, alias.asname)
                bound = alias.asname or alias.name.split(".")[0]
            units.append((identity, bound))
    return units


def _bindings_kept(old: str, new: str) -> bool:
    """Whether every two imports that bind the same name (a star import binds them all)
    keep their order: otherwise sorting changes which one wins."""
    try:
        before, after = _units(old), _units(new)
    except (SyntaxError, ValueError):
        return False
    position = {identity: index for index, (identity, _) in enumerate(after)}
    for i, (first, bound_first) in enumerate(before):
        for second, bound_second in before[i + 1 :]:
            if bound_first != bound_second and _STAR not in (bound_first, bound_second):
                continue
            if first == second or first not in position or second not in position:
                continue  # a duplicate isort dropped
            if first[0] is None and second[0] is None and bound_first != _STAR:
                continue  # ``import a`` and ``import a.b`` bind the same module
            if position[first] > position[second]:
                return False
    return True


def config_for(layout: Layout) -> Any:
    """isort's `Config` for the project (cached until one of its config files changes)."""
    stamps = []
    for name in _CONFIG_FILES:
        try:
            stamps.append(os.stat(os.path.join(layout.root, name)).st_mtime)
        except OSError:
            stamps.append(0.0)
    key = (layout.root, tuple(stamps))
    config = _configs.get(key)
    if config is None:
        config = _configs[key] = _build(layout)
    return config


def _build(layout: Layout) -> Any:
    from isort.settings import Config

    own = Config(settings_path=layout.root)
    found = [s.get("source") for s in own.sources if s.get("source") != "defaults"]
    options: dict[str, Any] = {}
    if not found:
        options = _ruff_options(layout.root) or _black_options(layout.root)
    base = Config(settings_path=layout.root, **options)
    extra: dict[str, Any] = {"src_paths": tuple(layout.source_folders)}
    if not base.known_first_party:
        extra["known_first_party"] = sorted(layout.first_party)
    return Config(settings_path=layout.root, **options, **extra)


def _toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        log.warning("cannot read %s: %s", path, error)
        return {}


def _ruff_options(root: str) -> dict[str, Any]:
    ruff: dict[str, Any] = {}
    for name in ("ruff.toml", ".ruff.toml"):
        ruff = _toml(os.path.join(root, name))
        if ruff:
            break
    else:
        ruff = _toml(os.path.join(root, "pyproject.toml")).get("tool", {}).get("ruff", {})
    if not isinstance(ruff, dict) or not ruff:
        return {}
    lint = ruff.get("lint")
    settings = (lint.get("isort") if isinstance(lint, dict) else None) or ruff.get("isort")
    options: dict[str, Any] = {"profile": "black"}
    length = ruff.get("line-length")
    options["line_length"] = length if isinstance(length, int) else 88
    if isinstance(settings, dict):
        for key in _RUFF_SHARED:
            if key in settings:
                options[key.replace("-", "_")] = settings[key]
        no_lines = settings.get("no-lines-before")
        if isinstance(no_lines, list):
            options["no_lines_before"] = [_RUFF_SECTIONS.get(s, s) for s in no_lines]
    return options


def _black_options(root: str) -> dict[str, Any]:
    black = _toml(os.path.join(root, "pyproject.toml")).get("tool", {}).get("black")
    if not isinstance(black, dict):
        return {}
    length = black.get("line-length")
    return {"profile": "black", "line_length": length if isinstance(length, int) else 88}
