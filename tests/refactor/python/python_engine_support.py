"""Helpers for the Python engine fixture tests: copy, apply, compare trees."""

from __future__ import annotations

import shutil
from pathlib import Path

from refactor.python.edits import WorkspaceEdit, apply_edits

FIXTURES = Path(__file__).parent / "fixtures"


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(
        source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )


def apply_to_disk(edit: WorkspaceEdit) -> None:
    """Apply an engine edit the way a client would: contents, creates, renames."""
    for path in dict.fromkeys([*edit.changes, *edit.creates]):
        file = Path(path)
        old = file.read_text() if file.exists() else ""
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(apply_edits(old, edit.changes.get(path, [])))
    for old_path, new_path in edit.renames:
        Path(new_path).parent.mkdir(parents=True, exist_ok=True)
        Path(old_path).rename(new_path)


def tree_of(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


_RUNNER = """
import contextlib, io, json, sys
results = []
for expression in json.loads(sys.argv[1]):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            value = repr(eval(expression))
    except Exception as error:  # the behaviour to compare includes the exception
        value = f"raised {type(error).__name__}: {error}"
    results.append([expression, out.getvalue(), value])
print(json.dumps(results))
"""


def behaviour(root: Path, expressions: list[str]) -> list[list[str]]:
    """What each expression prints and returns (or raises), run in a fresh interpreter
    whose path starts at ``root``: the code before and after a refactor must agree."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(expressions)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    return list(json.loads(done.stdout))


def inline_at(root: Path, text: str, at: tuple[int, int], extra: dict[str, str] | None = None):
    """Write ``m.py`` (and ``extra`` files) under ``root`` and compute the inline
    refactoring at ``at`` (line, column) there; returns the edit or raises."""
    from refactor.python.refactors import Refactoring, compute
    from refactor.python.workspace import PythonWorkspace
    from refactor.text import Position, Range

    root.mkdir(parents=True, exist_ok=True)
    (root / "m.py").write_text(text)
    for name, content in (extra or {}).items():
        (root / name).write_text(content)
    workspace = PythonWorkspace(str(root))
    where = Range(Position(*at), Position(*at))
    refactoring = Refactoring("inline", "Inline", "refactor.inline", str(root / "m.py"), where)
    try:
        return workspace.run(lambda s: compute(s, refactoring))
    finally:
        workspace.close()
