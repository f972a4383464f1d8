"""CLAUDE.md memory, found and imported the way Claude Code does it.

Order (most general first, so more specific instructions come later and win):
``~/.claude/CLAUDE.md`` (user); ``CLAUDE.md`` and ``CLAUDE.local.md`` in each parent of
the workspace from the top down; then the workspace's own ``CLAUDE.md``,
``.claude/CLAUDE.md`` and ``CLAUDE.local.md``. A line's ``@path`` imports another file
(relative to the importing file, ``~/`` for home, or absolute) — not inside code spans
or fences — up to ``MAX_IMPORT_DEPTH`` hops; a file is included once, so cycles end.
Missing files are skipped (an ``@name`` is often just a mention) and so are secrets.

The memory files in the workspace (``CLAUDE.md``, ``.claude/CLAUDE.md``,
``CLAUDE.local.md``) come with the repository, so they may not pull files from outside
the workspace into the model's context (``@~/.config/gh/hosts.yml``,
``@../other-project/…``, or a ``CLAUDE.md`` that is a symlink to one) unless the user
approved such imports for this project, as Claude Code asks once:
``hasClaudeMdExternalIncludesApproved`` in the project's entry of ``~/.claude.json``.
Imports from the user's own memory (``~/.claude/CLAUDE.md``, parent folders) are not
limited.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.paths import secret_reason

log = logging.getLogger(__name__)

MAX_IMPORT_DEPTH = 5
MAX_FILE_BYTES = 256 * 1024
Scope = Literal["user", "parent", "project", "local", "import"]

_IMPORT = re.compile(r"(?:^|(?<=\s))@((?:~/|/|\.{1,2}/)?[^\s`'\"<>()\[\]{},;]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class MemoryFile:
    path: Path
    content: str
    scope: Scope
    imported_from: Path | None = None


def load_memory(cwd: Path, home: Path | None = None) -> list[MemoryFile]:
    return load_memory_report(cwd, home)[0]


def load_memory_report(cwd: Path, home: Path | None = None) -> tuple[list[MemoryFile], list[Path]]:
    """The memory files, and the imports outside the workspace that the project's own
    memory asked for and that were not loaded (not approved)."""
    home = Path.home() if home is None else home
    cwd = cwd.resolve(strict=False)
    candidates: list[tuple[Path, Scope]] = [(home / ".claude" / "CLAUDE.md", "user")]
    for parent in reversed(cwd.parents):
        candidates += [(parent / "CLAUDE.md", "parent"), (parent / "CLAUDE.local.md", "parent")]
    candidates += [
        (cwd / "CLAUDE.md", "project"),
        (cwd / ".claude" / "CLAUDE.md", "project"),
        (cwd / "CLAUDE.local.md", "local"),
    ]
    repository = _repository_top(cwd)
    # what came with the clone may read the clone, nothing else
    loader = _Loader(home, repository or cwd, external_imports_approved(cwd, home))
    for path, scope in candidates:
        # What lives in the workspace came with it (a clone may hold CLAUDE.local.md too),
        # and so does a parent folder's memory inside the same repository (a monorepo's
        # root CLAUDE.md when a package folder is opened).
        own = scope == "user" or (
            scope == "parent" and (repository is None or not path.is_relative_to(repository))
        )
        loader.load(path, scope, None, 0, trusted=own)
    return loader.files, loader.skipped


def _repository_top(cwd: Path) -> Path | None:
    """The top of the git work tree holding ``cwd`` (a ``.git`` folder or file), if any."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def external_imports_approved(cwd: Path, home: Path) -> bool:
    """Claude Code's per-project approval of CLAUDE.md imports from outside it."""
    from agent.trust import project_entry

    return project_entry(cwd, home).get("hasClaudeMdExternalIncludesApproved") is True


def memory_prompt(files: list[MemoryFile]) -> str:
    """The memory as one block for the system prompt ("" when there is none)."""
    if not files:
        return ""
    labels = {
        "user": "user's private global instructions for all projects",
        "parent": "instructions from a parent directory",
        "project": "project instructions, checked into the codebase",
        "local": "user's private project instructions, not checked in",
        "import": "imported",
    }
    parts = [
        "Codebase and user instructions are shown below. Be sure to adhere to these "
        "instructions. IMPORTANT: These instructions OVERRIDE any default behavior and "
        "you MUST follow them exactly as written."
    ]
    for memory in files:
        label = labels[memory.scope]
        if memory.imported_from is not None:
            label = f"imported by {memory.imported_from}"
        parts.append(f"Contents of {memory.path} ({label}):\n\n{memory.content.strip()}")
    return "\n\n".join(parts)


class _Loader:
    def __init__(self, home: Path, boundary: Path, approved: bool) -> None:
        self.home = home
        self.boundary = boundary
        self.approved = approved
        self.seen: set[Path] = set()
        self.files: list[MemoryFile] = []
        self.skipped: list[Path] = []

    def load(
        self, path: Path, scope: Scope, importer: Path | None, depth: int, *, trusted: bool
    ) -> None:
        resolved = path.resolve(strict=False)
        if resolved in self.seen or not resolved.is_file():
            return
        if not trusted and not self.approved and not resolved.is_relative_to(self.boundary):
            log.warning(
                "memory: %s imports %s, outside the workspace; not loaded (approve with "
                '"hasClaudeMdExternalIncludesApproved": true in this project\'s entry of '
                "~/.claude.json)",
                importer,
                path,
            )
            self.skipped.append(path)
            return
        self.seen.add(resolved)
        if secret_reason(resolved):
            log.warning("memory: not importing %s, it looks like a secret", path)
            return
        try:
            data = resolved.read_bytes()[: MAX_FILE_BYTES + 1]
        except OSError as exc:
            log.warning("memory: cannot read %s: %s", path, exc)
            return
        if len(data) > MAX_FILE_BYTES:
            log.warning("memory: %s is larger than %d bytes; cut", path, MAX_FILE_BYTES)
            data = data[:MAX_FILE_BYTES]
        content = data.decode("utf-8", "replace")
        self.files.append(MemoryFile(path, content, scope, importer))
        targets = _imports(content)
        if depth >= MAX_IMPORT_DEPTH:
            if targets:
                log.warning("memory: imports in %s not followed (depth limit %d)", path, depth)
            return
        for target in targets:
            if target.startswith("~/"):
                imported = self.home / target[2:]
            elif target.startswith("/"):
                imported = Path(target)
            else:
                imported = resolved.parent / target
            self.load(imported, "import", path, depth + 1, trusted=trusted)


def _imports(content: str) -> list[str]:
    """The ``@path`` targets outside code fences and inline code spans."""
    targets: list[str] = []
    in_fence = False
    for line in content.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in _IMPORT.finditer(re.sub(r"`[^`]*`", "", line)):
            target = match.group(1).rstrip(".:!?")
            if target and "@" not in target:
                targets.append(target)
    return targets
