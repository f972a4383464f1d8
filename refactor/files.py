"""Finding the files of a workspace the way git sees them.

``.gitignore`` files at every level (negations included, via pathspec's git-compatible
rules) and ``.git/info/exclude`` are honoured; ``.git`` is skipped, symlinked folders
are not followed, and symlinked files that point outside the given roots are dropped.
Used by ``claude-lsp check`` and by the agent's Glob, Grep and Symbols tools.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from refactor.text import looks_binary

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# Folders that are rarely listed in a .gitignore but never worth checking.
TOOL_FOLDERS = frozenset(
    {
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "site-packages",
        "__pypackages__",
    }
)


@dataclass(frozen=True)
class _Ignore:
    base: Path
    spec: GitIgnoreSpec

    @property
    def prefix(self) -> str:
        return os.path.join(self.base, "")


def _load(directory: Path, file: str = ".gitignore") -> list[_Ignore]:
    """The rules of ``directory/file``, relative to ``directory`` (none if unreadable).
    ``.git/info/exclude`` is loaded with ``file=".git/info/exclude"``: its rules are
    relative to the repository's top folder."""
    from pathspec import GitIgnoreSpec

    try:
        lines = (directory / file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [_Ignore(directory, GitIgnoreSpec.from_lines(lines))]


def _ignored(path: str, is_dir: bool, chain: list[_Ignore]) -> bool:
    """Git's verdict: the last rule that matches, from the outermost file inwards."""
    verdict = False
    for ignore in chain:
        prefix = ignore.prefix
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :].replace(os.sep, "/") + ("/" if is_dir else "")
        result = ignore.spec.check_file(rel)
        if result.include is not None:
            verdict = result.include
    return verdict


def within(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _ancestor_ignores(base: Path, roots: list[Path]) -> list[_Ignore]:
    """The ignore files above ``base`` within its root (or git repository), outermost
    first."""
    root = next((r for r in roots if within(base, [r])), None)
    if root is None:
        root = next((p for p in (base, *base.parents) if (p / ".git").exists()), base)
    chain = _load(root, ".git/info/exclude")
    directory = root
    chain += _load(directory)
    for part in base.relative_to(root).parts:
        directory = directory / part
        chain += _load(directory)
    return chain


def walk(
    base: Path, roots: list[Path] | None = None, skip: frozenset[str] = frozenset()
) -> Iterator[Path]:
    """Every file under ``base`` that git would not ignore (``base`` itself if a file),
    in a stable order (a folder's files by name, then its folders by name). ``base``
    and ``roots`` are taken as given (pass resolved paths); ``roots`` bound where
    symlinked files may point (default: base); folders named in ``skip`` are not
    entered. One ``scandir`` per folder and no other system call per entry (except for
    symlinks): a 100,000-file tree is walked in seconds."""
    roots = roots or [base]
    if base.is_file():
        yield base
        return
    pending: list[tuple[str, list[_Ignore]]] = [(str(base), _ancestor_ignores(base, roots))]
    while pending:
        directory, chain = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable or vanished: as os.walk, skipped
        if directory != str(base) and any(e.name == ".gitignore" for e in entries):
            chain = chain + _load(Path(directory))
        folders = []
        for entry in entries:
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
                is_file = not is_link and entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            name, path = entry.name, entry.path
            if is_dir:
                if name != ".git" and name not in skip and not _ignored(path, True, chain):
                    folders.append(path)
                continue
            if (not is_link and not is_file) or _ignored(path, False, chain):
                continue  # a FIFO, socket or device: reading it may never end
            if is_link:
                target = Path(path).resolve(strict=False)
                if not within(target, roots) or not target.is_file():
                    continue
            yield Path(path)
        pending.extend((folder, chain) for folder in reversed(folders))


def entry_filter(directory: Path, roots: list[Path]) -> Callable[[Path, bool], bool]:
    """Whether an entry of ``directory`` (a path and whether it is a folder) is one that
    ``walk`` would keep by git's ignore rules, for listing one folder again on its own."""
    chain = _ancestor_ignores(directory, roots)
    return lambda path, is_dir: path.name != ".git" and not _ignored(str(path), is_dir, chain)


def read_text(path: Path, max_bytes: int) -> str | None:
    """A file's text for searching and outlines: None when it is unreadable, larger
    than ``max_bytes`` or binary; invalid UTF-8 is replaced, not fatal."""
    try:
        info = path.stat()
        if info.st_size > max_bytes or not stat.S_ISREG(info.st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if looks_binary(data):
        return None
    return data.decode("utf-8", "replace")
