"""The headless editor port: the file system and the terminal.

Files are read as UTF-8 with their line endings untouched and written atomically (a
temporary file in the same directory, then a rename) keeping the file's mode, so an
interrupted write never leaves half a file. The tools confine paths before they call
the port; the port checks again on the open descriptor (the file, or the directory the
new file goes in), so a symlink swapped in between cannot lead outside the workspace.
Permission questions go to the terminal when there is a person at it and are denied
when there is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from agent.paths import PathError, resolve_roots
from agent.types import Event, PermissionDecision, PermissionRequest
from refactor.files import within

ANSWERS: dict[str, PermissionDecision] = {
    "y": "allowOnce",
    "yes": "allowOnce",
    "a": "allowAlways",
    "always": "allowAlways",
    "n": "deny",
    "no": "deny",
    "": "deny",
}


class FileSystemPort:
    """EditorPort on the local file system; permission prompts on the terminal."""

    def __init__(
        self,
        roots: list[Path],
        interactive: bool,
        stream_out: TextIO,
        stream_err: TextIO,
        *,
        stdin: TextIO | None = None,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self.roots = resolve_roots(roots)
        self.interactive = interactive
        self.stream_out = stream_out
        self.stream_err = stream_err
        self.stdin = stdin if stdin is not None else sys.stdin
        # The CLI's renderer (text / json / stream-json); a plain one by default.
        self.on_event = on_event

    async def read_text(self, path: Path) -> str:
        return await read_disk_text(path, self.roots)

    async def write_text(self, path: Path, text: str) -> None:
        await asyncio.to_thread(write_atomic, path, text.encode("utf-8"), self.roots)

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        if not self.interactive:
            return "deny"
        prompt = f"\nAllow {request.tool}: {request.summary}?  [y]es / [a]lways / [n]o: "
        while True:
            self.stream_err.write(prompt)
            self.stream_err.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:  # end of input: nobody is there to say yes
                return "deny"
            answer = ANSWERS.get(line.strip().lower())
            if answer is not None:
                return answer

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)
            return
        data = event.data
        if event.kind == "text":
            self.stream_out.write(str(data.get("text", "")))
            self.stream_out.flush()
        elif event.kind == "tool_call":
            self.stream_err.write(f"\n● {data.get('name')} {_brief(data.get('input'))}\n")
        elif event.kind == "tool_output":
            self.stream_err.write(str(data.get("text", "")))
        elif event.kind == "tool_result" and data.get("is_error"):
            self.stream_err.write(f"  ✗ {_brief(data.get('content'))}\n")
        elif event.kind in ("error", "retry"):
            self.stream_err.write(f"{event.kind}: {data}\n")


async def read_disk_text(path: Path, roots: list[Path]) -> str:
    """The file as UTF-8 text, read off the loop; FileNotFoundError when missing,
    ValueError when it is not UTF-8 text, PathError when it really lies outside
    ``roots``."""
    data = await asyncio.to_thread(_read_bytes, path, roots)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _read_bytes(path: Path, roots: list[Path]) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        check_opened(fd, path, roots)
        return handle.read()


def check_opened(fd: int, path: Path, roots: list[Path] | None) -> None:
    """Refuse an open descriptor that is really outside ``roots`` (Linux: /proc)."""
    if roots is None:
        return
    try:
        real = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return  # no /proc: the tools' check before the call is all there is
    if not within(real, roots):
        raise PathError(f"{path} now leads to {real}, outside the workspace; refused")


def write_atomic(path: Path, data: bytes, roots: list[Path] | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename, keeping its permission bits. The
    temporary file and the rename go through one open descriptor of the directory,
    checked to be inside ``roots`` when given."""
    target = path.resolve(strict=False)  # write through a symlink, not over it
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    target.parent.mkdir(parents=True, exist_ok=True)
    directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    tmp = f".{target.name}.{os.urandom(6).hex()}.tmp"
    try:
        check_opened(directory, target.parent, roots)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
                if mode is None:
                    umask = os.umask(0)
                    os.umask(umask)
                    mode = 0o666 & ~umask
                os.fchmod(handle.fileno(), mode)
            os.replace(tmp, target.name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=directory)
            raise
    finally:
        os.close(directory)


def _brief(value: object, limit: int = 160) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
