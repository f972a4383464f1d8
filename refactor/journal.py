"""Changes to several files, applied so that a crash half-way is undone on the next start.

A multi-file change (``claude-lsp rename`` and ``fix``, the agent's Rename tool) is
first written to a journal — every file's old text and a digest of its new text, and
the file moves — then each file is replaced atomically (a temporary file renamed over
it), then the journal is deleted. The journal file stays locked (``flock``) while the
change is applied, and the kernel drops the lock when the process dies, even by
``kill -9``. ``recover(roots)``, run when the server or a command starts, takes every
unlocked journal whose files all lie under ``roots`` and rolls its change back: a file
that holds the new text gets its old text again, a moved file moves back; a file that
changed since (neither old nor new) is left alone and reported. Nothing of a
half-applied change is left unreported.

``CLAUDE_LSP_TEST_STOP_AFTER_WRITES=N`` stops the process (SIGSTOP) after it has
written N files of a change: the tests use it to ``kill -9`` a rename at a known point.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no journal locking, so recovery leaves journals alone
    fcntl = None  # type: ignore[assignment]

STOP_AFTER_ENV = "CLAUDE_LSP_TEST_STOP_AFTER_WRITES"


def journal_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("claude-lsp") / "journal"


@dataclass
class Change:
    """A multi-file change: new texts per path (None: delete), then moves (old, new)."""

    texts: dict[str, str | None] = field(default_factory=dict)
    moves: list[tuple[str, str]] = field(default_factory=list)
    label: str = "change"


def _digest(text: str | None) -> str | None:
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` by ``text`` in one rename, keeping its permission bits."""
    target = os.path.realpath(path)  # through a symlink, not over it
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{os.urandom(6).hex()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _open_journal(path: Path, data: object) -> int:
    """Write the journal, locked before it appears under its name (a recovery never sees
    it unlocked while its process lives); returns the descriptor that holds the lock."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, json.dumps(data).encode("utf-8"))
    os.fsync(fd)
    os.replace(tmp, path)
    return fd


@contextlib.contextmanager
def _locked(path: Path, blocking: bool) -> Iterator[bool]:
    """Hold an exclusive lock on ``path``; yields False when ``blocking`` is False and
    another process holds it, when the journal is gone, or when it was deleted between
    our open and our lock (its change completed: never roll that back). Without
    ``flock`` (Windows) a journal is never taken: its process may be alive."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        yield False  # completed and removed since it was listed
        return
    try:
        if fcntl is None:
            yield False
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        if os.fstat(fd).st_nlink == 0:
            yield False  # unlinked by its process as it finished, before we locked
            return
        yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def pending(change: Change, folder: Path | None = None) -> Iterator[None]:
    """Journal ``change`` for the block that writes it (by any means): deleted when the
    block ends, rolled back at once when it fails, and by ``recover`` if the process
    dies inside it."""
    folder = folder or journal_dir()
    entries = [
        {"path": os.path.abspath(p), "old": _read(p), "new": _digest(t)}
        for p, t in change.texts.items()
    ]
    moves = [[os.path.abspath(a), os.path.abspath(b)] for a, b in change.moves]
    record = {"pid": os.getpid(), "label": change.label, "files": entries, "moves": moves}
    journal = folder / f"{uuid.uuid4().hex}.json"
    lock = _open_journal(journal, record)
    try:
        yield
    except BaseException:
        _roll_back(record)  # what was written goes back; the caller reports the error
        raise
    finally:
        journal.unlink()
        os.close(lock)


def stop_point(written: int) -> None:
    """The fault-injection hook of the module's docstring."""
    if written == int(os.environ.get(STOP_AFTER_ENV) or 0):
        os.kill(os.getpid(), signal.SIGSTOP)


def apply(change: Change, folder: Path | None = None) -> None:
    """Apply ``change`` to the disk under a journal (see the module's docstring)."""
    with pending(change, folder):
        for written, (path, text) in enumerate(change.texts.items(), 1):
            if text is None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            else:
                write_atomic(path, text)
            stop_point(written)
        for old, new in change.moves:
            os.makedirs(os.path.dirname(new) or ".", exist_ok=True)
            os.rename(old, new)


def _inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def recover(roots: list[str], folder: Path | None = None) -> list[str]:
    """Roll back every interrupted change under ``roots``; one line per thing done or
    left alone, for the user."""
    folder = folder or journal_dir()
    real_roots = [os.path.realpath(r) for r in roots]
    report: list[str] = []
    try:
        journals = sorted(folder.glob("*.json"))
    except OSError:
        return report
    for journal in journals:
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            paths = [e["path"] for e in record["files"]] + [p for m in record["moves"] for p in m]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written, or not ours: a complete journal is renamed in whole
        if not paths or not all(_inside(p, real_roots) for p in paths):
            continue
        with _locked(journal, blocking=False) as mine:
            if not mine:
                continue  # the change is being applied right now by a live process
            report.extend(_roll_back(record))
            journal.unlink(missing_ok=True)
    return report


def _roll_back(record: dict[str, object]) -> list[str]:
    label = str(record.get("label", "change"))
    lines: list[str] = []
    moved_back = 0
    for old, new in reversed(record["moves"]):  # type: ignore[call-overload]
        if os.path.exists(new) and not os.path.exists(old):
            os.rename(new, old)
            moved_back += 1
    restored: list[str] = []
    for entry in record["files"]:  # type: ignore[attr-defined]
        path, old, new = entry["path"], entry["old"], entry["new"]
        current = _read(path)
        if current == old:
            continue  # never written (or written back already)
        if _digest(current) == new:
            if old is None:
                os.unlink(path)
            else:
                write_atomic(path, old)
            restored.append(path)
        else:
            lines.append(f"{label}: {path} changed since the interrupted change; left as is")
    if not lines and not restored and not moved_back:
        files = ", ".join(str(e["path"]) for e in record["files"])  # type: ignore[attr-defined]
        lines.append(
            f"{label} was interrupted before it changed a file on disk ({files}); "
            "edits already sent to the editor may be unsaved there"
        )
    elif restored or moved_back:
        names = ", ".join(restored)
        lines.insert(
            0,
            f"{label} was interrupted: rolled back {len(restored)} file(s)"
            + (f" ({names})" if names else "")
            + (f" and {moved_back} move(s)" if moved_back else ""),
        )
    return lines
