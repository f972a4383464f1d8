"""Python checks with pyflakes, and the quick fix that needs no rope (unused import).

`check` runs pyflakes on a text (a few milliseconds for a typical module) and returns
plain problems; syntax errors are left to the tree-sitter engine, which reports them
for every language already.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any

from refactor.python.edits import normalize_newlines
from refactor.text import Position, Range, TextEdit, utf8_prefix

ERROR_CODES = frozenset({"UndefinedName", "UndefinedLocal", "UndefinedExport"})


@dataclass(frozen=True)
class Problem:
    range: Range
    message: str
    code: str  # the pyflakes message class, e.g. "UnusedImport"
    severity: str  # "error" | "warning"
    name: str | None = None  # the unused or undefined name, for quick fixes


def check(path: str, text: str) -> list[Problem]:
    """pyflakes' findings for ``text``; empty when the text does not parse."""
    from pyflakes import checker

    text = normalize_newlines(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return []
    lines = text.split("\n")
    found = checker.Checker(tree, filename=path)
    in_type_comments = _type_comment_imports(text, tree)
    problems = []
    for message in sorted(found.messages, key=lambda m: (m.lineno, m.col)):
        code = type(message).__name__
        name = _name_of(code, message.message_args)
        if code == "UnusedImport" and name in in_type_comments:
            continue
        start = Position(message.lineno - 1, _column(lines, message.lineno - 1, message.col))
        end = Position(start.line, len(lines[start.line]) if start.line < len(lines) else 0)
        if name is not None:
            found_at = _find_name(lines, start, name)
            if found_at is not None:
                start, end = found_at
        problems.append(
            Problem(
                Range(start, end),
                message.message % message.message_args,
                code,
                "error" if code in ERROR_CODES else "warning",
                name,
            )
        )
    return problems


def _name_of(code: str, args: tuple[object, ...]) -> str | None:
    if code in ("UnusedImport", "UndefinedName", "UndefinedLocal", "UnusedVariable") and args:
        return str(args[0])
    return None


def _type_comment_imports(text: str, tree: ast.Module) -> set[str]:
    """pyflakes names of the imports a ``# type:`` comment uses.

    pyflakes 3 stopped reading type comments, so ``import typing`` used only in
    ``x = []  # type: typing.List[int]`` looked unused, and fix all removed it (mypy
    then fails on the comment). Such an import counts as used, as it did before.
    """
    if "type:" not in text:
        return set()
    words: set[str] = set()
    for match in _TYPE_COMMENT.finditer(text):
        if not match.group(1).lstrip().startswith("ignore"):
            words.update(_IDENTIFIER.findall(match.group(1)))
    if not words:
        return set()
    return {
        _pyflakes_name(node, alias)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if _bound_name(node, alias) in words
    }


_TYPE_COMMENT = re.compile(r"#\s*type:([^\n#]*)")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def _bound_name(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if alias.asname:
        return alias.asname
    return alias.name if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]


def _column(lines: list[str], line: int, utf8_col: int) -> int:
    if line >= len(lines):
        return 0
    return len(utf8_prefix(lines[line], utf8_col))


def _find_name(lines: list[str], start: Position, name: str) -> tuple[Position, Position] | None:
    """Where ``name`` (or its last dotted part, or ``x as y``'s alias) is on the line."""
    for line_no in range(start.line, min(start.line + 20, len(lines))):
        line = lines[line_no]
        first = start.character if line_no == start.line else 0
        for candidate in (name, name.rsplit(" as ", 1)[-1], name.rsplit(".", 1)[-1]):
            match = re.compile(rf"(?<![\w.]){re.escape(candidate)}(?!\w)").search(line, first)
            if match:
                return Position(line_no, match.start()), Position(line_no, match.end())
    return None


def remove_unused_imports(
    text: str, names: set[str] | None = None, path: str = "<fix>"
) -> list[TextEdit]:
    """Edits removing the unused imports pyflakes reports (only ``names``, if given).

    ``import a, b`` loses just the unused alias; a statement left empty goes away
    with its line, or becomes ``pass`` when it is the only statement of a block.
    Without ``names`` (fix all, on save) re-exports stay: star imports, redundant
    aliases (``import x as x``, PEP 484's explicit re-export) and every module-level
    import of a package's ``__init__.py`` at ``path``: that namespace is the package's
    API (``from functools import partial`` there is ``pkg.partial``, and the package's
    own modules may use it; autoflake's ``--ignore-init-module-imports``, ruff's unsafe
    F401 fix in ``__init__.py``). Availability probes
    always stay: an import inside a ``try`` whose handlers catch ``ImportError`` is
    there to be tried (``try: import readline`` / ``except ImportError:``).
    """
    text = normalize_newlines(text)
    unused_names: dict[int, set[str]] = {}
    for p in check("<fix>", text):
        if p.code == "UnusedImport" and p.name and (names is None or p.name in names):
            unused_names.setdefault(p.range.start.line + 1, set()).add(p.name)
    if not unused_names:
        return []
    tree = ast.parse(text)
    parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    removals: dict[ast.Import | ast.ImportFrom, list[ast.alias]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or _probed(node, parents):
            continue
        drop = set()
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            drop |= unused_names.get(line, set())
        if not drop:
            continue
        keep = [
            a
            for a in node.names
            if _pyflakes_name(node, a) not in drop
            or (names is None and _reexport(node, a, path, parents))
        ]
        if len(keep) < len(node.names):
            removals[node] = keep
    gone = {node for node, keep in removals.items() if not keep}
    return [
        _replace_statement(text, node, _last_of_block(node, tree, parents, gone), keep)
        for node, keep in removals.items()
    ]


def _last_of_block(
    node: ast.stmt, tree: ast.Module, parents: dict[ast.AST, ast.AST], gone: set[Any]
) -> bool:
    """Whether removing ``node`` (with the other ``gone`` statements) would leave its
    block empty, so it must become ``pass`` (the block's first removed statement does)."""
    parent = parents.get(node)
    if parent is None or parent is tree:
        return False
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and node in block:
            remaining = [s for s in block if s not in gone]
            return not remaining and block[0] is node
    return False


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _probed(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` sits in a ``try`` statement (body, handlers, else) with a handler
    that catches ``ImportError``: removing it would change what the probe finds."""
    child, parent = node, parents.get(node)
    while parent is not None and not isinstance(parent, _SCOPES):
        if (
            isinstance(parent, ast.Try | ast.TryStar)
            and child not in parent.finalbody
            and any(_catches_import_error(h.type) for h in parent.handlers)
        ):
            return True
        child, parent = parent, parents.get(parent)
    return False


def _catches_import_error(kind: ast.expr | None) -> bool:
    if kind is None:  # a bare ``except:``
        return True
    if isinstance(kind, ast.Tuple):
        return any(_catches_import_error(k) for k in kind.elts)
    name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")
    return name in _IMPORT_ERRORS


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _pyflakes_name(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    """The name pyflakes uses for an imported binding in its messages."""
    if isinstance(node, ast.ImportFrom):
        dots = "." * node.level
        module = dots + (node.module or "")
        if alias.name == "*":
            return f"from {module} import *" if module == dots else f"{module}.*"
        full = f"{module}.{alias.name}" if module != dots else module + alias.name
        renamed = alias.asname and alias.asname != alias.name
        return f"{full} as {alias.asname}" if renamed else full
    renamed = alias.asname and alias.asname != alias.name.split(".")[-1]
    return f"{alias.name} as {alias.asname}" if renamed else alias.name


def _reexport(
    node: ast.Import | ast.ImportFrom, alias: ast.alias, path: str, parents: dict[ast.AST, ast.AST]
) -> bool:
    """An import that is there for others to import: fix all must not remove it."""
    if alias.name in ("*", alias.asname):
        return True
    if os.path.basename(path) != "__init__.py":
        return False
    parent = parents.get(node)
    while parent is not None:  # module level (under ``if``/``try`` too), not in a def
        if isinstance(parent, _SCOPES):
            return False
        parent = parents.get(parent)
    return True


def _replace_statement(
    text: str, node: ast.Import | ast.ImportFrom, alone: bool, keep: list[ast.alias]
) -> TextEdit:
    lines = text.split("\n")
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    start = Position(first, _column(lines, first, node.col_offset))
    end = Position(last, _column(lines, last, node.end_col_offset or 0))
    if keep:
        names = ", ".join(f"{a.name} as {a.asname}" if a.asname else a.name for a in keep)
        if isinstance(node, ast.ImportFrom):
            new = f"from {'.' * node.level}{node.module or ''} import {names}"
        else:
            new = f"import {names}"
        return TextEdit(Range(start, end), new)
    before = lines[first][: start.character]
    after = lines[last][end.character :]
    shares_line = before.rstrip().endswith(";")  # then the comment is the line's
    if _comment_only(after) and not shares_line:  # the statement's comment goes with it
        end = Position(last, len(lines[last]))
        after = ""
    if alone or before.strip() or after.strip():
        return TextEdit(Range(start, end), "pass")
    line_end = Position(last + 1, 0) if last + 1 < len(lines) else end
    return TextEdit(Range(Position(first, 0), line_end), "")


def _comment_only(rest: str) -> bool:
    """Whether the text after a statement on its line is blank or just a comment."""
    return not rest.strip() or rest.lstrip().startswith("#")
