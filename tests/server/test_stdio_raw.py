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
    raw = RawServer("--log-level", "info", python_flags=("-X", "importtime"))
    raw.request("initialize", INITIALIZE)
    raw.notify("initialized", {})
    uri = (tmp_path / "a.json").as_uri()
    raw.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": "{}"}},
    )
    raw.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    _, stderr = raw.close()
    lines = stderr.splitlines()
    # pygls logs every message it sends at info level: the first is the initialize answer.
    answered = next(i for i, line in enumerate(lines) if "Sending data" in line)

    def imported(part: list[str]) -> set[str]:
        return {line.split("|")[-1].strip() for line in part if "import time:" in line}

    before = imported(lines[:answered])
    assert "lsprotocol.types" in before  # the measurement works
    for heavy in ("anthropic", "rope", "pyflakes", "git", "jedi", "tree_sitter"):
        assert heavy not in before, f"{heavy} imported on the way to initialize"
    # Features for other languages never pay for the Python engine or the agent.
    later = imported(lines)
    assert any(name.startswith("tree_sitter_json") for name in later)
    for heavy in ("anthropic", "rope", "git"):
        assert heavy not in later, f"{heavy} imported for a JSON document"
