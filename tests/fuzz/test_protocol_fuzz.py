"""Hypothesis-generated LSP traffic over stdio against one long-lived server.

Each example sends a few messages drawn from every class issue 13 lists — malformed
JSON and headers, wrong types in params, out-of-range and negative positions,
positions splitting a surrogate pair, unknown methods, duplicate ids, ``didChange``
with inconsistent ranges, ``didOpen`` twice, edits to documents that are not open,
``$/cancelRequest`` for anything, a large message now and then — then checks that:

- every request got exactly the answer JSON-RPC prescribes (a result, or an error
  with the expected code), every broken message the error it deserves;
- the server still serves a valid request;
- its copy of every open document equals the client's (`tests.fuzz.model`), version
  by version;
- stdout carried nothing but JSON-RPC frames.

The normal run is a small deterministic seed set; ``CLAUDE_LSP_FUZZ=1`` runs the big
tier (``CLAUDE_LSP_FUZZ_EXAMPLES`` examples, 2,500 by default: over 10,000 messages).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.fuzz.model import Documents, position_of
from tests.fuzz.wire import INITIALIZE, FuzzServer, Message, digest

BIG = os.environ.get("CLAUDE_LSP_FUZZ") == "1"
EXAMPLES = int(os.environ.get("CLAUDE_LSP_FUZZ_EXAMPLES", "2500")) if BIG else 40
LANGUAGES = {".py": "python", ".json": "json", ".md": "markdown", ".txt": "plaintext"}
ALIVE = "class Alive:\n    pass\n"
TOKENS = [
    "x", "y", " ", "\t", "\n", "\r\n", "(", ")", ":", "{", "}", "[", "]", '"', ",",
    "def ", "class ", "import os\n", "    ", "é", "🙂", "👍🏽", "\u2028", "\x0c", "\x85", "#",
]  # fmt: skip
UNKNOWN = ["no/such", "textDocument/hover", "$/unknown", "workspace/symbol", "custom"]
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
REQUEST_CANCELLED = -32800


class Session:
    """The server, the client's documents, and the counts of what was sent."""

    def __init__(self, server: FuzzServer, root: Path) -> None:
        self.server = server
        self.root = root
        self.docs = Documents()
        self.versions: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.examples = 0
        self.uris: list[str] = []
        self.alive = (root / "alive.py").as_uri()

    def begin(self) -> None:
        """Fresh documents for each example: what it draws depends on itself alone."""
        self.examples += 1
        self.docs = Documents()
        names = [f"e{self.examples}_{n}{ext}" for n in range(2) for ext in LANGUAGES]
        self.uris = [(self.root / name).as_uri() for name in names]

    def end(self) -> None:
        for uri in self.docs.open:
            self.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("fuzz")
    server = FuzzServer(root / "server.log", root)
    init = dict(INITIALIZE, rootUri=root.as_uri())
    assert "capabilities" in server.request("initialize", init)["result"]
    server.notify("initialized", {})
    state = Session(server, root)
    item = {"uri": state.alive, "languageId": "python", "version": 1, "text": ALIVE}
    server.notify("textDocument/didOpen", {"textDocument": item})
    yield state
    total = sum(state.sent.values())
    print(f"\nfuzz: {total} messages sent: {dict(state.sent)}")
    assert server.close() == 0
    assert not server.violations


# -- strategies ------------------------------------------------------------------------

texts = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def _position(data: st.DataObject, text: str) -> dict[str, int]:
    """Anywhere near the text: inside, past a line's end, past the last line, or inside
    a surrogate pair."""
    if text and data.draw(st.booleans()):
        offset = data.draw(st.integers(0, len(text)))
        position = position_of(text, offset)
        if data.draw(st.integers(0, 4)) == 0:
            position["character"] += 1  # maybe between the halves of an emoji
        return position
    lines = text.count("\n") + 1
    return {
        "line": data.draw(st.integers(0, lines + 2)),
        "character": data.draw(st.integers(0, 40)),
    }


def _change(data: st.DataObject, text: str) -> dict[str, Any]:
    if data.draw(st.integers(0, 9)) == 0:
        return {"text": data.draw(texts)}
    start, end = _position(data, text), _position(data, text)
    return {"range": {"start": start, "end": end}, "text": data.draw(texts)}


# -- actions ---------------------------------------------------------------------------


def open_doc(s: Session, data: st.DataObject) -> None:
    uri = data.draw(st.sampled_from(s.uris))
    text = data.draw(texts)
    s.versions[uri] += 1
    language = LANGUAGES[Path(uri).suffix]
    item = {"uri": uri, "languageId": language, "version": s.versions[uri], "text": text}
    s.server.notify("textDocument/didOpen", {"textDocument": item})
    s.docs.did_open(uri, s.versions[uri], text)


def change_doc(s: Session, data: st.DataObject) -> None:
    uri = data.draw(st.sampled_from(s.uris))  # open or not
    text = s.docs.open.get(uri, [0, ""])[1]
    changes = []
    for _ in range(data.draw(st.integers(1, 4))):
        change = _change(data, text)
        changes.append(change)
        if uri in s.docs.open:
            from tests.fuzz.model import apply_change

            text = apply_change(text, change)
    s.versions[uri] += 1
    params = {
        "textDocument": {"uri": uri, "version": s.versions[uri]},
        "contentChanges": changes,
    }
    s.server.notify("textDocument/didChange", params)
    s.docs.did_change(uri, s.versions[uri], changes)


def close_doc(s: Session, data: st.DataObject) -> None:
    uri = data.draw(st.sampled_from(s.uris))
    s.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    s.docs.did_close(uri)


def _request_params(s: Session, data: st.DataObject) -> tuple[str, dict[str, Any]]:
    uri = data.draw(st.sampled_from([*s.uris, "file:///nowhere/x.py", "untitled:1"]))
    text = s.docs.open.get(uri, [0, ""])[1]
    doc = {"uri": uri}
    method = data.draw(
        st.sampled_from(
            [
                "textDocument/documentSymbol",
                "textDocument/foldingRange",
                "textDocument/selectionRange",
                "textDocument/codeAction",
            ]
        )
    )
    if method == "textDocument/selectionRange":
        positions = [_position(data, text) for _ in range(data.draw(st.integers(0, 3)))]
        return method, {"textDocument": doc, "positions": positions}
    if method == "textDocument/codeAction":
        span = {"start": _position(data, text), "end": _position(data, text)}
        return method, {"textDocument": doc, "range": span, "context": {"diagnostics": []}}
    return method, {"textDocument": doc}


def valid_request(s: Session, data: st.DataObject) -> None:
    method, params = _request_params(s, data)
    answer = s.server.request(method, params)
    assert "result" in answer, (method, params, answer)


def _wrong(value: Any, data: st.DataObject) -> Any:
    """``value`` with one member somewhere replaced by something of the wrong type."""
    junk = data.draw(st.sampled_from([None, "x", -1, 1.5, [], {}, True, 2**70, "🙂"]))
    if isinstance(value, dict) and value and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(value)))
        return {**value, key: _wrong(value[key], data)}
    if isinstance(value, list) and value and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(value) - 1))
        return [*value[:index], _wrong(value[index], data), *value[index + 1 :]]
    return junk


def wrong_params(s: Session, data: st.DataObject) -> None:
    method, params = _request_params(s, data)
    params = _wrong(params, data)
    answer = s.server.request(method, params)
    assert "result" in answer or answer["error"]["code"] == INVALID_PARAMS, answer


def negative_position(s: Session, data: st.DataObject) -> None:
    uri = data.draw(st.sampled_from(s.uris))
    field = data.draw(st.sampled_from(["line", "character"]))
    position = {"line": 0, "character": 0, field: data.draw(st.integers(-(2**40), -1))}
    params = {"textDocument": {"uri": uri}, "positions": [position]}
    answer = s.server.request("textDocument/selectionRange", params)
    assert answer["error"]["code"] == INVALID_PARAMS, answer


def unknown_method(s: Session, data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(UNKNOWN))
    if data.draw(st.booleans()):
        s.server.notify(method, {"anything": [1, 2]})
        return
    answer = s.server.request(method, {"anything": [1, 2]})
    # Methods LSP defines have typed params: those are checked before the (missing)
    # handler is looked for.
    known = method.startswith(("textDocument/", "workspace/"))
    expected = {METHOD_NOT_FOUND, INVALID_PARAMS} if known else {METHOD_NOT_FOUND}
    assert answer["error"]["code"] in expected, answer


def broken_json(s: Session, data: st.DataObject) -> None:
    body = data.draw(
        st.one_of(
            st.binary(min_size=1, max_size=40).filter(lambda b: not _is_json(b)),
            st.sampled_from([b'{"jsonrpc": "2.0", "id": 5, "method": ', b"\xff\xfe{}", b"{,}"]),
            st.just(b"[" * 100_000),
        )
    )
    s.server.send_body(body)
    _expect_null_id_error(s, PARSE_ERROR)


def not_a_message(s: Session, data: st.DataObject) -> None:
    value = data.draw(
        st.sampled_from(
            [[1, 2], 5, "text", None, [], {"id": 3}, {"jsonrpc": "1.0", "id": 4, "method": "x"}]
        )
    )
    s.server.send_body(json.dumps(value).encode())
    answer = _next_response(s)
    assert answer["error"]["code"] == INVALID_REQUEST, answer


def odd_headers(s: Session, data: st.DataObject) -> None:
    """Header blocks a client might send: other case, extra headers, blank lines before;
    the message still gets through. A block without a length is dropped."""
    body = json.dumps({"jsonrpc": "2.0", "method": "$/fuzz/ping"}).encode()
    name = data.draw(st.sampled_from(["Content-Length", "content-length", "CONTENT-LENGTH"]))
    extra = data.draw(
        st.sampled_from(
            [b"", b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n", b"X-A: b\r\n"]
        )
    )
    before = data.draw(st.sampled_from([b"", b"\r\n", b"X-Junk: no length\r\n\r\n"]))
    s.server.send_bytes(before + extra + b"%s: %d\r\n\r\n" % (name.encode(), len(body)) + body)


def duplicate_ids(s: Session, data: st.DataObject) -> None:
    msg_id = s.server.new_id()
    method, params = _request_params(s, data)
    for _ in range(2):
        s.server.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    for _ in range(2):
        answer = s.server.response(msg_id)
        assert "result" in answer or "error" in answer, answer


def cancel_anything(s: Session, data: st.DataObject) -> None:
    target = data.draw(st.one_of(st.integers(-5, 10**6), st.text(max_size=5), st.none()))
    if data.draw(st.booleans()):  # a request in flight, cancelled at once
        method, params = _request_params(s, data)
        msg_id = s.server.new_id()
        s.server.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        s.server.notify("$/cancelRequest", {"id": msg_id})
        answer = s.server.response(msg_id)
        assert "result" in answer or answer["error"]["code"] == REQUEST_CANCELLED, answer
    else:
        s.server.notify("$/cancelRequest", {"id": target})


def big_message(s: Session, data: st.DataObject) -> None:
    uri = data.draw(st.sampled_from(s.uris))
    size = data.draw(st.sampled_from([100_000, 1_000_000, 3_000_000]))
    text = ("x = 1  # 🙂\n" * (size // 12))[:size]
    s.versions[uri] += 1
    language = LANGUAGES[Path(uri).suffix]
    item = {"uri": uri, "languageId": language, "version": s.versions[uri], "text": text}
    s.server.notify("textDocument/didOpen", {"textDocument": item})
    s.docs.did_open(uri, s.versions[uri], text)


ACTIONS = {
    open_doc: 6,
    change_doc: 12,
    close_doc: 1,
    valid_request: 6,
    wrong_params: 4,
    negative_position: 2,
    unknown_method: 2,
    broken_json: 2,
    not_a_message: 2,
    odd_headers: 2,
    duplicate_ids: 1,
    cancel_anything: 2,
    big_message: 1 if BIG else 0,
}
WEIGHTED = [action for action, weight in ACTIONS.items() for _ in range(weight)]


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _next_response(s: Session) -> Message:
    while True:
        message = s.server.next_message(60)
        if "method" not in message:
            return message


def _expect_null_id_error(s: Session, code: int) -> None:
    answer = _next_response(s)
    assert answer["id"] is None and answer["error"]["code"] == code, answer


def check_health(s: Session) -> None:
    answer = s.server.request("textDocument/documentSymbol", {"textDocument": {"uri": s.alive}})
    assert [symbol["name"] for symbol in answer["result"]] == ["Alive"], answer
    held = s.server.digests()
    for uri, (version, text) in s.docs.open.items():
        assert held.get(uri) == (version, digest(text)), (uri, version, text)
    assert not s.server.violations, s.server.violations


@pytest.mark.timeout(0 if BIG else 600)
@seed(13)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not BIG,
    suppress_health_check=list(HealthCheck),
)
@given(st.data())
def test_fuzzed_traffic_is_answered_and_documents_stay_equal(
    session: Session, data: st.DataObject
) -> None:
    session.begin()
    for _ in range(data.draw(st.integers(1, 8))):
        action = data.draw(st.sampled_from(WEIGHTED))
        session.sent[action.__name__] += 1
        action(session, data)
    check_health(session)
    session.end()
