"""The agent's whole-file writes become one minimal TextEdit: applied by an editor
(UTF-16 positions) it must give exactly the new text, for any pair of texts."""

from __future__ import annotations

import random

import pytest

from refactor.text import line_at, line_starts
from server.convert import Columns
from server.editor_port import _minimal_edit, changed_lines
from tests.server.chat_support import apply_edits

PIECES = ["a", "b", "\n", "\r\n", "😀", "é", "\t", "  ", "x = 1\n", "def f():\n", ""]


def edit_for(old: str, new: str) -> object:
    starts = line_starts(old)
    return _minimal_edit(old, new, Columns(lambda row: line_at(old, starts, row), None), None)


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))


@pytest.mark.parametrize("seed", range(200))
def test_random_pairs_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    old = random_text(rng)
    new = rng.choice([random_text(rng), old + random_text(rng), random_text(rng) + old, old])
    assert apply_edits(old, [edit_for(old, new)]) == new


def test_only_the_changed_lines_are_replaced() -> None:
    old = "one\ntwo\nthree\nfour\n"
    new = "one\nTWO\nthree\nfour\n"
    start, old_end, new_end = changed_lines(old, new)
    assert (old[start:old_end], new[start:new_end]) == ("two\n", "TWO\n")
    edit = edit_for(old, new)
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (1, 2, "TWO\n")


def test_crlf_is_never_split() -> None:
    old = "a\r\nb\r\n"
    new = "a\r\nc\r\n"
    edit = edit_for(old, new)
    assert edit.range.start.character == 0 and edit.range.end.character == 0
    assert apply_edits(old, [edit]) == new
