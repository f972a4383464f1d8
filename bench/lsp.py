"""A tiny JSON-RPC-over-stdio LSP client for benchmarks.

No pygls and no lsprotocol on this side: messages are plain dicts, so the client adds
as little as possible to the timings. A reader thread parses the server's stdout and
stamps every message with ``time.perf_counter()`` the moment it is complete; requests
the server sends (``workspace/configuration``, ``client/registerCapability``, …) are
answered from that thread at once, as an editor would.

Every server runs in its own process group, so ``close()`` also ends the helpers a
server starts (basedpyright runs node under a Python wrapper).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlparse

Message = dict[str, Any]

CLIENT_CAPABILITIES: Message = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": True},
        "publishDiagnostics": {
            "relatedInformation": True,
            "versionSupport": True,
            "tagSupport": {"valueSet": [1, 2]},
        },
        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
    },
    "workspace": {
        "configuration": True,
        "workspaceFolders": True,
        "didChangeConfiguration": {"dynamicRegistration": False},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
    },
    "window": {"workDoneProgress": True},
}


def _editor_capabilities() -> Message:
    caps = json.loads(json.dumps(CLIENT_CAPABILITIES))
    caps["textDocument"]["codeAction"] = {
        "dynamicRegistration": False,
        "isPreferredSupport": True,
        "disabledSupport": True,
        "dataSupport": True,
        "resolveSupport": {"properties": ["edit"]},
        "codeActionLiteralSupport": {
            "codeActionKind": {
                "valueSet": [
                    "",
                    "quickfix",
                    "refactor",
                    "refactor.extract",
                    "refactor.inline",
                    "refactor.rewrite",
                    "refactor.move",
                    "source",
                    "source.organizeImports",
                    "source.fixAll",
                ]
            }
        },
    }
    caps["textDocument"]["rename"] = {"dynamicRegistration": False, "prepareSupport": True}
    caps["workspace"]["applyEdit"] = True
    caps["workspace"]["workspaceEdit"] = {
        "documentChanges": True,
        "resourceOperations": ["create", "rename", "delete"],
        "failureHandling": "textOnlyTransactional",
    }
    return caps


# What VS Code declares for refactoring: codeAction/resolve of the edit, versioned
# documentChanges with resource operations, prepareRename. Used by the refactor benches.
EDITOR_CAPABILITIES: Message = _editor_capabilities()

_LIVE: set[LspProcess] = set()


@atexit.register
def close_all() -> None:
    """Kill every server still running (an interrupted bench, an exception)."""
    for process in list(_LIVE):
        process.close(graceful=False)


class ServerExited(RuntimeError):
    """The server closed its stdout (crashed or exited)."""


class LspProcess:
    """One language server process spoken to over stdio."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path,
        *,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.log_path = log_path
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.launched_at = 0.0
        self.workspace_folders: list[Message] = []
        self._ids = itertools.count(1)
        self._inbox: queue.Queue[tuple[float, Message | None]] = queue.Queue()
        self._write_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._log: IO[bytes] | None = None
        self.exited = False

    # -- process ------------------------------------------------------------------

    def start(self) -> float:
        """Launch the server; return the perf_counter time just before the launch."""
        stderr: Any = subprocess.DEVNULL
        if self.log_path is not None:
            self._log = self.log_path.open("ab")
            stderr = self._log
        self.launched_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=self.env,
            start_new_session=True,
        )
        _LIVE.add(self)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self.launched_at

    def close(self, graceful: bool = True, timeout: float = 1.0) -> None:
        """shutdown/exit when ``graceful`` and the server answers in time; then kill."""
        proc = self.proc
        if proc is None:
            return
        if graceful and proc.poll() is None and not self.exited:
            with contextlib.suppress(Exception):
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
                proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group we created at launch
        with contextlib.suppress(Exception):
            proc.kill()
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.proc = None
        _LIVE.discard(self)

    # -- wire ---------------------------------------------------------------------

    def _write(self, message: Message) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def _read_loop(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stream = self.proc.stdout
        try:
            while True:
                length = -1
                while True:
                    line = stream.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length < 0:
                    continue
                body = stream.read(length)
                if len(body) < length:
                    raise EOFError
                stamp = time.perf_counter()
                message = json.loads(body)
                if "method" in message and "id" in message:
                    self._answer(message)
                    continue
                self._inbox.put((stamp, message))
        except (EOFError, OSError, ValueError):
            self._inbox.put((time.perf_counter(), None))

    def _answer(self, request: Message) -> None:
        """Answer a server-to-client request the way a plain editor would."""
        method = request["method"]
        params = request.get("params") or {}
        result: Any = None
        if method == "workspace/configuration":
            result = [None for _ in params.get("items", [])]
        elif method == "workspace/workspaceFolders":
            result = self.workspace_folders
        elif method == "workspace/applyEdit":
            result = {"applied": False}
        with contextlib.suppress(OSError, ValueError):
            self._write({"jsonrpc": "2.0", "id": request["id"], "result": result})

    # -- API ----------------------------------------------------------------------

    def send_request(self, method: str, params: Any) -> int:
        ident = next(self._ids)
        self._write({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return ident

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; return the perf_counter time just before writing it."""
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        stamp = time.perf_counter()
        self._write(message)
        return stamp

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float
    ) -> tuple[float, Message] | None:
        """The first incoming message (in order) that matches; earlier ones are dropped.

        Returns ``(perf_counter time it arrived, message)`` or None on timeout. Raises
        ``ServerExited`` when the server's stdout closes first.
        """
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                stamp, message = self._inbox.get(timeout=remaining)
            except queue.Empty:
                return None
            if message is None:
                self.exited = True
                self._inbox.put((stamp, None))  # stay exited for later waits
                raise ServerExited(" ".join(self.argv))
            if predicate(message):
                return stamp, message

    def request(self, method: str, params: Any, timeout: float) -> tuple[float, Message] | None:
        ident = self.send_request(method, params)
        return self.wait_for(lambda m: m.get("id") == ident and "method" not in m, timeout)

    def drain(self) -> int:
        """Drop whatever has arrived so far; return how many messages that was."""
        count = 0
        while True:
            try:
                stamp, message = self._inbox.get_nowait()
            except queue.Empty:
                return count
            if message is None:
                self._inbox.put((stamp, None))
                return count
            count += 1

    # -- LSP helpers --------------------------------------------------------------

    def initialize(
        self,
        root: Path,
        timeout: float,
        options: Any = None,
        capabilities: Message | None = None,
    ) -> tuple[float, Message] | None:
        """Send ``initialize`` (right after launch); the response and when it arrived.

        ``capabilities`` replaces `CLIENT_CAPABILITIES` (`EDITOR_CAPABILITIES`, say).
        """
        self.workspace_folders = [{"uri": root.as_uri(), "name": root.name}]
        params: Message = {
            "processId": os.getpid(),
            "clientInfo": {"name": "claude-lsp-bench", "version": "0"},
            "rootUri": root.as_uri(),
            "rootPath": str(root),
            "workspaceFolders": self.workspace_folders,
            "capabilities": CLIENT_CAPABILITIES if capabilities is None else capabilities,
            "trace": "off",
        }
        if options is not None:
            params["initializationOptions"] = options
        return self.request("initialize", params, timeout)

    def did_open(self, uri: str, text: str, version: int = 1) -> float:
        item = {"uri": uri, "languageId": "python", "version": version, "text": text}
        return self.notify("textDocument/didOpen", {"textDocument": item})

    def did_change(self, uri: str, version: int, changes: list[Message]) -> float:
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
        return self.notify("textDocument/didChange", params)

    def wait_diagnostics(
        self,
        uri: str,
        timeout: float,
        *,
        version: int | None = None,
        non_empty: bool = False,
    ) -> tuple[float, Message] | None:
        """The next ``publishDiagnostics`` for ``uri``.

        With ``version``: a publish that carries a version must carry at least that one
        (older ones are stale and skipped); a publish without a version is taken as is.
        With ``non_empty``: skip publishes that carry no diagnostics.
        """

        def matches(message: Message) -> bool:
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message.get("params") or {}
            if params.get("uri") != uri:
                return False
            published = params.get("version")
            if version is not None and isinstance(published, int) and published < version:
                return False
            return not (non_empty and not params.get("diagnostics"))

        return self.wait_for(matches, timeout)


def sync_kind(initialize_result: Message) -> int:
    """The server's ``textDocumentSync`` change kind: 0 none, 1 full, 2 incremental."""
    sync = (initialize_result.get("capabilities") or {}).get("textDocumentSync")
    if isinstance(sync, int):
        return sync
    if isinstance(sync, dict):
        return int(sync.get("change") or 0)
    return 0


# -- workspace edits (refactor benches) -------------------------------------------------


def _offset(text: str, lines: list[int], position: Message) -> int:
    """The str index of an LSP position (UTF-16 ``character``) in ``text``."""
    line = int(position["line"])
    if line >= len(lines):
        return len(text)
    start = lines[line]
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    units = int(position["character"])
    index = start
    while index < end and units > 0:
        units -= 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


def apply_text_edits(text: str, edits: list[Message]) -> str:
    """``text`` with LSP ``TextEdit``s applied (all ranges refer to the original text)."""
    lines = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    spans = []
    for order, edit in enumerate(edits):
        start = _offset(text, lines, edit["range"]["start"])
        end = _offset(text, lines, edit["range"]["end"])
        spans.append((start, end, order, edit["newText"]))
    spans.sort(key=lambda s: (s[0], s[1], s[2]))
    for (start, end, _, _), (next_start, _, _, _) in itertools.pairwise(spans):
        if end > next_start:
            raise ValueError(f"overlapping edits at offsets {start}-{end} and {next_start}")
    out = []
    cursor = 0
    for start, end, _, new_text in spans:
        out.append(text[cursor:start])
        out.append(new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def edit_counts(edit: Message | None) -> tuple[int, int]:
    """(files, text edits) in a ``WorkspaceEdit`` (``changes`` or ``documentChanges``)."""
    if not edit:
        return 0, 0
    files: set[str] = set()
    count = 0
    for uri, edits in (edit.get("changes") or {}).items():
        if edits:
            files.add(uri)
            count += len(edits)
    for change in edit.get("documentChanges") or []:
        if "textDocument" in change and change.get("edits"):
            files.add(change["textDocument"]["uri"])
            count += len(change["edits"])
    return len(files), count


def apply_workspace_edit(edit: Message) -> dict[Path, str]:
    """Write a ``WorkspaceEdit`` to disk, as an editor would; return ``{path: new text}``.

    Handles ``changes`` and ``documentChanges`` (text edits, create, rename, delete).
    """
    written: dict[Path, str] = {}

    def edit_file(uri: str, edits: list[Message]) -> None:
        path = _path(uri)
        text = written.get(path)
        if text is None:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
        written[path] = apply_text_edits(text, edits)
        path.write_text(written[path], encoding="utf-8")

    for uri, edits in (edit.get("changes") or {}).items():
        edit_file(uri, edits)
    for change in edit.get("documentChanges") or []:
        kind = change.get("kind")
        if kind == "create":
            path = _path(change["uri"])
            overwrite = (change.get("options") or {}).get("overwrite")
            if overwrite or not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("", encoding="utf-8")
                written[path] = ""
        elif kind == "rename":
            old, new = _path(change["oldUri"]), _path(change["newUri"])
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
            if old in written:
                written[new] = written.pop(old)
        elif kind == "delete":
            path = _path(change["uri"])
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            written.pop(path, None)
        else:
            edit_file(change["textDocument"]["uri"], change.get("edits") or [])
    return written
