"""A parsed document that follows the editor's edits incrementally.

Each edit is applied to the text and to the previous tree (``Tree.edit``); the tree is
re-parsed lazily, reusing the old one, the next time someone needs it. A burst of
keystrokes therefore costs one incremental parse, not one per keystroke.

Not thread-safe: the server touches a document only from its event loop.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from refactor.syntax.languages import load_language
from refactor.text import (
    Position,
    lf_breaks,
    line_at,
    line_offset,
    line_starts,
    utf8_len,
    utf8_prefix,
)

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

# Queries start no match deeper than this many nodes. Past it a query cursor slows down
# quadratically (50,000 nested brackets took 20-40 s per query); real code is far shallower.
MAX_QUERY_DEPTH = 1_000


class ParsedDocument:
    """Text plus its tree-sitter tree for one language."""

    def __init__(self, lang: str, text: str) -> None:
        from tree_sitter import Parser

        language = load_language(lang)
        if language is None:
            raise ValueError(f"no grammar for {lang}")
        self.lang = lang
        self._parser: Parser = Parser(language)
        self._text = text
        self._line_starts: list[int] | None = None
        self._tree: Tree = self._parser.parse(_encode(text))
        self._dirty = False
        self.full_parses = 1
        self.incremental_parses = 0

    @property
    def text(self) -> str:
        return self._text

    @property
    def tree(self) -> Tree:
        """The tree for the current text, re-parsed incrementally if edits are pending."""
        if self._dirty:
            self._tree = self._parser.parse(_encode(self._text), self._tree)
            self._dirty = False
            self.incremental_parses += 1
        return self._tree

    def query_roots(self) -> list[Node]:
        """The nodes to run a symbols or folds query on: the root, or, when the parser
        could build no structure at all (the root is one flat ERROR, e.g. after 50,000
        unclosed brackets), each of its children. Tree-sitter's query cursor is quadratic
        in a run of anonymous siblings (2 s per query at 50,000), and no pattern rooted at
        the file's node type can match an ERROR root anyway."""
        root = self.tree.root_node
        return root.children if root.is_error else [root]

    def replace(self, text: str) -> None:
        """Replace the whole text (a full-document sync); parses from scratch."""
        self._text = text
        self._line_starts = None
        self._tree = self._parser.parse(_encode(text))
        self._dirty = False
        self.full_parses += 1

    def edit(self, start: int, end: int, new_text: str) -> None:
        """Replace ``text[start:end]`` (code point offsets) by ``new_text``.

        Tree-sitter parses the text with every lone ``\r`` as ``\n`` (`lf_breaks`: its
        rows are then LSP's lines). Whether a ``\r`` is lone depends on the character
        after it, so a ``\r`` just before the edit joins the edited span."""
        old = self._text
        if not 0 <= start <= end <= len(old):
            raise ValueError(f"edit {start}:{end} outside a text of {len(old)} characters")
        new = old[:start] + new_text + old[end:]
        if start > 0 and old[start - 1] == "\r":
            start -= 1
        inserted = len(new) - len(old) + end - start  # the new span's length
        if "\r" in old or "\r" in new_text:
            old_seen, new_seen = lf_breaks(old), lf_breaks(new)
        else:
            old_seen, new_seen = old, new
        start_byte = utf8_len(old_seen[:start])
        old_end_byte = start_byte + utf8_len(old_seen[start:end])
        new_span = new_seen[start : start + inserted]
        new_end_byte = start_byte + utf8_len(new_span)
        start_point = _point(old_seen, start)
        old_end_point = _point(old_seen, end)
        newlines = new_span.count("\n")
        if newlines:
            tail = new_span[new_span.rfind("\n") + 1 :]
            new_end_point = (start_point[0] + newlines, utf8_len(tail))
        else:
            new_end_point = (start_point[0], start_point[1] + utf8_len(new_span))
        self._tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=start_point,
            old_end_point=old_end_point,
            new_end_point=new_end_point,
        )
        self._text = new
        self._line_starts = None
        self._dirty = True

    # -- positions -------------------------------------------------------------------

    def line_starts(self) -> list[int]:
        """Code point offset of the start of every line (see `refactor.text.line_starts`)."""
        if self._line_starts is None:
            self._line_starts = line_starts(self._text)
        return self._line_starts

    def line_count(self) -> int:
        return len(self.line_starts())

    def line(self, row: int) -> str:
        """Line ``row`` without its line break (see `refactor.text.line_at`)."""
        return line_at(self._text, self.line_starts(), row)

    def offset_at(self, line: int, character: int) -> int:
        """Code point offset of a position, clamped to the text like LSP clients expect."""
        return line_offset(self._text, self.line_starts(), line, character)

    def position_at(self, offset: int) -> Position:
        starts = self.line_starts()
        row = bisect_right(starts, offset) - 1
        return Position(row, offset - starts[row])

    def position_of_point(self, row: int, byte_column: int) -> Position:
        """Convert a tree-sitter point (row, UTF-8 byte column) to a Position."""
        return Position(row, len(utf8_prefix(self.line(row), byte_column)))

    def point_of_position(self, position: Position) -> tuple[int, int]:
        line = self.line(position.line)
        return (position.line, utf8_len(line[: position.character]))

    def start_of(self, node: Node) -> Position:
        row, column = node.start_point
        return self.position_of_point(row, column)

    def end_of(self, node: Node) -> Position:
        row, column = node.end_point
        return self.position_of_point(row, column)


def _point(text: str, offset: int) -> tuple[int, int]:
    row = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return (row, utf8_len(text[line_start:offset]))


def _encode(text: str) -> bytes:
    # Lone surrogates can arrive through JSON escapes; keep them rather than fail.
    return lf_breaks(text).encode("utf-8", errors="surrogatepass")
