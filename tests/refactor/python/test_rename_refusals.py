"""What rename refuses, with the reason the user reads, and what it renames instead
of refusing: names that would meet another member of a class hierarchy, overrides of
methods defined outside the workspace, builtins, outside definitions, taken names."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_engine_support import apply_to_disk, behaviour

from refactor.python.edits import RefactorError, WorkspaceEdit, apply_edits
from refactor.python.rename import rename, rename_module
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position


def _workspace(root: Path, files: dict[str, str]) -> PythonWorkspace:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return PythonWorkspace(str(root))


def _rename(
    root: Path, files: dict[str, str], path: str, at: tuple[int, int], new: str
) -> WorkspaceEdit:
    workspace = _workspace(root, files)
    try:
        return workspace.run(lambda s: rename(s, str(root / path), Position(*at), new))
    finally:
        workspace.close()


def _refusal(root: Path, files: dict[str, str], path: str, at: tuple[int, int], new: str) -> str:
    with pytest.raises(RefactorError) as info:
        _rename(root, files, path, at, new)
    for name, text in files.items():
        assert (root / name).read_text() == text  # nothing written
    return str(info.value)


def _after(root: Path, edit: WorkspaceEdit) -> dict[str, str]:
    return {
        str(Path(path).relative_to(root)): apply_edits(Path(path).read_text(), edits)
        for path, edits in edit.changes.items()
    }


# -- a class hierarchy: the renamed member must not meet another --------------------------

JOB = """class Job:
    limit = 3

    def start(self):
        return "start"

    def stop(self):
        return "stop"
"""
NIGHTLY = """from job import Job


class Nightly(Job):
    pass


class Weekly(Nightly):
    def run(self):
        return "weekly run"

    retries = 2
"""


@pytest.mark.parametrize(
    ("path", "at", "new", "message"),
    [
        # the class has it: the renamed method would be shadowed by it (or shadow it)
        (
            "job.py",
            (3, 8),
            "stop",
            "'stop' already exists in class 'Job', in the hierarchy of 'start'",
        ),
        (
            "job.py",
            (3, 8),
            "limit",
            "'limit' already exists in class 'Job', in the hierarchy of 'start'",
        ),
        # a subclass, two levels down in another file, has it: it would override it
        (
            "job.py",
            (3, 8),
            "run",
            "'run' already exists in class 'Weekly', in the hierarchy of 'start'",
        ),
        (
            "job.py",
            (6, 8),
            "retries",
            "'retries' already exists in class 'Weekly', in the hierarchy of 'stop'",
        ),
        # a base has it: renamed, the method would override the base's
        (
            "nightly.py",
            (8, 8),
            "start",
            "'start' already exists in class 'Job', in the hierarchy of 'run'",
        ),
        (
            "nightly.py",
            (11, 4),
            "limit",
            "'limit' already exists in the scope of 'retries'",
        ),
    ],
)
def test_a_member_is_not_renamed_onto_another_in_its_hierarchy(
    tmp_path: Path, path: str, at: tuple[int, int], new: str, message: str
) -> None:
    files = {"job.py": JOB, "nightly.py": NIGHTLY}
    assert _refusal(tmp_path, files, path, at, new) == f"{message}; pick another name"


def test_the_same_name_in_an_unrelated_class_is_no_conflict(tmp_path: Path) -> None:
    files = {
        "job.py": JOB,
        "nightly.py": NIGHTLY,
        "other.py": "class Other:\n    def run(self):\n        return 1\n\n    kick = 1\n",
        "use.py": "from job import Job\nfrom other import Other\n\n"
        "print(Job().start(), Other().run())\n",
    }
    edit = _rename(tmp_path, files, "job.py", (3, 8), "kick")
    assert _after(tmp_path, edit) == {
        "job.py": JOB.replace("def start", "def kick"),
        "use.py": files["use.py"].replace("Job().start()", "Job().kick()"),
    }
    before = {
        "job.py": JOB,
        "nightly.py": NIGHTLY,
        "other.py": files["other.py"],
        "use.py": files["use.py"],
    }
    edit = _rename(tmp_path / "ws", before, "other.py", (1, 8), "start")  # no Job in its tree
    assert _after(tmp_path / "ws", edit) == {
        "other.py": before["other.py"].replace("def run", "def start"),
        "use.py": before["use.py"].replace("Other().run()", "Other().start()"),
    }


@pytest.mark.parametrize(
    ("text", "at", "overridden"),
    [
        (
            "import json\n\n\nclass Encoder(json.JSONEncoder):\n    def default(self, o):\n"
            "        return str(o)\n",
            (4, 8),
            "JSONEncoder.default",
        ),
        ("class Items(list):\n    def append(self, item):\n        pass\n", (1, 8), "list.append"),
        # through a base in the workspace that overrides it too
        (
            "import unittest\n\n\nclass Base(unittest.TestCase):\n    def setUp(self):\n"
            "        self.x = 1\n\n\nclass Case(Base):\n    def setUp(self):\n"
            "        super().setUp()\n",
            (9, 8),
            "TestCase.setUp",
        ),
    ],
)
def test_an_override_of_a_method_from_outside_is_not_renamed(
    tmp_path: Path, text: str, at: tuple[int, int], overridden: str
) -> None:
    name = overridden.split(".")[1]
    assert _refusal(tmp_path, {"m.py": text}, "m.py", at, "renamed") == (
        f"{name!r} overrides {overridden}, defined outside the workspace: renamed, it would "
        "no longer override it"
    )


def test_a_method_of_a_class_with_outside_bases_is_renamed(tmp_path: Path) -> None:
    text = (
        "import json\n\n\nclass Encoder(json.JSONEncoder):\n    def extra(self):\n"
        "        return 1\n\n\nprint(Encoder().extra())\n"
    )
    edit = _rename(tmp_path, {"m.py": text}, "m.py", (4, 8), "more")
    assert _after(tmp_path, edit) == {"m.py": text.replace("extra", "more")}


def test_a_method_rename_leaves_dunder_all_alone(tmp_path: Path) -> None:
    """``__all__`` names module-level things: a method of the same name is another."""
    text = (
        "__all__ = ['Job', 'run']\n\n\ndef run():\n    return 0\n\n\nclass Job:\n"
        "    def run(self):\n        return 1\n"
    )
    edit = _rename(tmp_path, {"m.py": text}, "m.py", (8, 8), "start")
    assert _after(tmp_path, edit) == {"m.py": text.replace("def run(self)", "def start(self)")}
    edit = _rename(tmp_path, {"m.py": text}, "m.py", (3, 4), "go")  # the function: it follows
    assert _after(tmp_path, edit) == {
        "m.py": text.replace("'run'", "'go'").replace("def run():", "def go():")
    }


# -- names that cannot be renamed --------------------------------------------------------

SCOPES = """import json
from os.path import join
from shop import missing


def total(items, tax):
    subtotal = sum(items)
    return subtotal * tax


def f(len):
    return len


size = len([])
print(json.dumps(join("a", "b")), missing)
"""


@pytest.mark.parametrize(
    ("at", "new", "message"),
    [
        ((5, 10), "tax", "'tax' already exists in the scope of 'items'; pick another name"),
        ((6, 6), "items", "'items' already exists in the scope of 'subtotal'; pick another name"),
        ((5, 5), "size", "'size' already exists in the scope of 'total'; pick another name"),
        ((5, 5), "max", "'max' would shadow the builtin; pick another name"),
        ((5, 5), "f", "'f' already exists in the scope of 'total'; pick another name"),
        ((14, 8), "size2", "'len' is a builtin; it cannot be renamed"),  # the file defines a len
        ((15, 21), "link", "'join' is not defined in the workspace"),
        ((15, 36), "found", "'missing' is not defined in the workspace"),
        ((15, 7), "data", "'json' is a module outside the workspace"),
        ((5, 5), "total", "the name is already 'total'"),
        ((5, 5), "2total", "'2total' is not a valid Python name"),
        ((5, 5), "lambda", "'lambda' is not a valid Python name"),
    ],
)
def test_refusals_say_why(tmp_path: Path, at: tuple[int, int], new: str, message: str) -> None:
    files = {"m.py": SCOPES, "shop.py": "PRICE = 1\n"}
    assert _refusal(tmp_path, files, "m.py", at, new) == message


def test_a_name_the_file_defines_itself_is_taken_not_a_builtin(tmp_path: Path) -> None:
    text = "def sum(values):\n    return 0\n\n\nx = 1\n"
    message = _refusal(tmp_path, {"m.py": text}, "m.py", (4, 0), "sum")
    assert message == "'sum' already exists in the scope of 'x'; pick another name"


def test_a_file_that_does_not_parse_is_not_renamed(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {"m.py": "x = (\n"}, "m.py", (0, 0), "y")
    assert message == "the file does not parse (m.py:1: '(' was never closed); fix it first"


# -- modules -----------------------------------------------------------------------------


def test_a_top_level_module_keeps_strings_that_may_mean_something_else(tmp_path: Path) -> None:
    use = "import util\n\nKIND = 'util'\nTARGET = 'util.X'\nprint(util.X, KIND, TARGET)\n"
    files = {"util.py": "X = 1\n", "use.py": use}
    edit = _rename(tmp_path, files, "use.py", (0, 8), "tools")
    assert _after(tmp_path, edit) == {
        "use.py": use.replace("import util", "import tools").replace("(util.X", "(tools.X")
    }
    assert edit.renames == [(str(tmp_path / "util.py"), str(tmp_path / "tools.py"))]


def test_a_package_renamed_from_its_init_moves_the_folder_and_its_strings(tmp_path: Path) -> None:
    use = (
        "import importlib\nimport pkg.sub\n\n"
        "NAME = 'pkg.sub'\nprint(importlib.import_module(NAME).X, pkg.sub.X)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/sub/__init__.py": "X = 1\n", "use.py": use}
    workspace = _workspace(tmp_path, files)
    try:
        init = str(tmp_path / "pkg/sub/__init__.py")
        edit = workspace.run(lambda s: rename_module(s, init, "inner"))
        with pytest.raises(RefactorError) as info:
            workspace.run(lambda s: rename_module(s, init, "in"))
        assert str(info.value) == "'in' is not a valid module name"
        with pytest.raises(RefactorError, match="'a-b' is not a valid module name"):
            workspace.run(lambda s: rename_module(s, init, "a-b"))
    finally:
        workspace.close()
    assert _after(tmp_path, edit) == {"use.py": use.replace("pkg.sub", "pkg.inner")}
    assert edit.renames == [(str(tmp_path / "pkg/sub"), str(tmp_path / "pkg/inner"))]
    before = tmp_path.parent / f"{tmp_path.name}-before"
    before.mkdir()
    (before / "use.py").write_text(use)
    (before / "pkg/sub").mkdir(parents=True)
    (before / "pkg/__init__.py").write_text("")
    (before / "pkg/sub/__init__.py").write_text("X = 1\n")
    apply_to_disk(edit)
    run = ["__import__('use') and None"]
    assert behaviour(tmp_path, run) == behaviour(before, run)


def test_a_deep_module_rename_reaches_strings_in_files_rope_leaves_alone(tmp_path: Path) -> None:
    """Strings name ``pkg.sub.mod`` in a file without an import of it (rope changes
    nothing there), among files that do not mention it and one that does not parse."""
    files = {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "",
        "pkg/sub/mod.py": "def app():\n    return 1\n",
        **{f"{n}_lazy.py": f'TARGET = "pkg.sub.mod:app{n}"\n' for n in "amz"},
        "lazy.py": 'TARGET = "pkg.sub.mod:app"\nOTHER = "pkg.sub.model"\n',
        "broken.py": "def f(:\n",
        **{f"plain{n}.py": f"VALUE = {n}\n" for n in range(6)},
        "use.py": "from pkg.sub import mod\n\nprint(mod.app())\n",
    }
    workspace = _workspace(tmp_path, files)
    progress: list[tuple[str, str | None, int | None]] = []
    try:
        path = str(tmp_path / "pkg/sub/mod.py")
        job = workspace.submit(
            lambda s: rename_module(s, path, "engine"), lambda *args: progress.append(args)
        )
        edit = job.result(60)
    finally:
        workspace.close()
    assert progress and progress[-1][2] == 100  # the editor's progress bar reaches the end
    assert _after(tmp_path, edit) == {
        **{f"{n}_lazy.py": f'TARGET = "pkg.sub.engine:app{n}"\n' for n in "amz"},
        "lazy.py": 'TARGET = "pkg.sub.engine:app"\nOTHER = "pkg.sub.model"\n',
        "use.py": "from pkg.sub import engine\n\nprint(engine.app())\n",
    }
    assert edit.renames == [(path, str(tmp_path / "pkg/sub/engine.py"))]
