"""Folding ranges from ``queries/<lang>/folds.scm`` (captures ``@fold``, ``@fold.comment``,
``@fold.imports``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refactor.syntax.document import MAX_QUERY_DEPTH
from refactor.syntax.languages import load_query

if TYPE_CHECKING:
    from tree_sitter import Node

    from refactor.syntax.document import ParsedDocument

# Last children whose line stays visible: brackets, shell keywords, HTML/JSX closing tags
# and the C preprocessor's #endif.
_CLOSERS = frozenset(
    {"}", "]", ")", "end", "fi", "done", "esac", "end_tag", "jsx_closing_element", "#endif"}
)
MAX_FOLDS = 20_000


@dataclass(frozen=True)
class Fold:
    start_line: int
    end_line: int
    kind: str | None = None  # "comment", "imports" or None (region)


def folding_ranges(doc: ParsedDocument) -> list[Fold]:
    """Multi-line foldable regions, one per start line (the outermost wins)."""
    from tree_sitter import QueryCursor

    query = load_query(doc.lang, "folds")
    if query is None:
        return []
    cursor = QueryCursor(query)
    cursor.set_max_start_depth(MAX_QUERY_DEPTH)
    captures: dict[str, list[Node]] = {}
    for root in doc.query_roots():
        for capture, nodes in cursor.captures(root).items():
            captures.setdefault(capture, []).extend(nodes)
    by_start: dict[int, Fold] = {}
    for capture, nodes in captures.items():
        kind = capture.removeprefix("fold").removeprefix(".") or None
        spans = [(int(node.start_point[0]), _end_line(doc, node)) for node in nodes]
        if kind == "imports":
            spans = _runs(spans)
        for start, end in spans:
            known = by_start.get(start)
            if end > start and (known is None or end > known.end_line):
                by_start[start] = Fold(start, end, kind)
        if len(by_start) >= MAX_FOLDS:
            break
    return [by_start[line] for line in sorted(by_start)]


def _runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge spans on consecutive lines (a block of import statements) into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _end_line(doc: ParsedDocument, node: Node) -> int:
    """Last line to hide: keep a closing bracket's line visible, skip trailing blank lines
    (a TOML table or a Markdown section runs on to the next header)."""
    start_row = int(node.start_point[0])
    end_row, end_column = node.end_point
    end = int(end_row)
    last = node.children[-1] if node.child_count else None
    if last is not None and last.type in _CLOSERS and last.start_point[0] > start_row:
        end = int(last.start_point[0]) - 1
    elif end_column == 0 and end > start_row:
        end -= 1
    while end > start_row and not doc.line(end).strip():
        end -= 1
    return end
