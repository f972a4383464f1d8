"""Syntax errors from a tree-sitter tree: one readable problem per error region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refactor.text import Range

if TYPE_CHECKING:
    from tree_sitter import Node

    from refactor.syntax.document import ParsedDocument

_MAX_TOKEN = 24


@dataclass(frozen=True)
class SyntaxProblem:
    range: Range
    message: str


def syntax_errors(doc: ParsedDocument, limit: int = 100) -> list[SyntaxProblem]:
    """ERROR and MISSING nodes as problems, at most one per line and ``limit`` in all.

    The walk descends only into nodes that contain an error and never into an ERROR
    node itself, so a typo yields one problem rather than a cascade.
    """
    root = doc.tree.root_node
    if not root.has_error:
        return []
    problems: list[SyntaxProblem] = []
    last_line = -1
    stack = [root]
    while stack and len(problems) < limit:
        node = stack.pop()
        problem = _problem(doc, node)
        if problem is not None:
            if problem.range.start.line != last_line:
                problems.append(problem)
                last_line = problem.range.start.line
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return problems


def _problem(doc: ParsedDocument, node: Node) -> SyntaxProblem | None:
    if node.is_missing:
        start = doc.start_of(node)
        return SyntaxProblem(Range(start, start), f"missing `{_display(node.type)}`")
    if not node.is_error:
        return None
    bracket = _unbalanced_bracket(node)
    if bracket is not None:
        span = Range(doc.start_of(bracket), doc.end_of(bracket))
        if bracket.type in _OPENERS:
            return SyntaxProblem(span, f"`{bracket.type}` was never closed")
        return SyntaxProblem(span, f"unexpected `{bracket.type}`")
    token = _first_token(node)
    if token is None or token.start_byte == token.end_byte:
        start = doc.start_of(node)
        end = doc.end_of(node) if node.end_point[0] == node.start_point[0] else start
        return SyntaxProblem(Range(start, end), "syntax error")
    text = _token_text(token)
    return SyntaxProblem(
        Range(doc.start_of(token), doc.end_of(token)), f"unexpected `{_display(text)}`"
    )


_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")", "]", "}"}
_MAX_LEAVES = 5_000


def _unbalanced_bracket(node: Node) -> Node | None:
    """The first bracket inside an error region that has no partner there: a stray
    closer, or else the outermost opener left open (the usual cause of the error)."""
    openers: list[Node] = []
    stack = [node]
    seen = 0
    while stack and seen < _MAX_LEAVES:
        current = stack.pop()
        if current.child_count:
            stack.extend(reversed(current.children))
            continue
        seen += 1
        kind = current.type
        if current.is_missing:
            continue
        if kind in _OPENERS:
            openers.append(current)
        elif kind in _CLOSERS:
            if not openers or _OPENERS[openers[-1].type] != kind:
                return current
            openers.pop()
    return openers[0] if openers else None


def _first_token(node: Node) -> Node | None:
    """The first leaf under ``node`` that is not a comment."""
    current: Node | None = node
    while current is not None and current.child_count:
        children = [c for c in current.children if not c.is_extra]
        current = children[0] if children else current.children[0]
    return current


def _token_text(node: Node) -> str:
    raw = node.text or b""
    text = raw.decode("utf-8", errors="replace").splitlines()[0] if raw else node.type
    return text


def _display(text: str) -> str:
    """The token as a message shows it: control characters and lone surrogates escaped
    (a NUL byte reads ``\x00``), backquotes turned into quotes, long tokens cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    text = text.replace("`", "'")
    return text if len(text) <= _MAX_TOKEN else text[: _MAX_TOKEN - 1] + "…"
