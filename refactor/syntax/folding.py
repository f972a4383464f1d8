"""Folding ranges from ``queries/<lang>/folds.scm`` (captures ``@fold``, ``@fold.comment``,
``@fold.imports``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refactor.syntax.languages import load_query

if TYPE_CHECKING:
    from tree_sitter import Node

    from refactor.syntax.document import ParsedDocument

_CLOSERS = frozenset({"}", "]", ")", "end", "fi", "done", "esac"})
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
    by_start: dict[int, Fold] = {}
    for capture, nodes in QueryCursor(query).captures(doc.tree.root_node).items():
        kind = capture.removeprefix("fold").removeprefix(".") or None
        spans = [(int(node.start_point[0]), _end_line(node)) for node in nodes]
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


def _end_line(node: Node) -> int:
    """Last line to hide: keep a closing bracket's line visible."""
    end_row, end_column = node.end_point
    last = node.children[-1] if node.child_count else None
    if last is not None and last.type in _CLOSERS and last.start_point[0] > node.start_point[0]:
        return int(last.start_point[0]) - 1
    if end_column == 0 and end_row > node.start_point[0]:
        return int(end_row) - 1
    return int(end_row)
