"""Selection ranges: the chain of syntax nodes around a position, innermost first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from refactor.text import Position, Range

if TYPE_CHECKING:
    from refactor.syntax.document import ParsedDocument

# Deeply nested input (50,000 brackets) must not produce a chain nobody can serialise.
MAX_CHAIN = 100


def selection_chain(doc: ParsedDocument, position: Position) -> list[Range]:
    """Distinct enclosing ranges from the token at ``position`` out to the whole file."""
    root = doc.tree.root_node
    point = doc.point_of_position(position)
    node = root.descendant_for_point_range(point, point)
    chain: list[Range] = []
    last: tuple[tuple[int, int], tuple[int, int]] | None = None
    while node is not None and len(chain) < MAX_CHAIN - 1:
        key = (node.start_point, node.end_point)
        if key != last and node != root:
            chain.append(Range(doc.start_of(node), doc.end_of(node)))
            last = key
        node = node.parent
    whole = Range(doc.position_at(0), doc.position_at(len(doc.text)))
    if not chain or chain[-1] != whole:
        chain.append(whole)
    return chain
