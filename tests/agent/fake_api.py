"""A loopback Anthropic Messages API for tests: a real HTTP server on 127.0.0.1.

Each test scripts the replies (``fake.script(Reply(...), HttpError(429), ...)``); every
``POST /v1/messages`` takes the next one, streamed as SSE when the request says
``"stream": true`` (event order as the API sends it), or as one JSON message otherwise.
``POST /v1/messages/count_tokens`` answers ``token_count`` (an int or a function of the
request body). Requests are recorded in ``requests`` and checked like the API would:
a request whose transcript is not sendable (a tool_use without its tool_result, an
empty message, a thinking block without signature) gets a 400 and its reason is kept in
``invalid``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

_ids = count(1)


@dataclass
class Text:
    text: str
    chunks: int = 2


@dataclass
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str = field(default_factory=lambda: f"toolu_{next(_ids):04d}")
    chunks: int = 3
    raw_json: str | None = None  # streamed instead of json.dumps(input): invalid JSON, say


@dataclass
class Thinking:
    thinking: str
    signature: str = "sig-abc123=="


@dataclass
class Reply:
    content: list[Text | ToolUse | Thinking]
    stop_reason: str | None = None  # default: tool_use if a ToolUse is in content
    input_tokens: int = 100
    output_tokens: int = 20
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    error_after: int | None = None  # send `event: error` (overloaded) after N events
    drop_after: int | None = None  # cut the connection after N events
    hang_after: int | None = None  # after N events send only pings until the client leaves
    garbage_after: int | None = None  # after N events an event whose data is not JSON
    delay: float = 0.0  # seconds between events
    sse: bytes | None = None  # the whole stream encoded ahead (encode_sse): one write


@dataclass
class HttpError:
    status: int
    type: str = "rate_limit_error"
    message: str = "scripted error"
    retry_after: str | None = None


Step = Reply | HttpError


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeAnthropic:
    def __init__(self) -> None:
        self.steps: deque[Step] = deque()
        self.requests: list[Recorded] = []
        self.invalid: list[str] = []
        self.token_count: int | Callable[[dict[str, Any]], int] = lambda body: (
            len(json.dumps(body)) // 4
        )
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        # (time.perf_counter() when written, event name, data) of every streamed event,
        # when ``timing`` is set (benchmarks: the model's first byte -> the editor).
        self.timing = False
        self.sent: list[tuple[float, str, dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *steps: Step) -> None:
        with self.lock:
            self.steps.extend(steps)

    @property
    def messages_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path == "/v1/messages"]

    def next_step(self) -> Step | None:
        with self.lock:
            return self.steps.popleft() if self.steps else None


def validate(body: dict[str, Any]) -> str | None:
    """Why the API would refuse this request, or None."""
    messages = body.get("messages") or []
    if not messages or messages[0].get("role") != "user":
        return "the first message must be a user message"
    for i, message in enumerate(messages):
        content = message.get("content")
        if not content:
            return f"messages.{i}: content must be non-empty"
        if isinstance(content, str):
            continue
        for block in content:
            if block.get("type") == "text" and not block.get("text"):
                return f"messages.{i}: text content blocks must be non-empty"
            if block.get("type") == "thinking" and not block.get("signature"):
                return f"messages.{i}: thinking block without signature"
        calls = [b["id"] for b in content if b.get("type") == "tool_use"]
        if message["role"] != "assistant" or not calls:
            continue
        following: list[dict[str, Any]] = []  # consecutive user turns are combined
        for later in messages[i + 1 :]:
            if later["role"] != "user":
                break
            later_content = later["content"]
            if isinstance(later_content, str):
                later_content = [{"type": "text", "text": later_content}]
            following.extend(later_content)
        answered = []
        for block in following:
            if block.get("type") != "tool_result":
                break
            answered.append(block["tool_use_id"])
        missing = set(calls) - set(answered)
        if missing:
            return f"messages.{i}: tool_use ids without tool_result: {sorted(missing)}"
    return None


def _message(reply: Reply, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for block in reply.content:
        if isinstance(block, Text):
            content.append({"type": "text", "text": block.text})
        elif isinstance(block, ToolUse):
            content.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
            )
        else:
            content.append(
                {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
            )
    return {
        "id": f"msg_{next(_ids):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": _usage(reply, reply.output_tokens),
    }


def _stop_reason(reply: Reply) -> str:
    if reply.stop_reason is not None:
        return reply.stop_reason
    return "tool_use" if any(isinstance(b, ToolUse) for b in reply.content) else "end_turn"


def _usage(reply: Reply, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": reply.input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": reply.cache_creation_input_tokens,
        "cache_read_input_tokens": reply.cache_read_input_tokens,
    }


def _split(text: str, parts: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, parts)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def sse_events(reply: Reply, model: str) -> list[tuple[str, dict[str, Any]]]:
    start = {**_message(reply, model), "content": [], "stop_reason": None}
    start["usage"] = _usage(reply, 1)
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(reply.content):
        deltas: list[dict[str, Any]]
        if isinstance(block, Text):
            head: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": t} for t in _split(block.text, block.chunks)]
        elif isinstance(block, ToolUse):
            head = {"type": "tool_use", "id": block.id, "name": block.name, "input": {}}
            partial = json.dumps(block.input) if block.raw_json is None else block.raw_json
            deltas = [
                {"type": "input_json_delta", "partial_json": p}
                for p in _split(partial, block.chunks)
            ]
        else:
            head = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": block.thinking},
                {"type": "signature_delta", "signature": block.signature},
            ]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": head},
            )
        )
        for delta in deltas:
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def encode_sse(reply: Reply, model: str) -> bytes:
    """The reply's stream as the bytes the server sends, built once ahead of time so
    that a benchmark measures the client, not this server's encoding."""
    return "".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in sse_events(reply, model)
    ).encode()


def _handler(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output quiet

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Recorded(path, headers, body))
            auth = self.headers.get("x-api-key") or self.headers.get("authorization")
            if not auth:
                self._json(401, _error("authentication_error", "no credentials"))
            elif path == "/v1/messages/count_tokens":
                tokens = fake.token_count
                n = tokens(body) if callable(tokens) else tokens
                self._json(200, {"input_tokens": n})
            elif path == "/v1/messages":
                self._messages(body)
            else:
                self._json(404, _error("not_found_error", f"no route {path}"))

        def _messages(self, body: dict[str, Any]) -> None:
            problem = validate(body)
            if problem is not None:
                fake.invalid.append(problem)
                self._json(400, _error("invalid_request_error", problem))
                return
            step = fake.next_step()
            if step is None:
                self._json(400, _error("invalid_request_error", "fake: no scripted reply left"))
            elif isinstance(step, HttpError):
                headers = {"retry-after": step.retry_after} if step.retry_after else {}
                self._json(step.status, _error(step.type, step.message), headers)
            elif body.get("stream"):
                self._stream(step, body.get("model", ""))
            else:
                self._json(200, _message(step, body.get("model", "")))

        def _stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("connection", "close")  # so the client never reuses it
            self.send_header("request-id", f"req_{next(_ids):04d}")
            self.end_headers()
            self.close_connection = True
            try:
                if reply.sse is not None:
                    self.wfile.write(f"{len(reply.sse):x}\r\n".encode() + reply.sse + b"\r\n")
                    self._end()
                    return
                for n, (name, data) in enumerate(sse_events(reply, model)):
                    if n == reply.error_after:
                        self._event("error", _error("overloaded_error", "Overloaded"))
                        self._end()
                        return
                    if n == reply.drop_after:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if n == reply.garbage_after:
                        self._raw(b'event: content_block_delta\ndata: {"type": "content_b\n\n')
                        self._end()
                        return
                    if n == reply.hang_after:
                        while not fake.stopping.wait(0.02):
                            self._event("ping", {"type": "ping"})
                        return
                    if reply.delay:
                        time.sleep(reply.delay)
                    self._event(name, data)
                self._end()
            except (BrokenPipeError, ConnectionResetError):
                return  # the client went away (cancelled)

        def _event(self, name: str, data: dict[str, Any]) -> None:
            self._raw(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode(), name, data)

        def _raw(self, payload: bytes, name: str = "", data: dict[str, Any] | None = None) -> None:
            stamp = time.perf_counter()  # before the write: latencies are not flattered
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()
            if fake.timing:
                fake.sent.append((stamp, name, data or {}))

        def _end(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _json(
            self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.send_header("request-id", f"req_{next(_ids):04d}")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

    return Handler


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}
