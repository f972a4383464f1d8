"""`claude-lsp --tcp` and `--ws` serve the same protocol as stdio."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"processId": None, "rootUri": None, "capabilities": {}},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _connect(port: int, proc: subprocess.Popen[bytes]) -> socket.socket:
    deadline = time.monotonic() + 20
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # waiting for the server to listen, not for behaviour


@pytest.fixture
def serve() -> Iterator[object]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(flag: str) -> tuple[int, subprocess.Popen[bytes]]:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", flag, f"127.0.0.1:{port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        return port, proc

    yield start
    for proc in procs:
        proc.kill()
        out, _ = proc.communicate()
        assert out == b"", "nothing may be printed on stdout"


def test_tcp(serve):
    port, proc = serve("--tcp")
    with _connect(port, proc) as sock:
        body = json.dumps(INITIALIZE).encode()
        sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        while len(rest) < length:
            rest += sock.recv(65536)
        response = json.loads(rest[:length])
    assert response["id"] == 1
    assert response["result"]["serverInfo"]["name"] == "claude-lsp"


def test_websocket(serve):
    from websockets.sync.client import connect

    port, proc = serve("--ws")
    _connect(port, proc).close()
    with connect(f"ws://127.0.0.1:{port}") as ws:
        ws.send(json.dumps(INITIALIZE))
        response = json.loads(ws.recv(timeout=20))
    assert response["id"] == 1
    assert "documentSymbolProvider" in response["result"]["capabilities"]


def test_bad_address_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "server", "--tcp", "nowhere"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2
    assert "expected HOST:PORT" in result.stderr
