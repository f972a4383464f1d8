"""Lines as LSP counts them: breaks at \\n (with its \\r), nowhere else."""

from __future__ import annotations

from refactor.python.rename import identifier_at
from refactor.syntax.document import ParsedDocument
from refactor.text import Position, Range, line_at, line_offset, line_starts


def test_lines_break_only_at_newline():
    text = "a\x0cb\n\u2028c\x85\r\nd"
    starts = line_starts(text)
    assert [line_at(text, starts, row) for row in range(len(starts))] == [
        "a\x0cb",
        "\u2028c\x85",
        "d",
    ]
    assert line_at(text, starts, 3) == ""


def test_a_column_past_the_end_of_a_crlf_line_stays_before_the_break():
    text = "x = 1\r\ny = 2\r\n"
    starts = line_starts(text)
    assert line_offset(text, starts, 0, 99) == text.index("\r")
    doc = ParsedDocument("python", text)
    assert doc.offset_at(0, 99) == text.index("\r")
    doc.edit(doc.offset_at(0, 99), doc.offset_at(0, 99), "  # one")
    assert doc.text == "x = 1  # one\r\ny = 2\r\n"


def test_identifier_after_a_form_feed_line():
    found = identifier_at("a = 1\n\x0c\nbee = 2\n", Position(2, 1))
    assert found == (Range(Position(2, 0), Position(2, 3)), "bee")
