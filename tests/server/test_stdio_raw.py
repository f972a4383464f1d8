"""The wire itself: malformed messages, stdout discipline, lazy imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.raw_lsp import INITIALIZE, RawServer


@pytest.fixture
def server():
    raw = RawServer()
    assert "capabilities" in raw.request("initialize", INITIALIZE)["result"]
    raw.notify("initialized", {})
    yield raw
    raw.proc.kill()
    raw.proc.wait()


def _open(server: RawServer, uri: str, text: str) -> None:
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )


def test_malformed_params_get_invalid_params_error(server: RawServer):
    response = server.request("textDocument/documentSymbol", {"textDocument": 5})
    assert response["error"]["code"] == -32602
    response = server.request(
        "textDocument/selectionRange",
        {"textDocument": {"uri": "file:///x.py"}, "positions": [{"line": -1, "character": 0}]},
    )
    assert response["error"]["code"] == -32602
    _open(server, "file:///ok.py", "class Ok: pass\n")
    response = server.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": "file:///ok.py"}}
    )
    assert [s["name"] for s in response["result"]] == ["Ok"]


def test_broken_json_and_invalid_utf8_do_not_kill_the_server(server: RawServer):
    server.send_bytes(b'{"jsonrpc": "2.0", "id": 99, "method": ')
    server.send_bytes(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": "\xff\xfe"}')
    server.send({"id": 100, "method": "no/such/method", "params": {}})
    _open(server, "file:///still.py", "def still(): pass\n")
    response = server.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": "file:///still.py"}}
    )
    assert [s["name"] for s in response["result"]] == ["still"]


def test_stdout_carries_only_json_rpc_and_stderr_lines_are_single(server: RawServer):
    _open(server, "file:///e.py", "def f(:\n")
    message = server.read()
    while message.get("method") != "textDocument/publishDiagnostics":
        message = server.read()
    assert message["params"]["diagnostics"][0]["message"] == "missing `)`"
    server.request("textDocument/documentSymbol", {"textDocument": 5})
    code, stderr = server.close()
    assert code == 0
    assert "Traceback" not in stderr


def test_initialize_imports_no_heavy_modules(tmp_path: Path):
    raw = RawServer(python_flags=("-X", "importtime"))
    raw.request("initialize", INITIALIZE)
    raw.notify("initialized", {})
    _open(raw, (tmp_path / "a.py").as_uri(), "import os\n")
    raw.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": (tmp_path / "a.py").as_uri()}}
    )
    _, stderr = raw.close()
    imported = {
        line.split("|")[-1].strip() for line in stderr.splitlines() if "import time:" in line
    }
    assert "lsprotocol.types" in imported  # the measurement works
    for heavy in ("anthropic", "rope", "git", "jedi"):
        assert heavy not in imported, f"{heavy} imported on the way to initialize"
