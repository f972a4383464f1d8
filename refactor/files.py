"""Finding the files of a workspace the way git sees them.

``.gitignore`` files are honoured at every level (via pathspec's git-compatible rules),
plus ``.git/info/exclude``; version-control folders, virtual environments and
dependency caches that are rarely ignored explicitly are skipped too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

ALWAYS_SKIPPED = frozenset(
    {
        ".git",
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


def _spec(path: Path) -> GitIgnoreSpec | None:
    from pathspec import GitIgnoreSpec

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return GitIgnoreSpec.from_lines(lines)


def walk(root: Path) -> Iterator[Path]:
    """Every file under ``root`` that git would not ignore, in a stable order."""
    root = root.resolve()
    specs: list[tuple[Path, GitIgnoreSpec]] = []
    exclude = _find_git_exclude(root)
    if exclude is not None:
        spec = _spec(exclude[1])
        if spec is not None:
            specs.append((exclude[0], spec))

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in specs:
            if base != path and base in path.parents:
                rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
                if spec.match_file(rel):
                    return True
        return False

    for current, dirs, files in os.walk(root):
        here = Path(current)
        specs[:] = [(b, s) for b, s in specs if b == here or b in here.parents]
        gitignore = here / ".gitignore"
        if gitignore.is_file():
            spec = _spec(gitignore)
            if spec is not None:
                specs.append((here, spec))
        dirs[:] = sorted(
            d for d in dirs if d not in ALWAYS_SKIPPED and not ignored(here / d, is_dir=True)
        )
        for name in sorted(files):
            path = here / name
            if not ignored(path, is_dir=False):
                yield path


def _find_git_exclude(root: Path) -> tuple[Path, Path] | None:
    for folder in (root, *root.parents):
        if (folder / ".git").is_dir():
            exclude = folder / ".git" / "info" / "exclude"
            return (folder, exclude) if exclude.is_file() else None
    return None
