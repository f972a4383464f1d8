"""The syntax under a selection, as the refactor listing sees it: positions, spans and
the nodes around the selection, each computed once and only along the path to it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from refactor.python.refactors import Refactoring
from refactor.text import Range, line_starts, utf8_prefix


@dataclass
class Site:
    path: str
    text: str
    tree: ast.Module
    range: Range
    start: int
    end: int

    def offer(
        self, refactor: str, title: str, kind: str, where: Range | None = None, **args: object
    ) -> Refactoring:
        return Refactoring(refactor, title, kind, self.path, where or self.range, dict(args))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """A node's [start, end) code point offsets (O(1): listing must stay cheap on
        5,000-line modules, where ``span`` runs for every statement)."""
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None) or 0
        return self.offset(line - 1, col), self.offset(end_line - 1, end_col)

    def offset(self, line: int, utf8_col: int) -> int:
        """Code point offset of an ``ast`` position (0-based line, UTF-8 byte column)."""
        lines, starts = self._lines
        if line >= len(lines):
            return len(self.text)
        text = lines[line]
        col = len(utf8_prefix(text, utf8_col))
        return starts[line] + min(col, len(text))

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """The parent of every node on the way to the selection (and of their children):
        all that offers ask about, without walking the whole module."""
        return self._holding[1]

    @cached_property
    def holding(self) -> list[ast.AST]:
        """Every node whose span holds the selection, outermost first."""
        return self._holding[0]

    @cached_property
    def _holding(self) -> tuple[list[ast.AST], dict[ast.AST, ast.AST]]:
        nodes: list[ast.AST] = [self.tree]
        parents: dict[ast.AST, ast.AST] = {}
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            for child in ast.iter_child_nodes(node):
                parents[child] = node
                if not hasattr(child, "lineno") or holds(self.span(child), self.start, self.end):
                    nodes.append(child)
        return nodes, parents

    def around(self, start: int, end: int) -> list[ast.AST]:
        """The nodes whose span holds [start, end), outermost first: a walk down one
        path of the tree instead of over all of it."""
        path: list[ast.AST] = [self.tree]
        while True:
            inner = next(
                (
                    child
                    for child in ast.iter_child_nodes(path[-1])
                    if hasattr(child, "lineno") and holds(self.span(child), start, end)
                ),
                None,
            )
            if inner is None:
                return path
            path.append(inner)

    @cached_property
    def _lines(self) -> tuple[list[str], list[int]]:
        return self.text.split("\n"), line_starts(self.text)

    def scope_of(self, node: ast.AST) -> ast.AST:
        parent = self.parents.get(node)
        while parent is not None and not isinstance(parent, SCOPES):
            parent = self.parents.get(parent)
        return parent if parent is not None else self.tree


def holds(span: tuple[int, int], start: int, end: int) -> bool:
    return span[0] <= start and end <= span[1]


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Module)
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def nodes_of_type(root: ast.AST, kind: type[ast.AST]) -> Iterator[ast.AST]:
    """Every node of exactly ``kind`` under ``root`` (``ast.walk`` with half the calls:
    listing runs this over whole 5,000-line modules)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if type(node) is kind:
            yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))


def same_shape(a: ast.AST, b: ast.AST, any_names: bool = False) -> bool:
    """``ast.dump(a) == ast.dump(b)`` without building either string, stopping at the
    first difference; with ``any_names``, names (``id``, ``arg``) may differ."""
    if type(a) is not type(b):
        return False
    for field in a._fields:
        if any_names and field in ("id", "arg"):
            continue
        x, y = getattr(a, field, None), getattr(b, field, None)
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return False
            if not all(_same(p, q, any_names) for p, q in zip(x, y, strict=True)):
                return False
        elif not _same(x, y, any_names):
            return False
    return True


def _same(x: object, y: object, any_names: bool) -> bool:
    if x is y:
        return True
    if isinstance(x, ast.AST) and isinstance(y, ast.AST):
        return same_shape(x, y, any_names)
    # As ast.dump compares values: by repr (1 is not True, 0.0 is not -0.0).
    return type(x) is type(y) and repr(x) == repr(y)
