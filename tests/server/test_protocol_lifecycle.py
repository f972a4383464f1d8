"""The JSON-RPC answers around the LSP lifecycle and for broken bodies, byte for byte
over stdio: a client that sends something wrong gets an error it can match, not
silence (it would wait forever)."""

from __future__ import annotations

import pytest

from tests.raw_lsp import INITIALIZE, RawServer

SYMBOLS = {"textDocument": {"uri": "file:///a.py"}}


@pytest.fixture
def raw():
    server = RawServer()
    yield server
    server.proc.kill()
    server.proc.wait()


def test_request_before_initialize_gets_server_not_initialized(raw: RawServer):
    raw.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": "file:///a.py",
                "languageId": "python",
                "version": 1,
                "text": "class Early: pass\n",
            }
        },
    )
    answer = raw.request("textDocument/documentSymbol", SYMBOLS)
    assert answer["error"]["code"] == -32002
    assert "capabilities" in raw.request("initialize", INITIALIZE)["result"]
    raw.notify("initialized", {})
    # The didOpen before initialize was dropped, as the spec says.
    assert raw.request("textDocument/documentSymbol", SYMBOLS)["result"] is None


def test_request_after_shutdown_gets_invalid_request_and_exit_still_works(raw: RawServer):
    raw.request("initialize", INITIALIZE)
    raw.notify("initialized", {})
    assert raw.request("shutdown", None)["result"] is None
    answer = raw.request("textDocument/documentSymbol", SYMBOLS)
    assert answer["error"]["code"] == -32600
    raw.notify("exit", None)
    assert raw.proc.wait(timeout=20) == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"jsonrpc": "2.0", "id": 9, "method": ', -32700),
        (b"\xff\xfe not utf-8", -32700),
        (b"[" * 100_000, -32700),
        (b"[1, 2]", -32600),
        (b'"just a string"', -32600),
    ],
)
def test_broken_bodies_get_an_error_with_a_null_id(raw: RawServer, body: bytes, code: int):
    raw.request("initialize", INITIALIZE)
    raw.send_bytes(body)
    answer = raw.read()
    assert answer == {"jsonrpc": "2.0", "id": None, "error": answer["error"]}
    assert answer["error"]["code"] == code
    assert raw.request("shutdown", None)["result"] is None


def test_message_without_jsonrpc_version_gets_invalid_request_with_its_id(raw: RawServer):
    raw.request("initialize", INITIALIZE)
    raw.send_bytes(b'{"id": 41, "method": "shutdown"}')
    answer = raw.read()
    assert answer["id"] == 41 and answer["error"]["code"] == -32600


def test_header_case_and_extra_headers_are_accepted(raw: RawServer):
    raw.request("initialize", INITIALIZE)
    body = b'{"jsonrpc": "2.0", "id": 77, "method": "shutdown"}'
    assert raw.proc.stdin is not None
    raw.proc.stdin.write(
        b"X-Junk: no length here\r\n\r\n"
        b"content-length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
        % len(body)
        + body
    )
    raw.proc.stdin.flush()
    assert raw.read() == {"jsonrpc": "2.0", "id": 77, "result": None}


def test_garbage_without_a_newline_does_not_lose_the_next_message(raw: RawServer):
    raw.request("initialize", INITIALIZE)
    assert raw.proc.stdin is not None
    raw.proc.stdin.write(b"garbage with no newline {")
    raw.proc.stdin.flush()
    assert raw.request("shutdown", None)["result"] is None
