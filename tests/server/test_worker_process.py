"""The pyflakes worker process lives and dies with the server: killed with -9, the
server leaves no process behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.raw_lsp import INITIALIZE, RawServer


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _within(seconds: float, condition) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_worker_exits_when_the_server_is_killed(tmp_path: Path):
    server = RawServer()
    server.request("initialize", dict(INITIALIZE, rootUri=tmp_path.as_uri()))
    server.notify("initialized", {})
    uri = (tmp_path / "a.py").as_uri()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": "import os\n"}
    server.notify("textDocument/didOpen", {"textDocument": item})
    while True:  # the pyflakes result comes from the worker process
        message = server.read()
        if message.get("method") == "textDocument/publishDiagnostics" and any(
            d.get("source") == "pyflakes" for d in message["params"]["diagnostics"]
        ):
            break
    workers = _children(server.proc.pid)
    assert workers
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    assert _within(30, lambda: not any(_alive(pid) for pid in workers))
