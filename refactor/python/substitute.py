"""Put an expression where names were, parenthesised exactly where precedence needs it.

Inlining is textual (rope's and ours): ``x = a + b`` then ``x * 2`` must become
``(a + b) * 2``, and ``not f(p, q)`` with ``return p and q`` must become
``not (p and q)``. An insertion is right when the new tree holds, at exactly the
inserted text, the expression that was inlined: no operator around it took one of its
operands. Each insertion goes in bare when that holds and in parentheses otherwise,
and the result is checked the same way before it is returned.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable

from refactor.python.edits import RefactorError
from refactor.text import line_starts, utf8_prefix

Span = tuple[int, int]


def node_span(text: str, starts: list[int], node: ast.AST) -> Span:
    """A node's [start, end) code point offsets in ``text`` (``starts``: line starts)."""
    lines = text.split("\n") if not text.isascii() else None

    def offset(line: int, col: int) -> int:
        if lines is not None and line - 1 < len(lines):
            col = len(utf8_prefix(lines[line - 1], col))
        return starts[line - 1] + col

    end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
    end_col = getattr(node, "end_col_offset", None) or 0
    return offset(node.lineno, node.col_offset), offset(end_line, end_col)  # type: ignore[attr-defined]


def parse(text: str, path: str = "<inline>") -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return None


def compile_problem(new: str, old: str) -> str | None:
    """Why ``new`` does not compile when ``old`` did (``ast.parse`` misses some errors,
    such as ``:=`` in a comprehension's iterable), else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new, "<refactor>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(old, "<refactor>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return None  # it did not compile before either
        return f"refused: the result would not compile ({getattr(error, 'msg', error)})"
    return None


def expression(text: str) -> ast.expr:
    """``text`` parsed as one expression (it may span lines)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(f"(\n{text}\n)", mode="eval").body
    except (SyntaxError, ValueError) as error:
        raise RefactorError(f"cannot read the expression {text!r}: {error}") from error


def substitute(text: str, spans: Iterable[Span], value: str) -> str:
    """``text`` with every span replaced by ``value`` (an expression's source), each one
    in parentheses only when the surrounding code would otherwise take it apart.

    Raises `RefactorError` when even parentheses do not give back the expression (the
    caller then refuses: wrong code is never returned).
    """
    return substitute_all(text, [(span, value) for span in spans])


def substitute_all(text: str, replacements: Iterable[tuple[Span, str]]) -> str:
    """`substitute` with a value per span (spans must not overlap)."""
    ordered = sorted(dict(replacements).items())
    if not ordered:
        return text
    wants = [ast.dump(expression(value)) for _, value in ordered]
    wrapped = ["\n" in value for _, value in ordered]  # a bare line break ends a statement
    result, inserted = _apply(text, ordered, wrapped)
    bad = _mismatches(result, inserted, wants)
    if bad is None:  # does not parse at all: try everything in parentheses
        wrapped = [True] * len(ordered)
    else:
        for index in bad:
            wrapped[index] = True
    if bad != []:
        result, inserted = _apply(text, ordered, wrapped)
    bad = _mismatches(result, inserted, wants)
    if bad != []:
        value = ordered[bad[0]][1] if bad else ordered[0][1]
        raise RefactorError(
            f"refused: `{value}` cannot be put in place of the name without changing "
            "what the code means"
        )
    return result


def _apply(
    text: str, replacements: list[tuple[Span, str]], wrapped: list[bool]
) -> tuple[str, list[Span]]:
    """The new text and where each inserted expression (without its parentheses) is."""
    pieces: list[str] = []
    inserted: list[Span] = []
    last = 0
    length = 0
    for ((start, end), value), paren in zip(replacements, wrapped, strict=True):
        pieces.append(text[last:start])
        length += start - last
        piece = f"({value})" if paren else value
        inner = length + (1 if paren else 0)
        inserted.append((inner, inner + len(value)))
        pieces.append(piece)
        length += len(piece)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), inserted


def _mismatches(text: str, inserted: list[Span], wants: list[str]) -> list[int] | None:
    """Indexes of insertions the new tree does not hold as the expression (None: the
    text does not parse)."""
    tree = parse(text)
    if tree is None:
        return None
    starts = line_starts(text)
    found: dict[Span, list[str]] = {}
    targets = set(inserted) | {(start - 1, end + 1) for start, end in inserted}
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            span = node_span(text, starts, node)
            if span in targets:
                found.setdefault(span, []).append(ast.dump(node))
    # A tuple's own parentheses belong to its node: accept the span around them too.
    return [
        i
        for i, (start, end) in enumerate(inserted)
        if wants[i] not in found.get((start, end), []) + found.get((start - 1, end + 1), [])
    ]
