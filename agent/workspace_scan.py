"""What changed in a workspace, by modification times and sizes, fast enough to run
around every Bash call.

A ``Tree`` holds each file's (mtime_ns, size) and each folder's mtime. ``rescan`` stats
the known folders and files again and lists again only the folders whose mtime moved
(a file was created, deleted or renamed in them), so its cost is a stat per known
entry. Ignored files and folders (``.gitignore`` rules, ``.git``, virtualenvs,
``node_modules`` …) are skipped, as ``refactor.files.walk`` skips them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from refactor.files import TOOL_FOLDERS, entry_filter

Stat = tuple[int, int]  # (mtime_ns, size)


@dataclass
class Tree:
    root: Path
    files: dict[str, Stat] = field(default_factory=dict)  # relative path -> stat
    dirs: dict[str, int] = field(default_factory=dict)  # relative folder -> mtime_ns
    limit: int | None = None  # scan: give up past this many files


class _TooMany(Exception):
    pass


def scan(root: Path, limit: int | None = None) -> Tree | None:
    """Every file of the workspace; None when there are more than ``limit``."""
    tree = Tree(root, limit=limit)
    try:
        _list(tree, "", recursive=True)
    except _TooMany:
        return None
    return tree


def rescan(old: Tree) -> Tree:
    """The tree now, listing again only the folders whose mtime changed."""
    tree = Tree(old.root, dict(old.files), {})
    changed: list[str] = []
    base, stat = f"{old.root}/", os.stat
    for rel, mtime in old.dirs.items():
        try:
            now = stat(base + rel if rel else str(old.root)).st_mtime_ns
        except OSError:
            changed.append(rel)
            continue
        tree.dirs[rel] = now
        if now != mtime:
            changed.append(rel)
    for rel in changed:
        if rel in tree.dirs:
            _list(tree, rel, recursive=False, known=old.dirs)
        else:  # the folder went away
            prefix = rel + "/"
            for path in [p for p in tree.files if p.startswith(prefix)]:
                del tree.files[path]
    for rel in list(tree.files):
        try:
            st = stat(base + rel)
        except OSError:
            del tree.files[rel]
            continue
        tree.files[rel] = (st.st_mtime_ns, st.st_size)
    return tree


def diff(before: Tree, after: Tree) -> list[str]:
    """The relative paths created, changed or deleted between two trees."""
    changed = [p for p, st in after.files.items() if before.files.get(p) != st]
    changed += [p for p in before.files if p not in after.files]
    return sorted(changed)


def _abs(root: Path, rel: str) -> str:
    return os.path.join(root, rel) if rel else str(root)


def _list(tree: Tree, rel: str, *, recursive: bool, known: dict[str, int] | None = None) -> None:
    """(Re)list the folder ``rel``: its files, and the subfolders it did not have."""
    directory = Path(_abs(tree.root, rel))
    keep = entry_filter(directory, [tree.root])
    prefix = rel + "/" if rel else ""
    for path in [p for p in tree.files if p.startswith(prefix) and "/" not in p[len(prefix) :]]:
        del tree.files[path]
    try:
        entries = list(os.scandir(directory))
        tree.dirs[rel] = os.stat(directory).st_mtime_ns
    except OSError:
        tree.dirs.pop(rel, None)
        return
    for entry in entries:
        child = prefix + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in TOOL_FOLDERS or not keep(Path(entry.path), True):
                    continue
                if recursive or known is None or child not in known:
                    _list(tree, child, recursive=True)
            elif entry.is_file(follow_symlinks=False) and keep(Path(entry.path), False):
                st = entry.stat(follow_symlinks=False)
                tree.files[child] = (st.st_mtime_ns, st.st_size)
                if tree.limit is not None and len(tree.files) > tree.limit:
                    raise _TooMany
        except OSError:
            continue
