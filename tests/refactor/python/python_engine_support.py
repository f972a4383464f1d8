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
