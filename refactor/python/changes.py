"""rope change sets → checked `WorkspaceEdit`s.

rope's changes are never performed: each `ChangeContents` is diffed against the text
rope saw (the editor buffer or the disk) into small text edits, file moves become
renames. Every file whose content changes must still parse, or the whole refactor is
refused with the reason; a refactor that changes nothing is refused too.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from refactor.python.edits import (
    RefactorError,
    WorkspaceEdit,
    diff_edits,
    newline_of,
    syntax_problem,
)
from refactor.python.substitute import compile_problem

if TYPE_CHECKING:
    from refactor.python.workspace import Session


def to_workspace_edit(session: Session, changes: Any, compiles: bool = True) -> WorkspaceEdit:
    """Turn a rope ``ChangeSet`` into a parse-checked `WorkspaceEdit`; with
    ``compiles``, each changed module must also still compile (what ``ast.parse``
    misses, like ``:=`` in a comprehension's iterable). Renames, which touch many files
    and only names, skip that second check."""
    from rope.base import change as rope_change

    contents: dict[str, tuple[str, str]] = {}  # path before renames → (old, new)
    created: list[str] = []
    renames: list[tuple[str, str]] = []
    moved_to: dict[str, str] = {}  # new path → old path

    for item in flatten(changes):
        if isinstance(item, rope_change.ChangeContents):
            path = session.path_of(item.resource)
            path = moved_to.get(path, path)
            if path in contents:
                contents[path] = (contents[path][0], item.new_contents)
            else:
                if path not in created and not _exists(session, path):
                    created.append(path)  # a new module (a move to a new file)
                old = "" if path in created else str(item.resource.read())
                contents[path] = (old, item.new_contents)
        elif isinstance(item, rope_change.MoveResource):
            old_path = session.path_of(item.resource)
            new_path = session.path_of(item.new_resource)
            renames.append((old_path, new_path))
            moved_to[new_path] = old_path
        elif isinstance(item, rope_change.CreateFolder):
            continue  # implied by the renames or creates that follow
        elif isinstance(item, rope_change.CreateResource):
            created.append(session.path_of(item.resource))
        else:
            raise RefactorError(f"rope proposed a change this server cannot apply: {item}")

    notes = [f"skipped {path}: it does not parse" for path in session.skipped]
    edit = WorkspaceEdit(renames=renames, creates=created, notes=notes)
    for path, (old, new) in contents.items():
        problem = syntax_problem(new, path)
        if problem is not None:
            raise RefactorError(f"refused: the result would not parse ({problem})")
        if compiles and path.endswith(".py") and (refused := compile_problem(new, old)):
            raise RefactorError(refused)
        edits = diff_edits(old, new, newline_of(_raw(session, path)))
        if edits:
            edit.changes[path] = edits
    if edit.is_empty():
        raise RefactorError("refused: the refactor changes nothing")
    return edit


def flatten(changes: Any) -> list[Any]:
    from rope.base.change import ChangeSet

    if isinstance(changes, ChangeSet):
        return [leaf for item in changes.changes for leaf in flatten(item)]
    return [changes]


def _exists(session: Session, path: str) -> bool:
    return os.path.exists(path) or session.workspace.buffer(path) is not None


def _raw(session: Session, path: str) -> str:
    """The file as the editor or disk has it (to keep its newline style)."""
    buffer = session.workspace.buffer(path)
    if buffer is not None:
        return buffer
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return handle.read(65536)
