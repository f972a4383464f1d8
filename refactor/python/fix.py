"""The ``claude-lsp fix`` and ``claude-lsp rename`` commands: the engine on the disk.

Both compute a `WorkspaceEdit` with the same code the server uses, then either print
a unified diff (``--diff``) or write the files (and perform the renames).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from refactor import journal
from refactor.files import TOOL_FOLDERS, walk
from refactor.python.edits import RefactorError, WorkspaceEdit, apply_edits, normalize_newlines
from refactor.text import Position


def python_files(paths: list[str]) -> Iterator[str]:
    """Python files named directly, and those under folders that git would not ignore."""
    for path in paths:
        if os.path.isdir(path):
            base = Path(path).resolve()
            for found in walk(base, skip=TOOL_FOLDERS):
                if found.suffix in (".py", ".pyi"):
                    yield os.path.relpath(found)
        else:
            yield path


def _project_root(path: str) -> str:
    """The nearest folder up with a project marker; else the current directory when it
    holds the file; else the folder above the file's top package."""
    folder = os.path.dirname(os.path.abspath(path))
    probe = folder
    while True:
        if any(os.path.exists(os.path.join(probe, m)) for m in ("pyproject.toml", ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    cwd = os.getcwd()
    if folder == cwd or folder.startswith(cwd + os.sep):
        return cwd
    while os.path.exists(os.path.join(folder, "__init__.py")):
        folder = os.path.dirname(folder)
    return folder


def _read(path: str) -> tuple[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        raw = handle.read()
    return raw, normalize_newlines(raw)


def _diff(path: str, old: str, new: str, new_path: str | None = None) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{os.path.relpath(path)}",
            f"b/{os.path.relpath(new_path or path)}",
        )
    )


def apply(edit: WorkspaceEdit, diff: bool, out: object = sys.stdout) -> int:
    """Write ``edit`` to disk under a journal (or print it as a diff); returns the number
    of files."""
    renamed = dict(edit.renames)
    change = journal.Change(label="claude-lsp rename")
    for path in dict.fromkeys([*edit.changes, *edit.creates]):
        exists = os.path.exists(path)
        raw, old = _read(path) if exists else ("", "")
        new = apply_edits(old, edit.changes.get(path, []))
        if diff:
            print(_diff(path, old, new, renamed.get(path)), end="", file=out)  # type: ignore[call-overload]
            continue
        change.texts[path] = _with_newlines(new, raw)
    for old_path, new_path in edit.renames:
        if diff:
            print(f"rename {os.path.relpath(old_path)} → {os.path.relpath(new_path)}", file=out)  # type: ignore[call-overload]
        else:
            change.moves.append((old_path, new_path))
    if not diff:
        journal.apply(change)
    return len(edit.files())


def _with_newlines(new: str, raw: str) -> str:
    newline = "\r\n" if "\r\n" in raw else "\n"
    return new.replace("\n", newline) if newline != "\n" else new


def recover(roots: list[str]) -> None:
    """Roll back a change an earlier run left half-applied (killed), and say so."""
    for line in journal.recover(roots):
        print(f"claude-lsp: {line}", file=sys.stderr)


def fix_main(argv: list[str]) -> int:
    """``claude-lsp fix [PATH ...] [--diff]``: remove unused imports and organize."""
    from refactor.python.imports import fix_text
    from refactor.python.workspace import PythonWorkspace

    parser = argparse.ArgumentParser(
        prog="claude-lsp fix", description="Apply source.fixAll (unused imports, organize)."
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    args = parser.parse_args(argv)
    changed = 0
    workspaces: dict[str, PythonWorkspace] = {}
    recover([os.getcwd(), *(os.path.abspath(p) for p in args.paths)])
    change = journal.Change(label="claude-lsp fix")
    try:
        for path in python_files(args.paths):
            root = _project_root(path)
            workspace = workspaces.setdefault(root, PythonWorkspace(root))
            try:
                raw, old = _read(path)
            except (OSError, UnicodeDecodeError) as error:
                print(f"{path}: {error}", file=sys.stderr)
                continue
            full = os.path.abspath(path)
            new = workspace.run(lambda s, p=full, t=old: fix_text(s, p, t))  # type: ignore[misc]
            if new == old:
                continue
            changed += 1
            if args.diff:
                print(_diff(path, old, new), end="")
            else:
                change.texts[full] = _with_newlines(new, raw)
        if change.texts:
            journal.apply(change)
    finally:
        for workspace in workspaces.values():
            workspace.close()
    verb = "would fix" if args.diff else "fixed"
    print(f"{verb} {changed} file{'s' if changed != 1 else ''}", file=sys.stderr)
    return 1 if args.diff and changed else 0


def rename_main(argv: list[str]) -> int:
    """``claude-lsp rename FILE:LINE:COL NEW_NAME [--diff]`` (1-based line and column)."""
    from refactor.python.rename import rename
    from refactor.python.workspace import PythonWorkspace

    parser = argparse.ArgumentParser(
        prog="claude-lsp rename", description="Rename a Python symbol across the project."
    )
    parser.add_argument("location", metavar="FILE:LINE:COL", help="1-based line and column")
    parser.add_argument("new_name", metavar="NEW_NAME")
    parser.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    parser.add_argument("--root", help="project root (default: nearest pyproject.toml/.git)")
    args = parser.parse_args(argv)
    try:
        path, line, col = args.location.rsplit(":", 2)
        position = Position(int(line) - 1, int(col) - 1)
    except ValueError:
        parser.error(f"expected FILE:LINE:COL, got {args.location!r}")
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        parser.error(f"no such file: {path}")
    root = args.root or _project_root(path)
    recover([root])
    workspace = PythonWorkspace(root)
    try:
        edit = workspace.run(lambda s: rename(s, path, position, args.new_name))
    except RefactorError as error:
        print(f"claude-lsp rename: {error}", file=sys.stderr)
        return 1
    finally:
        workspace.close()
    needed = [g.needed for g in edit.groups if g.needed]
    if needed:  # nobody to confirm the edits the rename needs
        print(f"claude-lsp rename: {needed[0]}; nothing was changed", file=sys.stderr)
        return 1
    for note in edit.notes:
        print(f"note: {note}", file=sys.stderr)
    for group in edit.groups:  # nobody to ask: only the sure edits are applied
        print(f"note: left out {group.count()} edit(s): {group.description}", file=sys.stderr)
    count = apply(edit, args.diff)
    edits = sum(len(e) for e in edit.changes.values())
    verb = "would change" if args.diff else "changed"
    print(f"{verb} {count} file(s), {edits} edit(s)", file=sys.stderr)
    return 0
