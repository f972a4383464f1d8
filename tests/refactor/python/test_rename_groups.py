"""Method renames through the class hierarchy, calls on objects of unknown type, and
names in docstrings: what is renamed, what is offered as a group to confirm."""

from __future__ import annotations

from pathlib import Path

from python_engine_support import apply_to_disk, behaviour

from refactor.python.edits import WorkspaceEdit, apply_edits
from refactor.python.rename import rename
from refactor.python.rename_groups import DOCS, UNRESOLVED, UNSURE
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position

BASE = '''class Field:
    def get_default(self):
        """The default.

        >>> Field().get_default()
        1
        """
        return 1


class Sub(Field):
    def get_default(self):
        return super().get_default() + 1


def describe(param):
    # calls get_default on anything
    return param.get_default()
'''
OTHER = """from base import Sub


class Leaf(Sub):
    def get_default(self):
        return super().get_default() * 2


def use(x):
    return Leaf().get_default(), x.get_default()
"""


def _rename(root: Path, files: dict[str, str], path: str, at: Position, new: str) -> WorkspaceEdit:
    for name, text in files.items():
        (root / name).write_text(text)
    workspace = PythonWorkspace(str(root))
    try:
        return workspace.run(lambda s: rename(s, str(root / path), at, new))
    finally:
        workspace.close()


def _after(root: Path, edit: WorkspaceEdit, name: str) -> str:
    path = root / name
    return apply_edits(path.read_text(), edit.changes.get(str(path), []))


def _group(edit: WorkspaceEdit, label: str, root: Path) -> dict[str, list[tuple[int, int]]]:
    (group,) = [g for g in edit.groups if g.label == label]
    return {
        str(Path(p).relative_to(root)): [(e.range.start.line, e.range.start.character) for e in es]
        for p, es in group.changes.items()
    }


def test_overrides_super_calls_and_unknown_receivers(tmp_path: Path) -> None:
    files = {"base.py": BASE, "other.py": OTHER}
    edit = _rename(tmp_path, files, "base.py", Position(11, 9), "default_value")
    assert _after(tmp_path, edit, "base.py") == BASE.replace(
        "get_default", "default_value"
    ).replace("# calls default_value on", "# calls get_default on")
    assert _after(tmp_path, edit, "other.py") == OTHER.replace("get_default", "default_value")
    assert edit.notes == [
        "renamed 3 use(s) of `.get_default` on objects of unknown type: no other class in "
        "the workspace defines it"
    ]
    assert _group(edit, DOCS, tmp_path) == {"base.py": [(16, 12)]}  # the comment
    assert [g.label for g in edit.groups] == [DOCS]
    # the code behaves the same, doctests included
    before = tmp_path / "before"
    before.mkdir()
    for name, text in files.items():
        (before / name).write_text(text)
    apply_to_disk(edit)
    runs = [
        "__import__('other').use(__import__('base').Sub())",
        "__import__('base').describe(__import__('other').Leaf())",
        "__import__('doctest').testmod(__import__('base')).failed",
    ]
    assert behaviour(tmp_path, runs) == behaviour(before, runs)
    assert behaviour(tmp_path, runs)[0][2] == "(4, 2)"


def test_unknown_receivers_are_a_group_when_another_class_defines_the_name(
    tmp_path: Path,
) -> None:
    files = {
        "base.py": BASE,
        "other.py": OTHER,
        "third.py": "class Setting:\n    def get_default(self):\n        return 0\n",
    }
    edit = _rename(tmp_path, files, "base.py", Position(11, 9), "default_value")
    assert _group(edit, UNSURE, tmp_path) == {
        "base.py": [(4, 20), (17, 17)],  # the doctest's call and param.get_default()
        "other.py": [(9, 35)],  # x.get_default()
    }
    (group,) = [g for g in edit.groups if g.label == UNSURE]
    assert "class `Setting` (third.py) also defines `get_default`" in group.description
    assert "x.get_default()" in _after(tmp_path, edit, "other.py")
    assert "super().default_value() * 2" in _after(tmp_path, edit, "other.py")
    assert str(tmp_path / "third.py") not in edit.changes
    assert edit.notes == []


def test_a_builtin_method_name_is_never_included_unasked(tmp_path: Path) -> None:
    files = {
        "cache.py": "class Cache:\n    def get(self, key):\n        return key\n\n\n"
        "def lookup(store, key):\n    return store.get(key)\n"
    }
    edit = _rename(tmp_path, files, "cache.py", Position(1, 9), "fetch")
    assert _group(edit, UNSURE, tmp_path) == {"cache.py": [(6, 17)]}
    assert "builtin" in edit.groups[0].description
    assert "store.get(key)" in _after(tmp_path, edit, "cache.py")


def test_unresolved_imports_are_a_group(tmp_path: Path) -> None:
    files = {
        "lib.py": "def helper():\n    return 1\n",
        "use.py": "from lib import helper\nfrom missing import helper as other\n\nother()\n",
        "elsewhere.py": "import missing\n\nmissing.helper()\n",
    }
    edit = _rename(tmp_path, files, "lib.py", Position(0, 5), "assist")
    assert _after(tmp_path, edit, "use.py").startswith("from lib import assist\n")
    assert str(tmp_path / "elsewhere.py") not in edit.changes
    assert UNSURE not in [g.label for g in edit.groups]
    assert _group(edit, UNRESOLVED, tmp_path).get("elsewhere.py") == [(2, 8)]


DOCTESTS = '''"""Areas.

>>> area(2, 3)
6
"""


def area(width, height):
    """The area; see also `area` in the notes.

    >>> area(1, 1) + area(width=2, height=2)
    5
    >>> import geo
    >>> geo.area(3, 3)
    9
    """
    # area of a rectangle
    label = "area"
    return width * height
'''


def test_doctests_are_code_other_mentions_a_group(tmp_path: Path) -> None:
    edit = _rename(tmp_path, {"geo.py": DOCTESTS}, "geo.py", Position(7, 5), "surface")
    after = _after(tmp_path, edit, "geo.py")
    assert ">>> surface(2, 3)" in after
    assert ">>> surface(1, 1) + surface(width=2, height=2)" in after
    assert "def surface(width, height):" in after
    assert 'label = "area"' in after  # a string, not a docstring: left alone
    assert "see also `area` in the notes" in after
    assert "# area of a rectangle" in after
    # prose in the docstring, `geo.area` in a doctest (another module's attribute, as
    # far as the text tells) and the comment: for the user to confirm
    assert _group(edit, DOCS, tmp_path) == {"geo.py": [(8, 11), (8, 27), (13, 12), (16, 6)]}
    assert ">>> geo.area(3, 3)" in after
    before = tmp_path / "before"
    before.mkdir()
    (before / "geo.py").write_text(DOCTESTS)
    apply_to_disk(edit)
    (tmp_path / "geo.py").write_text(  # the user confirms that one
        (tmp_path / "geo.py").read_text().replace("geo.area(3, 3)", "geo.surface(3, 3)")
    )
    run = ["__import__('doctest').testmod(__import__('geo')).failed"]
    assert behaviour(tmp_path, run) == behaviour(before, run) == [[run[0], "", "0"]]


def test_a_local_rename_offers_only_its_own_function_docs(tmp_path: Path) -> None:
    text = (
        "def scale(factor):\n"
        '    """Multiply by factor.\n\n    >>> scale(2)\n    4\n    """\n'
        "    return factor * 2\n\n\n"
        "def other():\n"
        '    """Also mentions factor."""\n'
        "    return 1\n"
    )
    edit = _rename(tmp_path, {"m.py": text}, "m.py", Position(0, 11), "ratio")
    assert _after(tmp_path, edit, "m.py").startswith("def scale(ratio):")
    assert _group(edit, DOCS, tmp_path) == {"m.py": [(1, 19)]}


def test_doctests_elsewhere_are_code_only_where_the_name_is_ours(tmp_path: Path) -> None:
    files = {
        "lib.py": "def helper():\n    return 1\n",
        "user.py": 'from lib import helper\n\n\ndef twice():\n    """\n    >>> helper() * 2\n'
        '    2\n    """\n    return helper() * 2\n',
        "own.py": 'def helper():\n    """\n    >>> helper()\n    0\n    """\n    return 0\n',
    }
    edit = _rename(tmp_path, files, "lib.py", Position(0, 5), "assist")
    assert ">>> assist() * 2" in _after(tmp_path, edit, "user.py")
    assert str(tmp_path / "own.py") not in edit.changes  # its own helper, not lib's
    assert _group(edit, DOCS, tmp_path) == {"own.py": [(2, 8)]}


JOIN = '''def pick(pair):
    """The first item.

    >>> result = list(map(pick,
    ...                   [(1, 2), (3, 4)]))
    >>> result
    [1, 3]
    >>> sorted([2, 1], key=pick if False else None, reverse=False)
    [1, 2]
    >>> dict(pick=1)
    {'pick': 1}
    """
    return pair[0]'''  # no final newline
CLIENT = '''def pairs():
    """
    >>> from tools import pick
    >>> [pick(p) for p in
    ...  pairs()]
    [1]
    """
    return [(1, 2)]
'''
FOREIGN = '''def pick(x):
    return x


def local():
    """
    >>> from foreign import pick
    >>> pick(3)
    3
    """
'''


def test_doctests_over_several_lines_and_doctest_imports(tmp_path: Path) -> None:
    """A name on a ``...`` line is code too (toolz's ``join`` doctest); a doctest's
    ``from module import name`` decides whose name it is (toolz.sandbox's
    ``>>> from toolz import curry``), and the rename may start from an import."""
    root, before = tmp_path / "ws", tmp_path / "before"
    (root / "tools").mkdir(parents=True)
    files = {
        "tools/core.py": JOIN,
        "tools/__init__.py": "from .core import *\n",
        "client.py": CLIENT,
        "foreign.py": FOREIGN,
        "user.py": "from tools import pick\n\nprint(pick((5, 6)))\n",
    }
    for name, text in files.items():
        (before / name).parent.mkdir(parents=True, exist_ok=True)
        (before / name).write_text(text)
    # started at ``pick`` in user.py's import (rope gives an imported name there)
    edit = _rename(root, files, "user.py", Position(0, 20), "choose")
    core = _after(root, edit, "tools/core.py")
    assert ">>> result = list(map(choose," in core
    assert ">>> sorted([2, 1], key=choose if False" in core
    assert ">>> dict(pick=1)" in core  # a keyword argument, not the function
    assert "def choose(pair):" in core
    client = _after(root, edit, "client.py")
    assert ">>> from tools import choose" in client
    assert ">>> [choose(p) for p in" in client
    assert str(root / "foreign.py") not in edit.changes  # its doctest imports another
    assert "foreign.py" in _group(edit, DOCS, root)
    apply_to_disk(edit)
    run = [
        "[__import__('doctest').testmod(__import__(m)).failed for m in "
        "('tools.core', 'client', 'foreign')]",
        "__import__('user') and None",
    ]
    assert behaviour(root, run) == behaviour(before, run)
    assert behaviour(root, run)[0][2] == "[0, 0, 0]"


def test_a_module_rename_renames_strings_that_name_the_module(tmp_path: Path) -> None:
    """humanize's tests import ``"humanize.i18n"`` by name: a string whose value is
    the module's dotted path (or starts with it and a dot) is a reference."""
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    use = (
        '"""Uses pkg.i18n (a docstring: prose)."""\n'
        "import importlib\n"
        "from pkg import i18n\n\n"
        'LAZY = {"pkg.i18n", "pkg.i18nx", "i18n"}\n'
        'TARGET = "pkg.i18n.activate"\n'
        'APP = "pkg.i18n:activate"  # uvicorn, entry points\n'
        "module = importlib.import_module('pkg.i18n')\n"
        'print(module.activate(), i18n.activate(), TARGET, f"pkg.i18n{1}")\n'
    )
    files = {"pkg/__init__.py": "", "pkg/i18n.py": "def activate():\n    return 1\n", "use.py": use}
    edit = _rename(root, files, "use.py", Position(2, 16), "locale")
    after = _after(root, edit, "use.py")
    assert after == (
        use.replace("from pkg import i18n", "from pkg import locale")
        .replace('{"pkg.i18n",', '{"pkg.locale",')
        .replace('"pkg.i18n.activate"', '"pkg.locale.activate"')
        .replace('"pkg.i18n:activate"', '"pkg.locale:activate"')
        .replace("'pkg.i18n'", "'pkg.locale'")
        .replace("i18n.activate(), TARGET", "locale.activate(), TARGET")
    )
    apply_to_disk(edit)
    assert (root / "pkg" / "locale.py").exists()
    run = ["__import__('use') and None"]
    assert behaviour(root, run)[0][1] == "1 1 pkg.locale.activate pkg.i18n1\n"


PROPERTIES = '''from abc import ABC, abstractproperty


class Stream(ABC):
    @abstractproperty
    def len(self):
        """The length."""

    def __len__(self):
        return self.len


class Memory(Stream):
    @property
    def len(self):
        return 3

    def twice(self):
        return self.len * 2


class Disk(Stream):
    len = property(lambda self: 4)


class Other:
    def len(self):
        return 0
'''


def test_overrides_that_are_properties_are_renamed(tmp_path: Path) -> None:
    """boltons' ``SpooledIOBase.len``: rope's in-hierarchy rename skipped the
    ``@property`` overrides (evaluated names to rope) and ``len(f)`` broke. From the
    base or from an override, the whole hierarchy follows; an unrelated class keeps
    its ``len``."""
    use = (
        "from streams import Disk, Memory, Other\n\n"
        "print(len(Memory()), Memory().twice(), len(Disk()), Other().len())\n"
    )
    for start in (Position(5, 8), Position(14, 8)):
        root = tmp_path / f"ws{start.line}"
        root.mkdir()
        edit = _rename(root, {"streams.py": PROPERTIES, "use.py": use}, "streams.py", start, "size")
        after = _after(root, edit, "streams.py")
        assert after.count("size") == 5, after
        assert "    def len(self):\n        return 0" in after  # Other's own len
        before = root / "before"
        before.mkdir()
        (before / "streams.py").write_text(PROPERTIES)
        (before / "use.py").write_text(use)
        apply_to_disk(edit)
        run = ["__import__('use') and None"]
        assert behaviour(root, run) == behaviour(before, run)
        assert behaviour(root, run)[0][1] == "3 6 4 0\n"
