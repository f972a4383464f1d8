"""Checkpoints: what each turn changed in the workspace, so ``/rewind`` can undo it.

Before a tool changes a file, the file's earlier content is kept: for Write, Edit,
MultiEdit and NotebookEdit the file they name (read through the editor port, so an
editor's unsaved buffer is what is kept); for any other tool that may change things
(Bash, Rename, MCP tools) the workspace is compared before and after the call
(``agent.workspace_scan``: modification times and sizes, ignored folders skipped) and
each file it created, changed or deleted is recorded. The content before a command
comes from a copy of every file taken in the background during the session's first
model request and kept up to date the same way before each later one
(``refresh_soon``); a command that comes before the copy is done waits for it. In a git
repository, tracked files that git reports unchanged are not copied: their blob is read
back from git if needed (git is only read, its index never written). Files over
``MAX_FILE`` bytes are not copied; rewinding one is reported as impossible.

Snapshots live in the user data folder (``checkpoints/<session id>/turns.json`` and a
content-addressed ``checkpoints/blobs/`` shared by the sessions, so a file is kept once),
never in the user's git repository. A turn's record: the index of its prompt in the
conversation and, per file, the content before the turn's first change and after its
last. A workspace of more than ``MAX_TRACKED`` files is not copied: there, only the
files that Write and Edit change are checkpointed (a warning says so).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.types import EditorPort
from agent.workspace_scan import Tree, diff, rescan, scan

log = logging.getLogger(__name__)

FILE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
MAX_FILE = 2 * 1024 * 1024
MAX_TRACKED = 50_000
UNKNOWN = "unknown"  # the content before is not known (too big, or unreadable)
GIT = "git:"  # a blob of the user's git repository (read, never written)


@dataclass
class Turn:
    message_index: int | None  # None: the conversation was compacted since
    files: dict[str, dict[str, str | None]] = field(default_factory=dict)  # rel -> before/after


@dataclass
class Mark:
    """What ``before_tool`` saw, for ``after_tool``."""

    paths: list[Path] = field(default_factory=list)
    tree: Tree | None = None


class Checkpoints:
    def __init__(self, folder: Path, root: Path, port: EditorPort) -> None:
        self.folder, self.root, self.port = folder, root, port
        self.blobs = folder.parent / "blobs"  # shared by the sessions: a copy is kept once
        self.turns: list[Turn] = self._load()
        self._tree: Tree | None = None
        self._known: dict[str, str | None] = {}  # rel -> blob of the content last seen
        self._refresh: asyncio.Task[None] | None = None
        self._fresh = False  # a refresh ran since the last command: no scan needed before
        self.untracked = False  # the workspace is too big to copy

    # -- records --------------------------------------------------------------------

    def _load(self) -> list[Turn]:
        try:
            data = json.loads((self.folder / "turns.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("checkpoints of %s unreadable (%s); starting afresh", self.folder, exc)
            return []
        return [Turn(t.get("message_index"), t.get("files", {})) for t in data]

    def save(self) -> None:
        self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.mkdir(mode=0o700, exist_ok=True)
        data = [{"message_index": t.message_index, "files": t.files} for t in self.turns]
        tmp = self.folder / "turns.json.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.folder / "turns.json")

    def begin_turn(self, message_index: int) -> None:
        self.turns.append(Turn(message_index))
        self.save()

    def forget_messages(self) -> None:
        """The conversation was compacted: earlier turns' indices mean nothing now."""
        for turn in self.turns:
            turn.message_index = None
        self.save()

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.blobs / digest[:2] / digest[2:]
        if not path.exists():
            for folder in (self.blobs.parent, self.blobs, path.parent):  # owner only
                folder.mkdir(mode=0o700, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(path)
        return digest

    def get(self, digest: str) -> bytes:
        if digest.startswith(GIT):  # a clean tracked file: git keeps it
            return _git(self.root, "cat-file", "blob", digest.removeprefix(GIT))
        return (self.blobs / digest[:2] / digest[2:]).read_bytes()

    def _record(self, rel: str, before: str | None, after: str | None) -> None:
        if not self.turns:
            return
        entry = self.turns[-1].files.setdefault(rel, {"before": before, "after": after})
        entry["after"] = after
        self._known[rel] = after

    # -- around tools -----------------------------------------------------------------

    def refresh_soon(self) -> None:
        """Bring the copy of the workspace up to date in the background, while the model
        is thinking (the first time: take the copy)."""
        if not self.untracked and (self._refresh is None or self._refresh.done()):
            work = self._baseline if self._tree is None else self._update
            self._refresh = asyncio.ensure_future(asyncio.to_thread(work, fresh=True))

    async def before_tool(self, name: str, input: dict[str, Any], read_only: bool) -> Mark:
        if read_only:
            return Mark()
        if name in FILE_TOOLS:  # its own file is all it needs: no waiting for the copy
            value = input.get("file_path") or input.get("notebook_path")
            if not isinstance(value, str):
                return Mark()
            path = Path(os.path.normpath(self.root / Path(value).expanduser()))
            rel = self._rel(path)
            if rel is not None and (not self.turns or rel not in self.turns[-1].files):
                before = await self.content(path)
                if self.turns:
                    self.turns[-1].files[rel] = {"before": before, "after": before}
            return Mark(paths=[path])
        if self._refresh is not None:
            await self._refresh
        if self.untracked:
            return Mark()
        if self._tree is None:
            await asyncio.to_thread(self._baseline)
        elif not self._fresh:
            await asyncio.to_thread(self._update)
        return Mark(tree=self._tree)  # None when the workspace turned out too big

    async def close(self) -> None:
        if self._refresh is not None:
            await self._refresh

    async def after_tool(self, mark: Mark) -> None:
        for path in mark.paths:
            rel = self._rel(path)
            if rel is not None:
                self._record(rel, None, await self.content(path))
        if mark.tree is not None:
            await asyncio.to_thread(self._after_command, mark.tree)
        if mark.paths or mark.tree is not None:
            self.save()

    def _rel(self, path: Path) -> str | None:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else None

    async def content(self, path: Path) -> str | None:
        """The blob of the file as the editor has it; None when it does not exist."""
        try:
            text = await self.port.read_text(path)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # not text: the disk's bytes
            return await asyncio.to_thread(self._disk_blob, path)
        return self.put(text.encode("utf-8"))

    def _disk_blob(self, path: Path) -> str | None:
        try:
            if path.stat().st_size > MAX_FILE:
                return UNKNOWN
            return self.put(path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError:
            return UNKNOWN

    # -- the copy of the workspace (worker threads) -------------------------------------

    def _baseline(self, fresh: bool = False) -> None:
        tree = scan(self.root, MAX_TRACKED)
        if tree is None:
            log.warning("over %d files in %s: Bash changes are not checkpointed", MAX_TRACKED,
                        self.root)  # fmt: skip
            self._tree = None
            self.untracked = True
            return
        clean = _git_clean(self.root)
        for rel in tree.files:
            sha = clean.get(rel)
            self._known[rel] = GIT + sha if sha else self._disk_blob(self.root / rel)
        self._tree, self._fresh = tree, fresh

    def _update(self, fresh: bool = False) -> None:
        assert self._tree is not None
        tree = rescan(self._tree)
        for rel in diff(self._tree, tree):
            self._known[rel] = self._disk_blob(self.root / rel)
        self._tree, self._fresh = tree, fresh

    def _after_command(self, before: Tree) -> None:
        after = rescan(before)
        for rel in diff(before, after):
            was = self._known.get(rel, UNKNOWN if rel in before.files else None)
            now = self._disk_blob(self.root / rel)
            if self.turns and rel not in self.turns[-1].files:
                self.turns[-1].files[rel] = {"before": was, "after": now}
            self._record(rel, was, now)
        self._tree, self._fresh = after, False


def _git(root: Path, *args: str) -> bytes:
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, timeout=60, check=True,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},  # never touch the index
    )  # fmt: skip
    return done.stdout


def _git_clean(root: Path) -> dict[str, str]:
    """Tracked files that git says are unchanged (path relative to ``root`` -> blob id):
    their content need not be copied. Empty outside a git repository."""
    try:
        staged = _git(root, "ls-files", "--stage", "-z")
        changed = _git(root, "diff-files", "--name-only", "--relative", "-z")
        prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    dirty = set(changed.decode("utf-8", "replace").split("\0"))
    dirty |= {p.removeprefix(prefix) for p in set(dirty) if p.startswith(prefix)}
    clean = {}
    for record in staged.decode("utf-8", "replace").split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[2] == "0" and path not in dirty:
            clean[path] = fields[1]
    return clean
