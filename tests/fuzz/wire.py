"""A strict stdio client for fuzzing: it sends anything, and checks everything it gets.

Every byte the server writes to stdout must be a ``Content-Length`` frame holding one
JSON-RPC 2.0 object; a reader thread parses them and records any violation. The server
runs with its ``server.documents`` logger at DEBUG into a log file, where it writes a
digest of each document version it holds: `FuzzServer.digests` reads them back, so a
test can compare the server's copy with its own.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

Message = dict[str, Any]
SERVER = [
    sys.executable,
    "-c",
    "import logging, sys; logging.getLogger('server.documents').setLevel(logging.DEBUG); "
    "from server.__main__ import main; sys.exit(main())",
]
INITIALIZE: Message = {
    "processId": None,
    "rootUri": None,
    "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
}


def digest(text: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]


class FuzzServer:
    def __init__(self, log: Path, cwd: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [*SERVER, "--log-file", str(log)],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.violations: list[str] = []
        self._inbox: queue.Queue[Message | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._log_offset = 0
        self._digests: dict[str, tuple[int, str]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    # -- stdout -------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                header = b""
                while not header.endswith(b"\r\n\r\n"):
                    byte = stream.read(1)
                    if not byte:
                        return
                    header += byte
                fields = {}
                for line in header.decode("ascii").strip().split("\r\n"):
                    name, sep, value = line.partition(": ")
                    if not sep:
                        raise ValueError(f"not a header line: {line!r}")
                    fields[name.lower()] = value
                body = stream.read(int(fields["content-length"]))
                message = json.loads(body)
                if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
                    raise ValueError(f"not a JSON-RPC message: {body[:200]!r}")
                self._inbox.put(message)
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            self.violations.append(f"stdout: {error}")
        finally:
            self._inbox.put(None)

    def next_message(self, timeout: float) -> Message:
        try:
            message = self._inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message from the server within {timeout} s") from None
        if message is None:
            self._inbox.put(None)
            raise EOFError(f"the server closed stdout (exit code {self.proc.poll()})")
        return message

    def response(self, msg_id: Any, timeout: float = 60) -> Message:
        """The response to ``msg_id``; the server's own requests get an empty answer."""
        while True:
            message = self.next_message(timeout)
            if "method" in message:
                if "id" in message:
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if message.get("id") == msg_id:
                return message

    # -- stdin --------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send_body(self, body: bytes) -> None:
        self.send_bytes(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: Message) -> None:
        self.send_body(json.dumps(message).encode("utf-8", "surrogatepass"))

    def new_id(self) -> int:
        return next(self._ids)

    def request(self, method: str, params: Any, timeout: float = 60) -> Message:
        msg_id = self.new_id()
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id, timeout)

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- the server's copies --------------------------------------------------------

    def digests(self) -> dict[str, tuple[int, str]]:
        """uri -> (version, digest) of the last text the server logged for it."""
        with self.log.open("rb") as handle:
            handle.seek(self._log_offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self._log_offset += end
        for line in data[:end].decode("utf-8", "replace").splitlines():
            if " synced " not in line:
                continue
            uri, _, rest = line.split(" synced ", 1)[1].partition(" version ")
            words = rest.split()
            version = int(words[0].rstrip(":")) if words[0].rstrip(":").isdigit() else -1
            self._digests[uri] = (version, words[-1])
        return dict(self._digests)

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None, timeout=20)
                self.notify("exit", None)
            except (OSError, EOFError, TimeoutError):
                pass
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
