"""Edits by line range (the AI tasks' answers), comment requests, and the context
builder's budget."""

from __future__ import annotations

import pytest

from agent.code_context import CodeContext, ContextTooLarge, Definition, Diagnostic, build
from agent.context import CHARS_PER_TOKEN
from agent.line_edits import (
    EditError,
    apply_edits,
    check_parses,
    comment_request,
    parse_edits,
    remove_comment,
)

TEXT = "a = 1\nb = 2\nc = 3\n"


def edit(start: int, end: int, old: str, new: str) -> dict[str, object]:
    return {"startLine": start, "endLine": end, "oldText": old, "newText": new}


def test_replace_insert_and_delete() -> None:
    edits = parse_edits(
        [edit(2, 2, "b = 2", "b = 20\nbb = 21"), edit(1, 0, "", "# head"), edit(3, 3, "c = 3", "")],
        TEXT,
    )
    assert apply_edits(TEXT, edits) == "# head\na = 1\nb = 20\nbb = 21\n"


def test_line_endings_and_trailing_blanks_are_kept() -> None:
    crlf = "a = 1  \r\nb = 2\r\n"
    edits = parse_edits([edit(1, 1, "a = 1", "a = 10")], crlf)
    assert apply_edits(crlf, edits) == "a = 10\r\nb = 2\r\n"
    assert apply_edits("x = 1", parse_edits([edit(1, 1, "x = 1", "x = 2")], "x = 1")) == "x = 2"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "holds no edits"),
        ("edits", "holds no edits"),
        ([edit(2, 2, "b = 3", "b = 4")], "no longer hold"),
        ([edit(3, 5, "c = 3", "")], "do not exist"),
        ([edit(0, 0, "", "")], "do not exist"),
        ([{"startLine": "1", "endLine": 1, "oldText": "", "newText": ""}], "integers"),
        ([{"startLine": 1, "endLine": 1, "oldText": None, "newText": ""}], "strings"),
        ([edit(1, 2, "a = 1\nb = 2", "x"), edit(2, 2, "b = 2", "y")], "overlap"),
    ],
)
def test_malformed_edits_are_refused(raw: object, message: str) -> None:
    with pytest.raises(EditError, match=message):
        parse_edits(raw, TEXT)


def test_python_that_does_not_parse_is_refused() -> None:
    check_parses("ok.py", "def f():\n    return 1\n")
    check_parses("notes.txt", "def f(:\n")  # other languages are not checked
    with pytest.raises(EditError, match="does not parse"):
        check_parses("bad.py", "def f(:\n")


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("    # make this async AI!", (4, "make this async")),
        ("x = 1  # use a constant AI!", (7, "use a constant")),
        ("// @claude add logging", (0, "add logging")),
        ("# @claude", None),
        ("x = '# not a comment AI!'", None),
        ("# just a note", None),
        ("# AI! at the start", None),
    ],
)
def test_comment_requests(line: str, found: tuple[int, str] | None) -> None:
    assert comment_request(line) == found


def test_the_request_comment_is_removed() -> None:
    text = "def f():\n    # make it faster AI!\n    return 1\n"
    assert remove_comment(text, "    # make it faster AI!") == "def f():\n    return 1\n"
    trailing = "x = 1  # use a constant AI!\n"
    assert remove_comment(trailing, "x = 1  # use a constant AI!") == "x = 1\n"
    assert remove_comment("y = 2\n", "x = 1  # gone AI!") == "y = 2\n"


def test_context_fits_its_budget_and_keeps_the_target() -> None:
    text = "".join(f"line_{n} = {n}\n" for n in range(5000))
    context = CodeContext(
        path="big.py",
        text=text,
        target=(2500, 2502),
        definition=Definition("thing", "function", 2500, 2502),
        diagnostics=[Diagnostic(2501, 2501, "bad", "warning", "lint", "X1")],
        diff="+" + "x" * 50_000,
        open_files=["a.py", "b.py"],
        repo_map="other.py\n  1: def helper():\n" * 2000,
    )
    for budget in (500, 2_000, 12_000):
        prompt = build(context, "Do the task.", budget)
        assert len(prompt) <= budget * CHARS_PER_TOKEN
        assert "  2501\tline_2500 = 2500" in prompt
        assert "line 2502: warning [lint/X1]: bad" in prompt
    small = build(CodeContext(path="s.py", text="x = 1\n"), "Task", 12_000)
    assert '<file path="s.py" lines="1-1" total="1">\n     1\tx = 1\n</file>' in small


def test_a_target_over_the_budget_on_its_own_is_refused_not_cut() -> None:
    text = "".join(f"    value_{n} = compute({n})\n" for n in range(3000))
    context = CodeContext(
        path="big.py", text="def big():\n" + text, target=(0, 3000),
        definition=Definition("big", "function", 0, 3000),
    )  # fmt: skip
    with pytest.raises(ContextTooLarge, match=r"lines 1-3001, about [\d,]+ tokens\) is over"):
        build(context, "Add a docstring.", 12_000)
    assert len(build(context, "Add a docstring.", 40_000)) <= 40_000 * CHARS_PER_TOKEN
