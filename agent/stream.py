"""One streamed model response, accumulated in time linear in its size.

The SDK's ``messages.stream()`` re-parses a tool call's partial input JSON on every
``input_json_delta`` (``accumulate_event`` in ``anthropic/lib/streaming/_messages.py``:
``from_json(json_buf, partial_mode=True)`` on the whole buffer so far), which is
quadratic: a 300 KB ``Write`` took 14 s and a 5 MB one did not finish. And the SDK
builds a typed event object per SSE event, about 60 µs each, so 5 MB in 10-character
deltas (500,000 events) takes half a minute even without the re-parse.

Here a tool call's input is kept as its pieces and parsed once, at
``content_block_stop``; and for the Anthropic API (server-sent events) the response
bytes are read through the SDK's raw streaming response (the SDK still builds the
request, authenticates, retries statuses and raises its errors) and split into
events here, with a fast path for ``input_json_delta`` that keeps the escaped string
as it came and decodes all of a call's pieces in one ``json.loads``. Other providers
(Bedrock's event-stream framing, Vertex) go through the SDK's event iterator with the
same accumulator. A mid-stream ``error`` event raises ``anthropic.APIStatusError``
like the SDK does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.types import Event

_JSON_DELTA = re.compile(
    r'\{\s*"type"\s*:\s*"content_block_delta"\s*,\s*"index"\s*:\s*(\d+)\s*,\s*"delta"\s*:\s*'
    r'\{\s*"type"\s*:\s*"input_json_delta"\s*,\s*"partial_json"\s*:\s*"((?:[^"\\]|\\.)*)"\s*\}\s*\}'
)


@dataclass
class StreamedMessage:
    """The response as request params (content blocks ready to send back)."""

    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    complete: bool = False  # message_stop arrived


class Accumulator:
    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.message = StreamedMessage()
        self.parts: dict[int, list[str]] = {}
        self.escaped: dict[int, bool] = {}  # parts kept as escaped JSON string bodies

    def event(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "message_start":
            start = data.get("message") or {}
            self.message.usage = dict(start.get("usage") or {})
        elif kind == "content_block_start":
            index = int(data["index"])
            block = dict(data["content_block"])
            while len(self.message.content) <= index:
                self.message.content.append({})
            self.message.content[index] = block
            self.parts[index] = []
        elif kind == "content_block_delta":
            self._delta(int(data["index"]), data["delta"])
        elif kind == "content_block_stop":
            self._finish(int(data["index"]))
        elif kind == "message_delta":
            delta = data.get("delta") or {}
            self.message.stop_reason = delta.get("stop_reason")
            for key, value in (data.get("usage") or {}).items():
                if value is not None:
                    self.message.usage[key] = value
        elif kind == "message_stop":
            self.message.complete = True

    def json_piece(self, index: int, escaped: str) -> None:
        """Fast path: a piece of partial JSON still escaped as a JSON string body."""
        if not self.escaped.get(index):
            self.parts[index] = [json.dumps(p)[1:-1] for p in self.parts[index]]
            self.escaped[index] = True
        self.parts[index].append(escaped)

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        block = self.message.content[index]
        kind = delta.get("type")
        if kind == "text_delta":
            self.parts[index].append(delta["text"])
            self.emit(Event("text", {"text": delta["text"]}))
        elif kind == "input_json_delta":
            piece = delta["partial_json"]
            if self.escaped.get(index):
                piece = json.dumps(piece)[1:-1]
            self.parts[index].append(piece)
        elif kind == "thinking_delta":
            self.parts[index].append(delta["thinking"])
            self.emit(Event("thinking", {"text": delta["thinking"]}))
        elif kind == "signature_delta":
            block["signature"] = delta["signature"]
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta["citation"])

    def _finish(self, index: int) -> None:
        block = self.message.content[index]
        pieces = self.parts.pop(index, [])
        kind = block.get("type")
        if kind == "text":
            block["text"] = block.get("text", "") + "".join(pieces)
            if not block.get("citations"):
                block.pop("citations", None)
        elif kind == "thinking":
            block["thinking"] = block.get("thinking", "") + "".join(pieces)
        elif kind in ("tool_use", "server_tool_use") and pieces:
            text = "".join(pieces)
            if self.escaped.pop(index, False):
                text = json.loads(f'"{text}"')
            try:
                block["input"] = json.loads(text)
            except ValueError:
                block["input"] = text  # not JSON: the loop answers with an error result

    def result(self) -> StreamedMessage:
        for index in list(self.parts):
            self._finish(index)
        self.message.content = [b for b in self.message.content if b]
        return self.message


class SSEParser:
    """Server-sent events from byte chunks: (event name, data text) pairs."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes) -> Iterator[tuple[str, str]]:
        data = self.buffer + chunk
        if b"\r" in data:
            keep_cr = data.endswith(b"\r")
            data = data.replace(b"\r\n", b"\n")
            if keep_cr:  # a \r\n split across chunks
                data = data[:-1]
            data = data.replace(b"\r", b"\n") + (b"\r" if keep_cr else b"")
        blocks = data.split(b"\n\n")
        self.buffer = blocks.pop()
        for block in blocks:
            if block:
                yield _parse_block(block)


def _parse_block(block: bytes) -> tuple[str, str]:
    name, data = "message", []
    for line in block.decode("utf-8").split("\n"):
        if line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
        elif line.startswith("event:"):
            name = line[6:].strip()
    return name, "\n".join(data)


async def stream_response(
    client: Any, kwargs: dict[str, Any], emit: Callable[[Event], None]
) -> StreamedMessage:
    """Stream one ``messages.create`` request and accumulate its response."""
    import anthropic

    acc = Accumulator(emit)
    if not isinstance(client, anthropic.AsyncAnthropic):
        stream = await client.messages.create(**kwargs, stream=True)
        async with stream:
            async for event in stream:
                acc.event(event.to_dict(mode="json"))
        return acc.result()
    parser = SSEParser()
    async with client.messages.with_streaming_response.create(**kwargs, stream=True) as response:
        async for chunk in response.iter_bytes():
            for name, text in parser.feed(chunk):
                if name == "content_block_delta" and (fast := _JSON_DELTA.fullmatch(text)):
                    acc.json_piece(int(fast.group(1)), fast.group(2))
                    continue
                if name == "ping" or not text:
                    continue
                data = json.loads(text)
                if name == "error" or data.get("type") == "error":
                    error = data.get("error") or {}
                    raise anthropic.APIStatusError(
                        str(error.get("message") or data),
                        response=response.http_response,
                        body=data,
                    )
                acc.event(data)
    return acc.result()
