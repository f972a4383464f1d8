"""The Edit tool's matching, as the model sees it: the text written, or the message
that tells it what to fix. Written to kill the mutants `scripts/mutation.sh matching`
found surviving."""

from __future__ import annotations

import pytest

from agent.tools.matching import EditFailed, apply_edit

TABS = "def f():\n\tif a:\n\t\tx = 1\n\t\ty = 2\n"
TEN = "".join(f"line{i} = {i}\n" for i in range(1, 11))
MISS = (
    "old_string was not found in the file (even ignoring line endings, indentation style "
    "and trailing whitespace). Nothing was changed.\n"
)


def refused(text: str, old: str, new: str = "zzz = 0\n") -> str:
    with pytest.raises(EditFailed) as caught:
        apply_edit(text, old, new)
    return str(caught.value)


def test_a_miss_shows_the_closest_lines_and_the_first_difference() -> None:
    assert refused(TEN, "line5 = 5\nline6 = 60\n") == (
        MISS + "The closest lines in the file are:\n"
        "     3\tline3 = 3\n     4\tline4 = 4\n     5\tline5 = 5\n"
        "     6\tline6 = 6\n     7\tline7 = 7\n     8\tline8 = 8\n"
        "First difference at line 6: the file has `line6 = 6`, old_string has `line6 = 60`."
    )


def test_a_miss_past_the_end_of_the_file() -> None:
    assert refused(TEN, "line9 = 9\nline10 = 10\nline11 = 11\n") == (
        MISS + "The closest lines in the file are:\n"
        "     7\tline7 = 7\n     8\tline8 = 8\n     9\tline9 = 9\n    10\tline10 = 10\n"
        "First difference at line 11: the file has `(end of file)`, old_string has "
        "`line11 = 11`."
    )


def test_a_miss_whose_old_string_starts_with_blank_lines() -> None:
    assert refused(TEN, "\nline5 = 5\nline6 = 60\n") == (
        MISS + "The closest lines in the file are:\n"
        "     2\tline2 = 2\n     3\tline3 = 3\n     4\tline4 = 4\n     5\tline5 = 5\n"
        "     6\tline6 = 6\n     7\tline7 = 7\n     8\tline8 = 8\n"
        "First difference at line 4: the file has `line4 = 4`, old_string has ``."
    )


def test_a_miss_in_a_file_with_carriage_returns_shows_them_stripped() -> None:
    text = TEN.replace("\n", "\r\n").replace("line3 = 3\r\n", "line3 = 3\n")
    message = refused(text, "line5 = 5\nline6 = 60\n")
    assert "\r" not in message
    assert "     5\tline5 = 5\n     6\tline6 = 6\n" in message


def test_a_miss_with_nothing_alike() -> None:
    assert refused(TEN, "completely different\n") == (
        MISS + "No similar lines were found; Read the file again and copy old_string from it."
    )
    assert refused("a = 1\n", "b = 2\n") == (
        MISS + "The closest lines in the file are:\n     1\ta = 1\n"
        "First difference at line 1: the file has `a = 1`, old_string has `b = 2`."
    )


def test_nesting_is_checked_past_a_blank_line() -> None:
    text = "def f():\n    if a:\n        x = 1\n\n    y = 2\n"
    assert refused(text, "if a:\n    x = 1\n\n    y = 2\n").startswith(MISS)


def test_lines_the_model_nested_differently_do_not_match() -> None:
    # two depths in old_string, one in the file
    assert refused("def f():\n    a = 1\n    b = 2\n", "  a = 1 \n    b = 2\n").startswith(MISS)
    # a tab and eight spaces are as deep, but the file nests them
    assert refused("if a:\n    b = 1\n        c = 2\n", "\tb = 1\n        c = 2\n").startswith(MISS)


def test_a_tab_and_eight_spaces_at_one_depth_match() -> None:
    applied = apply_edit("if a:\n    b = 1\n    c = 2\n", "\tb = 1\n        c = 2\n", "\tb = 3\n")
    assert applied.text == "if a:\n    b = 3\n"


def test_new_blank_lines_stay_empty_and_names_keep_their_letters() -> None:
    applied = apply_edit(TABS, "    x = 1\n", "    x = 1\n\n    XS = 2\n")
    assert applied.text == "def f():\n\tif a:\n\t\tx = 1\n\n\t\tXS = 2\n\t\ty = 2\n"


def test_deleting_lines_found_by_their_whitespace() -> None:
    assert apply_edit(TABS, "  x = 1\n  y = 2\n", "").text == "def f():\n\tif a:\n"


def test_inserting_before_the_last_line_of_a_file_without_a_final_newline() -> None:
    applied = apply_edit("if a:\n\tb = 2\n\tc = 3", "    c = 3\n", "    a0 = 0\n    c = 3\n")
    assert applied.text == "if a:\n\tb = 2\n\ta0 = 0\n\tc = 3\n"


def test_alignment_spaces_beyond_whole_units_are_kept() -> None:
    applied = apply_edit(TABS, "    x = 1\n", "    x = call(\n          1)\n")
    assert applied.text == "def f():\n\tif a:\n\t\tx = call(\n\t\t\t  1)\n\t\ty = 2\n"


DOUBLE = "if a:\n\tx = 1\nif b:\n\tx = 1\n"


def test_two_whitespace_matches_need_replace_all() -> None:
    assert refused(DOUBLE, "    x = 1\n", "    x = 2\n") == (
        "old_string matches 2 places (lines 2, 4). Nothing was changed. Include more "
        "surrounding lines to make it unique, or set replace_all to change every occurrence."
    )
    applied = apply_edit(DOUBLE, "    x = 1\n", "    x = 2\n", replace_all=True)
    assert (applied.text, applied.count, applied.first_line) == (
        "if a:\n\tx = 2\nif b:\n\tx = 2\n",
        2,
        2,
    )


def test_a_whitespace_match_on_the_first_line() -> None:
    applied = apply_edit("\tx = 1\ny = 2\n", "    x = 1\n", "    x = 3\n")
    assert (applied.text, applied.first_line, applied.how) == ("\tx = 3\ny = 2\n", 1, "whitespace")


def test_an_old_string_of_blanks_is_refused() -> None:
    assert refused(DOUBLE, "   \n\t\n", "x\n") == (
        "old_string is only whitespace; include the text around the change."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\r\n\tb = 1\n", "a:\r\n\tb = 1\n\tc = 2\n"),  # half CRLF: LF
        ("a:\r\n\tb = 1\r\n\tb2 = 1\n", "a:\r\n\tb = 1\r\n\tc = 2\r\n\tb2 = 1\n"),  # most
    ],
)
def test_new_lines_take_the_most_common_line_ending(text: str, expected: str) -> None:
    assert apply_edit(text, "    b = 1\n", "    b = 1\n    c = 2\n").text == expected


def test_blank_lines_shared_by_old_and_new_are_not_matched() -> None:
    applied = apply_edit(TABS, "\n        x = 1\n\n", "\n        x = 5\n\n")
    assert applied.text == "def f():\n\tif a:\n\t\tx = 5\n\t\ty = 2\n"


def test_a_blank_line_past_the_end_of_the_file_does_not_match() -> None:
    assert refused(TABS, "        y = 2\n\n", "        y = 3\n").startswith(MISS)


def ambiguous(places: int, lines: str) -> str:
    return (
        f"old_string matches {places} places (lines {lines}). Nothing was changed. Include "
        "more surrounding lines to make it unique, or set replace_all to change every "
        "occurrence."
    )


@pytest.mark.parametrize(
    ("text", "old", "new", "expected"),
    [
        ("a = 1\r\nb = 2\r\nc = 3\r\n", "a = 1\nb = 2\n", "a = 1\nb = 20\n",
         "a = 1\r\nb = 20\r\nc = 3\r\n"),
        ("a = 1\nb = 2\n", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n", "a = 1\nb = 3\n"),
    ],
)  # fmt: skip
def test_line_endings_are_read_as_the_files(text: str, old: str, new: str, expected: str) -> None:
    applied = apply_edit(text, old, new)
    assert (applied.text, applied.how) == (expected, "line endings")


@pytest.mark.parametrize(
    ("text", "old", "new", "expected"),
    [
        ("x\r\ny\r\nx\r\ny\r\n", "x\ny\n", "z\n", "z\r\nz\r\n"),
        ("x\ny\nx\ny\n", "x\r\ny\r\n", "z\r\n", "z\nz\n"),
    ],
)
def test_line_ending_matches_in_two_places(text: str, old: str, new: str, expected: str) -> None:
    assert refused(text, old, new) == ambiguous(2, "1, 3")
    applied = apply_edit(text, old, new, replace_all=True)
    assert (applied.text, applied.count, applied.how) == (expected, 2, "line endings")


def test_a_file_with_mixed_line_endings_keeps_them() -> None:
    applied = apply_edit("a = 1\r\nb = 2\n", "a = 1\nb = 2\n", "a = 1\nb = 3\n")
    assert (applied.text, applied.how) == ("a = 1\r\nb = 3\n", "whitespace")
    applied = apply_edit("a = 1\rb = 2\r\n", "a = 1\rb = 2\n", "a = 1\rb = 3\n")
    assert (applied.text, applied.how) == ("a = 1\rb = 3\r\n", "whitespace")


def test_ten_places_are_listed_and_more_are_cut() -> None:
    assert refused("x\n" * 10, "x", "y") == ambiguous(10, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10")
    assert refused("x\n" * 11, "x", "y") == ambiguous(11, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10 …")


def test_new_lines_less_indented_than_old_step_out_by_whole_units() -> None:
    applied = apply_edit(TABS, "        x = 1\n", "        x = 1\n    z = 0\n")
    assert applied.text == "def f():\n\tif a:\n\t\tx = 1\n\tz = 0\n\t\ty = 2\n"
    nested = "def f():\n\tif a:\n\t\tx = 1\n"
    applied = apply_edit(nested, "    if a:\n        x = 1\n", "    if a:\n        x = 1\nz = 0\n")
    assert applied.text == "def f():\n\tif a:\n\t\tx = 1\nz = 0\n"


def test_a_new_line_that_cannot_be_stepped_out_is_refused() -> None:
    spaces = "def f():\n  if a:\n    x = 1\n"
    old, new = "    if a:\n        x = 1\n", "    if a:\n        x = 1\n z = 0\n"
    assert refused(spaces, old, new) == (
        "new_string has a line indented less than all of old_string, and it cannot be "
        "placed in this file's indentation style; copy old_string and new_string with "
        "the file's exact indentation."
    )


def test_the_first_changed_line_and_the_stage_are_reported() -> None:
    applied = apply_edit(TEN, "line3 = 3", "line3 = 30")
    assert (applied.first_line, applied.how) == (3, "exact")
    assert applied.text == TEN.replace("line3 = 3\n", "line3 = 30\n")
    applied = apply_edit("a\r\nb\r\nc\r\n", "b\nc\n", "B\nc\n")
    assert (applied.text, applied.first_line, applied.how) == ("a\r\nB\r\nc\r\n", 2, "line endings")
    applied = apply_edit("a\nb\nc\n", "b\r\nc\r\n", "B\r\nc\r\n")
    assert (applied.text, applied.first_line) == ("a\nB\nc\n", 2)


def test_nothing_to_change_is_refused() -> None:
    assert refused(TEN, "line1", "line1") == (
        "old_string and new_string are identical: there is nothing to change."
    )
    assert refused(TEN, "", "x") == "old_string is empty. Give the text to replace, or use Write."


def test_the_last_matched_line_keeps_its_own_ending() -> None:
    applied = apply_edit("a:\r\n\tb = 1\n\tc = 2\r\n", "    b = 1", "    b = 5")
    assert applied.text == "a:\r\n\tb = 5\n\tc = 2\r\n"


@pytest.mark.parametrize(
    ("text", "old", "new", "expected"),
    [
        ("a = 1\nb = 2\n", "b = 2", "b = 3\r\nc = 4", "a = 1\nb = 3\nc = 4\n"),
        ("a = 1\r\nb = 2\r\n", "b = 2", "b = 3\nc = 4", "a = 1\r\nb = 3\r\nc = 4\r\n"),
        ("a\r\nb\n", "b", "c\r\nd", "a\r\nc\r\nd\n"),  # mixed: as given
        ("x", "x", "y\r\nz", "y\r\nz"),  # no line yet: as given
    ],
)
def test_new_text_takes_the_files_line_endings(
    text: str, old: str, new: str, expected: str
) -> None:
    assert apply_edit(text, old, new).text == expected


FIVE = TABS.replace("x = 1", "x = 5")


@pytest.mark.parametrize(
    ("text", "old", "new", "expected", "how"),
    [
        ("a\r\nb\r\n", "b", "c\r\nd", "a\r\nc\r\nd\r\n", "exact"),
        ("a\r\nb\n", "b", "c\nd", "a\r\nc\nd\n", "exact"),  # mixed: as given
        ("a\r\nb\nc\n", "b\r\nc\r\n", "B\r\nc\r\n", "a\r\nB\nc\n", "whitespace"),
        (TABS, "\n        x = 1", "\n        x = 5", FIVE, "whitespace"),
        (TABS, "        x = 1\n\n", "        x = 5\n\n", FIVE, "whitespace"),
    ],
)  # fmt: skip
def test_line_endings_and_blank_edges_more(
    text: str, old: str, new: str, expected: str, how: str
) -> None:
    applied = apply_edit(text, old, new)
    assert (applied.text, applied.how) == (expected, how)
