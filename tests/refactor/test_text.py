"""Lines as LSP counts them: breaks at \\n (with its \\r), nowhere else."""

from __future__ import annotations

import re

import pytest

from refactor.python.rename import identifier_at
from refactor.syntax.document import ParsedDocument
from refactor.text import (
    Position,
    Range,
    TextEdit,
    keep_lone_cr,
    line_at,
    line_offset,
    line_starts,
)


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


def _lsp_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


@pytest.mark.parametrize(
    ("text", "edit", "lines"),
    [
        # deleting the line between a lone \r and a \n
        ("a\rb\r\n\nc", ((1, 0), (2, 0), ""), ["a", "", "c"]),
        # inserting text that starts with \n right after a lone \r
        ("a\rb", ((1, 0), (1, 0), "\nx"), ["a", "", "xb"]),
        # new text ending with \r put before a \n
        ("a\nb", ((0, 1), (0, 1), "z\r"), ["az", "", "b"]),
        # nothing to keep: a CRLF file
        ("a\r\nb", ((1, 0), (1, 1), "c"), ["a", "c"]),
    ],
)
def test_keep_lone_cr_keeps_every_line_break(
    text: str, edit: tuple[tuple[int, int], tuple[int, int], str], lines: list[str]
) -> None:
    (a, b), (c, d), new = edit
    [kept] = keep_lone_cr(text, [TextEdit(Range(Position(a, b), Position(c, d)), new)])
    starts = line_starts(text)
    start = line_offset(text, starts, kept.range.start.line, kept.range.start.character)
    end = line_offset(text, starts, kept.range.end.line, kept.range.end.character)
    assert _lsp_lines(text[:start] + kept.new_text + text[end:]) == lines
