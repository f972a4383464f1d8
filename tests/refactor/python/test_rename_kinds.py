"""What kind of name a rename starts from decides what else follows it: an attribute
(reached through objects: uses on objects of unknown type follow), a class-level name,
a function's local (mentions in comments only within that function)."""

from __future__ import annotations

from pathlib import Path

from refactor.python.edits import WorkspaceEdit, apply_edits
from refactor.python.rename import rename
from refactor.python.rename_groups import DOCS
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position


def _rename(root: Path, text: str, at: tuple[int, int], new: str) -> WorkspaceEdit:
    (root / "m.py").write_text(text)
    workspace = PythonWorkspace(str(root))
    try:
        return workspace.run(lambda s: rename(s, str(root / "m.py"), Position(*at), new))
    finally:
        workspace.close()


def _after(root: Path, edit: WorkspaceEdit) -> str:
    return apply_edits((root / "m.py").read_text(), edit.changes[str(root / "m.py")])


BOX = """class Box:
    def __init__(self):
        self.the_value = 1


def show(thing):
    return thing.the_value


print(Box(). the_value, show(Box()))
"""


def test_an_attribute_renamed_from_a_use_in_the_middle_of_its_name(tmp_path: Path) -> None:
    """From ``Box(). the_value`` (the cursor on its 'a', after the underscore): an
    attribute, so ``thing.the_value`` on an object of unknown type follows it."""
    edit = _rename(tmp_path, BOX, (9, 18), "content")
    assert _after(tmp_path, edit) == BOX.replace("the_value", "content")
    assert edit.notes == [
        "renamed 1 use(s) of `.the_value` on objects of unknown type: no other class in "
        "the workspace defines it"
    ]


CONFIG = """class Config:
    limit = 3


def read(config):
    return config.limit


print(Config.limit, read(Config()))
"""


def test_a_class_level_name_renamed_from_its_definition_is_an_attribute(tmp_path: Path) -> None:
    edit = _rename(tmp_path, CONFIG, (1, 6), "ceiling")
    assert _after(tmp_path, edit) == CONFIG.replace("limit", "ceiling")


NESTED = """def outer():
    def helper():
        return 1

    # helper is called twice
    return helper() + helper()


def other():
    # helper here is another one
    return 2
"""


def test_a_local_function_offers_the_comments_of_the_function_around_it(tmp_path: Path) -> None:
    edit = _rename(tmp_path, NESTED, (1, 9), "assist")
    assert _after(tmp_path, edit) == NESTED.replace("helper()", "assist()")
    (docs,) = [g for g in edit.groups if g.label == DOCS]
    positions = [
        (e.range.start.line, e.range.start.character) for es in docs.changes.values() for e in es
    ]
    assert positions == [(4, 6)]  # not the comment in other()
