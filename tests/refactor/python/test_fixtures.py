"""Every refactor on a before/ workspace must give exactly the after/ workspace.

Each ``fixtures/<case>/`` holds ``before/``, ``after/`` and ``case.json``. Refactors are
picked from the cheap listing by title, so each case also proves it is offered there.
Set ``UPDATE_FIXTURES=1`` to write after/ from the engine (then review the diff).
A case may list ``behaviour`` expressions (``"shop.total([1], 0.1)"``): they are run on
before/ and on the refactored workspace, which must print and return the same.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from python_engine_support import FIXTURES, apply_to_disk, behaviour, copy_tree, tree_of

from refactor.python import imports
from refactor.python.actions import list_refactors
from refactor.python.edits import WorkspaceEdit
from refactor.python.refactors import compute
from refactor.python.rename import rename
from refactor.python.workspace import PythonWorkspace, Session
from refactor.text import Position, Range

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "case.json").exists())


def _edit(session: Session, root: Path, case: dict) -> WorkspaceEdit:
    path = str(root / case["file"])
    op = case["op"]
    if op == "rename":
        return rename(session, path, Position(*case["at"]), case["new_name"])
    if op == "organize":
        return imports.organize_imports(session, path)
    if op == "fix_all":
        return imports.fix_all(session, path)
    if op == "add_import":
        return imports.add_import(session, path, case["module"], case["name"])
    a, b, c, d = case["range"]
    offers = list_refactors(path, session.read(path), Range(Position(a, b), Position(c, d)))
    chosen = [o for o in offers if o.title == case["title"]]
    assert chosen, f"{case['title']!r} not offered; offered: {[o.title for o in offers]}"
    refactoring = chosen[0]
    if case.get("args"):
        refactoring = type(refactoring)(
            **{**refactoring.__dict__, "args": {**refactoring.args, **case["args"]}}
        )
    return compute(session, refactoring)


@pytest.mark.parametrize("name", CASES)
def test_fixture(name: str, tmp_path: Path) -> None:
    case_dir = FIXTURES / name
    case = json.loads((case_dir / "case.json").read_text())
    root = tmp_path / "ws"
    copy_tree(case_dir / "before", root)
    workspace = PythonWorkspace(str(root))
    try:
        edit = workspace.run(lambda s: _edit(s, root, case), timeout=60)
        apply_to_disk(edit)
        if case["op"] in ("organize", "fix_all"):  # idempotent: a second run changes nothing
            again = workspace.run(lambda s: _edit(s, root, case), timeout=60)
            assert again.is_empty(), again
    finally:
        workspace.close()
    assert not (root / ".ropeproject").exists(), "rope must not litter the workspace"
    if os.environ.get("UPDATE_FIXTURES"):
        shutil.rmtree(case_dir / "after", ignore_errors=True)
        copy_tree(root, case_dir / "after")
    assert tree_of(root) == tree_of(case_dir / "after")
    if case.get("behaviour"):
        assert behaviour(root, case["behaviour"]) == behaviour(
            case_dir / "before", case["behaviour"]
        )
