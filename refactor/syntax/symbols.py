"""Document symbols from ``queries/<lang>/symbols.scm``.

A query pattern captures the whole definition as ``@symbol.<kind>`` and its name as
``@name`` (optionally ``@detail`` for a one-line detail such as a signature). Several
``@name`` nodes are joined by a space, or by the pattern's ``(#set! name.join "#")``. Kinds are
plain words (``class``, ``function``, ``method``, ``variable`` …) that the server maps to
LSP symbol kinds. Nesting follows source containment; a ``function`` directly inside a
class-like symbol becomes a ``method``. When several patterns capture the same definition
node, the one that comes first in the query file wins, so a specific pattern (an arrow
function assigned to a const) placed before a general one (any const) takes precedence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

from refactor.syntax.document import MAX_QUERY_DEPTH
from refactor.syntax.languages import load_query
from refactor.text import Range

if TYPE_CHECKING:
    from refactor.syntax.document import ParsedDocument

CLASS_LIKE = frozenset({"class", "struct", "interface", "enum", "trait", "impl", "object"})
MAX_DEPTH = 64
MAX_SYMBOLS = 20_000
_MAX_NAME = 120


@dataclass
class Symbol:
    name: str
    kind: str
    range: Range
    selection_range: Range
    detail: str | None = None
    children: list[Symbol] = field(default_factory=list)


def document_symbols(doc: ParsedDocument) -> list[Symbol]:
    """The symbol tree of a document (empty when its language has no symbols query)."""
    from tree_sitter import QueryCursor

    query = load_query(doc.lang, "symbols")
    if query is None:
        return []
    # (start byte, end byte) of the definition -> (pattern index, symbol)
    found: dict[tuple[int, int], tuple[int, Symbol]] = {}
    cursor = QueryCursor(query)
    cursor.set_max_start_depth(MAX_QUERY_DEPTH)
    matches = chain.from_iterable(cursor.matches(root) for root in doc.query_roots())
    for pattern, captures in matches:
        symbol_node = kind = None
        for capture, nodes in captures.items():
            if capture.startswith("symbol."):
                symbol_node, kind = nodes[0], capture.removeprefix("symbol.")
        names = captures.get("name")
        if symbol_node is None or kind is None or not names:
            continue
        key = (symbol_node.start_byte, symbol_node.end_byte)
        known = found.get(key)
        if known is not None and known[0] <= pattern:
            continue
        name_node = names[0]
        separator = query.pattern_settings(pattern).get("name.join")
        if separator is None:
            separator = " "
        name = separator.join(n.text.decode("utf-8", "replace") for n in names if n.text)
        detail_nodes = captures.get("detail")
        detail = None
        if detail_nodes and detail_nodes[0].text:
            detail = " ".join(detail_nodes[0].text.decode("utf-8", "replace").split())
        symbol = Symbol(
            name=_clean(name) or "<anonymous>",
            kind=kind,
            range=Range(doc.start_of(symbol_node), doc.end_of(symbol_node)),
            selection_range=Range(doc.start_of(name_node), doc.end_of(name_node)),
            detail=_clean(detail) if detail else None,
        )
        found[key] = (pattern, symbol)
        if len(found) >= MAX_SYMBOLS:
            break
    ordered = sorted(found.items(), key=lambda item: (item[0][0], -item[0][1]))
    return _nest([symbol for _, (_, symbol) in ordered])


def _nest(symbols: list[Symbol]) -> list[Symbol]:
    roots: list[Symbol] = []
    stack: list[Symbol] = []
    for symbol in symbols:
        while stack and not stack[-1].range.contains(symbol.range):
            stack.pop()
        if len(stack) >= MAX_DEPTH:
            continue
        if stack:
            parent = stack[-1]
            if symbol.kind == "function" and parent.kind in CLASS_LIKE:
                symbol.kind = "method"
            parent.children.append(symbol)
        else:
            roots.append(symbol)
        stack.append(symbol)
    return roots


def _clean(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1] + "…"
