"""CLAUDE.md memory, found and imported the way Claude Code does it.

Order (most general first, so more specific instructions come later and win):
``~/.claude/CLAUDE.md`` (user); ``CLAUDE.md`` and ``CLAUDE.local.md`` in each parent of
the workspace from the top down; then the workspace's own ``CLAUDE.md``,
``.claude/CLAUDE.md`` and ``CLAUDE.local.md``. A line's ``@path`` imports another file
(relative to the importing file, ``~/`` for home, or absolute) — not inside code spans
or fences — up to ``MAX_IMPORT_DEPTH`` hops; a file is included once, so cycles end.
Missing files are skipped (an ``@name`` is often just a mention) and so are secrets.
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
    loader = _Loader(home)
    for path, scope in candidates:
        loader.load(path, scope, None, 0)
    return loader.files


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
    def __init__(self, home: Path) -> None:
        self.home = home
        self.seen: set[Path] = set()
        self.files: list[MemoryFile] = []

    def load(self, path: Path, scope: Scope, importer: Path | None, depth: int) -> None:
        resolved = path.resolve(strict=False)
        if resolved in self.seen or not resolved.is_file():
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
            self.load(imported, "import", path, depth + 1)


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
