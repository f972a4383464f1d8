"""The token- and ast-level parts of rename, without rope: which name a position
touches, what prepareRename refuses and why, ``__all__`` entries and strings that name
a renamed module."""

from __future__ import annotations

import pytest

from refactor.python.edits import RefactorError
from refactor.python.rename import (
    identifier_at,
    module_string_offsets,
    prepare_rename,
    rename_in_dunder_all,
)
from refactor.text import Position, Range


def _span(line: int, start: int, end: int) -> Range:
    return Range(Position(line, start), Position(line, end))


# -- the name at a position -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "found"),
    [
        ("x = total_2 + 1\n", (0, 6), (_span(0, 4, 11), "total_2")),  # inside
        ("x = total_2 + 1\n", (0, 4), (_span(0, 4, 11), "total_2")),  # at its start
        ("x = total_2 + 1\n", (0, 11), (_span(0, 4, 11), "total_2")),  # just after it
        ("x = _a_b\n", (0, 6), (_span(0, 4, 8), "_a_b")),  # underscores on both sides
        ("y = café\n", (0, 5), (_span(0, 4, 8), "café")),  # letters beyond ASCII
        ("a = 1\nx = abc", (1, 99), (_span(1, 4, 7), "abc")),  # past the end: clamped
        ("a = 1\r\nbc = 2\r\n", (1, 1), (_span(1, 0, 2), "bc")),  # CRLF lines
        ("a = 1\rbc = 2\r", (1, 0), (_span(1, 0, 2), "bc")),  # lone CR is a line break
    ],
)
def test_the_name_touching_a_position(
    text: str, at: tuple[int, int], found: tuple[Range, str]
) -> None:
    assert identifier_at(text, Position(*at)) == found


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("x = 1\n", (5, 0)),  # no such line
        ("x = 1\n", (1, 0)),  # the empty last line
        ("x = 1\n", (2, 0)),  # one past it
        ("x = 1", (1, 0)),
        ("x = 12\n", (0, 5)),  # a number is no name
        ("x = 1abc\n", (0, 6)),  # nor is a name glued to a number
        ("x = a + b\n", (0, 6)),  # between two names, touching neither
    ],
)
def test_no_name_at_a_position(text: str, at: tuple[int, int]) -> None:
    assert identifier_at(text, Position(*at)) is None


# -- prepareRename ------------------------------------------------------------------------

REPORT = (
    "import os.path as osp, json\n"  # 0
    "from shop import len\n"  # 1
    "def sum(values):\n"  # 2
    "    max = 1  # max and min\n"  # 3
    "    return min(values, key=abs), 'abs', max\n"  # 4
    "class type: pass\n"  # 5
    "match = 1\n"  # 6
    'x = rb"abc"\n'  # 7
)


@pytest.mark.parametrize(
    ("at", "name"),
    [
        ((2, 5), "sum"),  # a def shadows the builtin
        ((3, 5), "max"),  # an assignment does
        ((1, 18), "len"),  # an import does
        ((5, 7), "type"),  # a class does
        ((0, 20), "osp"),  # an alias
        ((0, 24), "json"),
    ],
)
def test_builtin_names_the_file_binds_can_be_renamed(at: tuple[int, int], name: str) -> None:
    assert prepare_rename(REPORT, Position(*at))[1] == name


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ((4, 12), "'min' is a builtin; it cannot be renamed"),
        ((4, 28), "'abs' is a builtin; it cannot be renamed"),
        ((4, 36), "there is no name to rename here (string or comment)"),  # 'abs'
        ((3, 16), "there is no name to rename here (string or comment)"),  # comment
        ((4, 5), "'return' is a keyword"),
        ((6, 2), "'match' is a keyword"),  # a soft keyword
        ((7, 4), "there is no name to rename here (string or comment)"),  # a prefix
        ((4, 22), "there is no name to rename here"),  # a space
    ],
)
def test_prepare_rename_refuses_saying_why(at: tuple[int, int], message: str) -> None:
    with pytest.raises(RefactorError) as info:
        prepare_rename(REPORT, Position(*at))
    assert str(info.value) == message


def test_a_parameter_or_a_dotted_import_shadows_a_builtin() -> None:
    assert prepare_rename("def f(id):\n    return id\n", Position(1, 12))[1] == "id"
    text = "import input.reader\ninput.reader.go()\n"
    assert prepare_rename(text, Position(1, 2))[1] == "input"
    # only the first part of a dotted import is bound, and a use binds nothing
    text = "import a.input\nprint(input, a.input)\n"
    with pytest.raises(RefactorError, match="'input' is a builtin"):
        prepare_rename(text, Position(1, 7))
    with pytest.raises(RefactorError, match="'print' is a builtin"):
        prepare_rename("import a\nprint(1)\n", Position(1, 1))


def test_a_builtin_in_a_file_that_does_not_parse_is_refused() -> None:
    with pytest.raises(RefactorError, match="'len' is a builtin"):
        prepare_rename("def len(:\nlen(x)\n", Position(1, 1))
    with pytest.raises(RefactorError, match="'len' is a builtin"):
        prepare_rename("len(x)\n\0", Position(0, 1))  # ast refuses NUL: ValueError


def test_names_next_to_strings_and_in_files_that_do_not_tokenize() -> None:
    # prepareRename runs on any text: a name right after a string is not in it …
    assert prepare_rename('x = "abc"y\n', Position(0, 9)) == (_span(0, 9, 10), "y")
    # … and a file that does not tokenize has no strings or comments to avoid
    assert prepare_rename('value = 1\n"""open', Position(0, 2)) == (_span(0, 0, 5), "value")
    assert prepare_rename("a = (\nbee", Position(1, 1)) == (_span(1, 0, 3), "bee")


# -- __all__ ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('__all__ = ["old", "other"]\n', '__all__ = ["new", "other"]\n'),
        ("__all__ = ('old',)\n", "__all__ = ('new',)\n"),
        ('__all__: list[str] = ["old"]\n', '__all__: list[str] = ["new"]\n'),
        ('__all__ += ["old"]\n', '__all__ += ["new"]\n'),
        ('__all__.append("old")\n', '__all__.append("new")\n'),
        ('__all__.extend(["old"])\n', '__all__.extend(["new"])\n'),
        ('names = __all__ = ["old"]\n', 'names = __all__ = ["new"]\n'),
        ('__all__ = [r"old", """old"""]\n', '__all__ = [r"new", """new"""]\n'),
        # several on one line, and columns after non-ASCII text (ast counts bytes)
        ('__all__ = ["é", "old"]; __all__.append("old")\n', None),
        # a string over two lines is left alone, and the others still renamed
        (
            '__all__ = ["old"]\n__all__ += [("ol"\n    "d")]\n',
            '__all__ = ["new"]\n__all__ += [("ol"\n    "d")]\n',
        ),
        (
            'x = 1\r\n__all__ = ["old"]\r\ny = "old"\r\n',
            'x = 1\r\n__all__ = ["new"]\r\ny = "old"\r\n',
        ),
        ('x = 1\r__all__ = ["old"]\ry = "old"\r', 'x = 1\r__all__ = ["new"]\ry = "old"\r'),
    ],
)
def test_dunder_all_entries_follow_the_rename(before: str, after: str | None) -> None:
    if after is None:
        after = before.replace('"old"', '"new"')
    assert rename_in_dunder_all(before, "old", "new") == after


@pytest.mark.parametrize(
    "text",
    [
        'names = ["old"]\n__all__ = []\n',  # another list
        '__all__ = ["older", "ol"]\n',  # other names
        '__all__.remove("old")\n',  # not an addition
        'print("old", __all__)\n',
        'other.__all__ = ["old"]\nother.__all__.append("old")\n',  # another module's
        'def f():\n    __all__ = ["old"]\n',  # not module-level
        "__all__: list[str]\nold = 1\n",
        '__all__ = [("ol"\n    "d")]\n',  # a string over two lines: left alone
        '__all__ = ["old"\n',  # does not parse
        '__all__ = ["ol"]\n',
        '__all = ["old"]\n',
        'names += ["old"]\nnames: list[str] = ["old"]\n__all__ = []\n',  # other targets
    ],
)
def test_dunder_all_leaves_other_strings_alone(text: str) -> None:
    assert rename_in_dunder_all(text, "old", "new") == text


# -- strings that name a module ----------------------------------------------------------


def test_strings_naming_the_module_by_its_dotted_path() -> None:
    text = (
        '"""pkg.mod: the module docstring is prose."""\n'  # 0
        'A = "pkg.mod"\n'  # 1
        "B = 'pkg.mod.func', r'pkg.mod:app', u'''pkg.mod''', R'pkg.mod', U'pkg.mod'\n"  # 2
        'C = b"pkg.mod", f"pkg.mod", rb"pkg.mod", "pkg.modx", "xpkg.mod", "pkg.mod "\n'  # 3
        'é = 1; "pkg.mod"\n'  # 4: an expression statement (ast counts its column in bytes)
        'é = "pkg.mod"\n'  # 5
        'def f():\n    """pkg.mod"""\n    return "pkg.mod"\n'  # 6-8
        'D = """pkg.mod"""\n'  # 9
    )
    lines = text.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:row]) for row in range(len(lines))]
    found = [
        (row, col) for o in module_string_offsets(text, "pkg.mod") for row, col in [_rc(o, starts)]
    ]
    assert found == [(1, 5), (2, 5), (2, 22), (2, 40), (2, 54), (2, 66), (5, 5), (8, 12), (9, 7)]
    for offset in module_string_offsets(text, "pkg.mod"):
        assert text[offset : offset + 7] == "pkg.mod"


def _rc(offset: int, starts: list[int]) -> tuple[int, int]:
    row = max(i for i, s in enumerate(starts) if s <= offset)
    return row, offset - starts[row]


def test_no_module_strings_in_a_file_that_does_not_parse() -> None:
    assert module_string_offsets('A = "pkg.mod"\ndef f(:\n', "pkg.mod") == []
    assert module_string_offsets('A = ("pkg.mod"\n', "pkg.mod") == []  # nor tokenize
