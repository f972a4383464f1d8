"""Walk the workspace the way git sees it: ``.gitignore`` files (nested ones too) and
``.git/info/exclude`` are honoured, ``.git`` itself is skipped, symlinked directories
are not followed and symlinks that leave the workspace are dropped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from agent.paths import within


@dataclass(frozen=True)
class _Ignore:
    base: Path
    spec: pathspec.GitIgnoreSpec


def _load(directory: Path, names: tuple[str, ...] = (".gitignore",)) -> list[_Ignore]:
    found = []
    for name in names:
        try:
            lines = (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        found.append(_Ignore(directory, pathspec.GitIgnoreSpec.from_lines(lines)))
    return found


def _ignored(path: Path, is_dir: bool, chain: list[_Ignore]) -> bool:
    verdict = False
    for ignore in chain:
        if not path.is_relative_to(ignore.base):
            continue
        rel = path.relative_to(ignore.base).as_posix() + ("/" if is_dir else "")
        result = ignore.spec.check_file(rel)
        if result.include is not None:
            verdict = result.include
    return verdict


def _ancestor_ignores(base: Path, roots: list[Path]) -> list[_Ignore]:
    """The ignore files above ``base`` within its root, outermost first."""
    root = next((r for r in roots if base == r or base.is_relative_to(r)), base)
    chain = _load(root / ".git" / "info", ("exclude",))
    directory = root
    chain += _load(directory)
    for part in base.relative_to(root).parts:
        directory = directory / part
        chain += _load(directory)
    return chain


def walk_files(base: Path, roots: list[Path]) -> Iterator[Path]:
    """Every file under ``base`` that git would not ignore (``base`` itself if a file)."""
    if base.is_file():
        yield base
        return
    top_chain = _ancestor_ignores(base, roots)
    chains: dict[str, list[_Ignore]] = {str(base): top_chain}
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        directory = Path(dirpath)
        chain = chains.pop(dirpath)
        if directory != base:
            chain = chain + _load(directory)
        kept = []
        for name in sorted(dirnames):
            child = directory / name
            if name == ".git" or child.is_symlink() or _ignored(child, True, chain):
                continue
            kept.append(name)
            chains[str(child)] = chain
        dirnames[:] = kept
        for name in sorted(filenames):
            path = directory / name
            if _ignored(path, False, chain):
                continue
            if path.is_symlink():
                target = path.resolve(strict=False)
                if not within(target, roots) or not target.is_file():
                    continue
            yield path
