"""Sessions as JSONL transcripts under the user data dir.

One line per record, appended and flushed before the loop goes on, so a killed process
(even kill -9) loses at most the message being written; each append is then fsynced on a
background thread (against power loss) so the disk's latency stays off the turn, and
``close`` waits for the last fsync. Records:
``{"type": "meta", ...}`` first, then ``{"type": "message", "message": {role, content}}``,
``{"type": "usage", "model", "usage", "cost_usd"}`` per request, and
``{"type": "compact", "messages": [...]}`` which replaces the messages before it.
Environment variables, and so API keys, are never written.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agent.errors import SessionNotFound

log = logging.getLogger(__name__)

Message = dict[str, Any]
INTERRUPTED = (
    "Interrupted: the session stopped (it was killed or crashed) before this tool's result "
    "was recorded; the tool may have run in part or in full. Check the current state (read "
    "the file again, say) before you retry it."
)


def default_root() -> Path:
    from platformdirs import user_data_path

    return user_data_path("claude-lsp") / "sessions"


@dataclass
class Session:
    id: str
    path: Path
    cwd: str = ""
    model: str = ""
    messages: list[Message] = field(default_factory=list)
    cost_usd: float = 0.0  # all requests recorded so far
    _file: IO[str] | None = field(default=None, repr=False)
    _syncer: ThreadPoolExecutor | None = field(default=None, repr=False)
    _sync: Future[None] | None = field(default=None, repr=False)

    def append(self, message: Message) -> None:
        """Add a message to the transcript and to disk."""
        self.messages.append(message)
        self._write({"type": "message", "message": message})

    def record_usage(self, model: str, usage: dict[str, int], cost_usd: float) -> None:
        self.cost_usd += cost_usd
        self._write({"type": "usage", "model": model, "usage": usage, "cost_usd": cost_usd})

    def record_result(self, block: Message) -> None:
        """One tool's result as soon as it is known, before the message that will carry
        the results of all the calls of its turn: a session stopped between two tools
        resumes with the results of the ones that ran (see `repair`)."""
        self._write({"type": "tool_result", "block": block})

    def set_model(self, model: str) -> None:
        """Continue with another model (recorded, so a resume keeps it)."""
        self.model = model
        self._write({"type": "model", "model": model})

    def replace_messages(self, messages: list[Message]) -> None:
        """After compaction: the new history, stored as one record."""
        self.messages[:] = messages
        self._write({"type": "compact", "messages": messages})

    def close(self) -> None:
        if self._syncer is not None:
            self._syncer.shutdown(wait=True)
            self._syncer, self._sync = None, None
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            # Transcripts hold file contents: readable by their owner only.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
            self._syncer = ThreadPoolExecutor(1, thread_name_prefix="session-fsync")
        self._file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()
        # An fsync still queued will cover this write too; else queue one.
        if self._sync is None or self._sync.running() or self._sync.done():
            assert self._syncer is not None
            self._sync = self._syncer.submit(os.fsync, self._file.fileno())


def repair(messages: list[Message], recorded: dict[str, Message] | None = None) -> list[Message]:
    """Make a transcript sendable: every tool_use of the last assistant message gets a
    tool_result if the process stopped before the results were written — the one
    ``recorded`` for it (`Session.record_result`: the tool ran), else `INTERRUPTED`."""
    if not messages or messages[-1].get("role") != "assistant":
        return messages
    content = messages[-1].get("content")
    ids = [b["id"] for b in content or [] if isinstance(b, dict) and b.get("type") == "tool_use"]
    if ids:
        recorded = recorded or {}
        results = [
            recorded.get(i)
            or {"type": "tool_result", "tool_use_id": i, "content": INTERRUPTED, "is_error": True}
            for i in ids
        ]
        messages.append({"role": "user", "content": results})
    return messages


class SessionStore:
    """Create, load, list and fork sessions in one directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()

    def create(self, cwd: Path, model: str, messages: list[Message] | None = None) -> Session:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        sid = str(uuid.uuid4())
        session = Session(id=sid, path=self.root / f"{sid}.jsonl", cwd=str(cwd), model=model)
        session._write(
            {"type": "meta", "id": sid, "cwd": str(cwd), "model": model, "created": time.time()}
        )
        if messages:
            session.replace_messages(list(messages))
        return session

    def load(self, sid: str) -> Session:
        path = self.root / f"{sid}.jsonl"
        if not path.is_file():
            matches = sorted(self.root.glob(f"{sid}*.jsonl")) if sid else []
            if len(matches) != 1:
                raise SessionNotFound(f"no session {sid!r} in {self.root}")
            path = matches[0]
        session = Session(id=path.stem, path=path)
        recorded: dict[str, Message] = {}  # tool results by tool_use id
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d: skipping a damaged line", path, number)
                continue
            kind = record.get("type")
            if kind == "meta":
                session.cwd, session.model = record.get("cwd", ""), record.get("model", "")
            elif kind == "message":
                session.messages.append(record["message"])
            elif kind == "compact":
                session.messages = list(record["messages"])
            elif kind == "usage":
                session.cost_usd += float(record.get("cost_usd", 0.0))
            elif kind == "model" and isinstance(record.get("model"), str):
                session.model = record["model"]
            elif kind == "tool_result" and isinstance(block := record.get("block"), dict):
                recorded[str(block.get("tool_use_id"))] = block
        before = len(session.messages)
        repair(session.messages, recorded)
        for message in session.messages[before:]:
            session._write({"type": "message", "message": message})
        return session

    def latest(self, cwd: Path | None = None) -> Session | None:
        """The most recently written session (for ``cwd`` when given)."""
        if not self.root.is_dir():
            return None
        for path in sorted(self.root.glob("*.jsonl"), key=os.path.getmtime, reverse=True):
            if cwd is None or _meta(path).get("cwd") == str(cwd):
                return self.load(path.stem)
        return None

    def fork(self, sid: str) -> Session:
        """A new session starting with a copy of ``sid``'s messages."""
        source = self.load(sid)
        source.close()
        forked = self.create(Path(source.cwd), source.model, source.messages)
        forked.cost_usd = source.cost_usd
        return forked

    def delete(self, sid: str) -> None:
        path = self.root / f"{sid}.jsonl"
        if "/" in sid or not path.is_file():
            raise SessionNotFound(f"no session {sid!r} in {self.root}")
        path.unlink()

    def summaries(self, cwd: Path | None = None) -> list[dict[str, Any]]:
        """For a session picker, newest first: id, title (the first prompt), created,
        modified, model, cost and message count; only ``cwd``'s sessions when given."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("*.jsonl"):
            try:
                summary = _summary(path)
            except OSError as exc:  # deleted meanwhile, unreadable
                log.info("skipping session %s: %s", path.name, exc)
                continue
            if cwd is None or summary.get("cwd") == str(cwd):
                found.append(summary)
        found.sort(key=lambda s: s["modified"], reverse=True)
        return found

    def list(self) -> list[dict[str, Any]]:
        """Metadata of every session, newest first."""
        if not self.root.is_dir():
            return []
        paths = sorted(self.root.glob("*.jsonl"), key=os.path.getmtime, reverse=True)
        return [{**_meta(p), "id": p.stem, "modified": os.path.getmtime(p)} for p in paths]


def _meta(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        try:
            record = json.loads(f.readline())
        except json.JSONDecodeError:
            return {}
    return record if isinstance(record, dict) and record.get("type") == "meta" else {}


def _summary(path: Path) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": path.stem,
        "title": "",
        "created": 0.0,
        "modified": path.stat().st_mtime,
        "model": "",
        "cwd": "",
        "cost_usd": 0.0,
        "messages": 0,
    }
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                continue
            kind = record.get("type")
            if kind == "meta":
                summary.update(cwd=record.get("cwd", ""), model=record.get("model", ""))
                summary["created"] = float(record.get("created") or 0.0)
            elif kind == "model":
                summary["model"] = record.get("model", summary["model"])
            elif kind == "usage":
                summary["cost_usd"] += float(record.get("cost_usd") or 0.0)
            elif kind == "message":
                summary["messages"] += 1
                if not summary["title"]:
                    summary["title"] = _title(record.get("message"))
            elif kind == "compact":
                summary["messages"] = len(record.get("messages") or [])
    return summary


def _title(message: Any, limit: int = 80) -> str:
    """The text of a user message, on one line and shortened."""
    if not isinstance(message, dict) or message.get("role") != "user":
        return ""
    content = message.get("content")
    if isinstance(content, str):
        text = content
    else:
        text = " ".join(
            b.get("text", "")
            for b in content or []
            if isinstance(b, dict) and b.get("type") == "text"
        )
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
