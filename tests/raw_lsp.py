"""A raw JSON-RPC-over-stdio connection to the server, for what a typed client cannot
send: malformed params, broken JSON, invalid UTF-8; and to see every byte of stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

SERVER = [sys.executable, "-m", "server"]


class RawServer:
    def __init__(self, *extra: str, python_flags: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *python_flags, "-m", "server", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._next_id = 0

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def request(self, method: str, params: Any) -> dict[str, Any]:
        """Send a request and read messages until its response; returns the response."""
        self._next_id += 1
        msg_id = self._next_id
        self.send({"id": msg_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == msg_id and "method" not in message:
                return message

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def read(self) -> dict[str, Any]:
        """One framed message from stdout; fails on anything that is not a frame."""
        assert self.proc.stdout is not None
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = self.proc.stdout.read(1)
            if not byte:
                raise EOFError("server closed stdout")
            header += byte
        lines = header.decode("ascii").strip().split("\r\n")
        fields = dict(line.split(": ", 1) for line in lines)
        body = self.proc.stdout.read(int(fields["Content-Length"]))
        message: dict[str, Any] = json.loads(body)
        assert message["jsonrpc"] == "2.0"
        return message

    def close(self) -> tuple[int, str]:
        """Shut down politely; returns (exit code, stderr)."""
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None)
                self.notify("exit", None)
            except (BrokenPipeError, EOFError):
                pass
        try:
            _, err = self.proc.communicate(timeout=60)  # (a loaded CI machine is slow)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err.decode("utf-8", "replace")


INITIALIZE = {"processId": None, "rootUri": None, "capabilities": {}}
