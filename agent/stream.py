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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.types import Event

# One SSE event: an input_json_delta (groups 1 and 2: the index, and the partial JSON
# still escaped as a JSON string body), or any other event (group 3: its lines).
_EVENT = re.compile(
    rb'(?:event: ?content_block_delta\n)?data: ?\{"type": ?"content_block_delta", ?'
    rb'"index": ?(\d+), ?"delta": ?\{"type": ?"input_json_delta", ?"partial_json": ?'
    rb'"([^"\\]*(?:\\.[^"\\]*)*)"\}\}\n\n'
    rb"|((?:[^\n]+\n)+)\n"
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
        # Partial JSON from the fast path, each piece still escaped as a JSON string
        # body, in order with the ones in ``parts`` (the two are never mixed in one block).
        self.raw: dict[int, list[bytes]] = {}

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

    def json_piece(self, index: int, escaped: list[bytes]) -> None:
        """Fast path: pieces of partial JSON still escaped as JSON string bodies."""
        if index not in self.raw:  # earlier pieces came the slow way: escape them too
            self.raw[index] = [json.dumps(p)[1:-1].encode() for p in self.parts.get(index, [])]
            self.parts[index] = []
        self.raw[index].extend(escaped)

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        block = self.message.content[index]
        kind = delta.get("type")
        if kind == "text_delta":
            self.parts[index].append(delta["text"])
            self.emit(Event("text", {"text": delta["text"]}))
        elif kind == "input_json_delta":
            if index in self.raw:  # keep one form per block: escape this one too
                self.raw[index].append(json.dumps(delta["partial_json"])[1:-1].encode())
            else:
                self.parts[index].append(delta["partial_json"])
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
        elif kind in ("tool_use", "server_tool_use") and (pieces or index in self.raw):
            text = "".join(pieces)
            raw = self.raw.pop(index, None)
            if raw is not None:
                text = json.loads(b'"' + b"".join(raw) + b'"') + text
            try:
                block["input"] = json.loads(text)
            except ValueError:
                block["input"] = text  # not JSON: the loop answers with an error result

    def result(self) -> StreamedMessage:
        for index in list(self.parts):
            self._finish(index)
        self.message.content = [b for b in self.message.content if b]
        return self.message


_END = b'"}}\n\n'  # how an input_json_delta event ends (no raw newline inside JSON)


class SSEParser:
    """Server-sent events from byte chunks. ``input_json_delta`` events go straight to
    the accumulator without a JSON parse; ``feed`` returns the others as (event name,
    data text) pairs.

    The first ``input_json_delta`` of a block is recognised by ``_EVENT``; its text up
    to the string (``event: …\ndata: {… "partial_json": "``) is then the prefix of every
    following one of that block, so a run of them is split at ``_END`` and checked with
    ``startswith``: C-speed work instead of a regex or a JSON parse per event (a 5 MB
    input in 10-character deltas is 500,000 events and 78 MB of SSE)."""

    def __init__(self, acc: Accumulator) -> None:
        self.acc = acc
        self.buffer = b""
        self.prefix = b""  # of the current block's input_json_delta events
        self.index = -1

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        data = self.buffer + chunk
        if b"\r" in data:
            keep_cr = data.endswith(b"\r")  # a \r\n split across chunks
            data = data[:-1] if keep_cr else data
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") + (b"\r" if keep_cr else b"")
        end = data.rfind(b"\n\n")
        if end == -1:
            self.buffer = data
            return []
        region, self.buffer = data[: end + 2], data[end + 2 :]
        others: list[tuple[str, str]] = []
        run: list[bytes] = []
        segments = region.split(_END)
        last = len(segments) - 1
        for n, segment in enumerate(segments):
            prefix = self.prefix
            if prefix and n < last and segment.startswith(prefix):
                run.append(segment[len(prefix) :])
                continue
            if run:
                self.acc.json_piece(self.index, run)
                run = []
            if segment:
                self._slow(segment + _END if n < last else segment, others)
        if run:
            self.acc.json_piece(self.index, run)
        return others

    def _slow(self, text: bytes, others: list[tuple[str, str]]) -> None:
        for match in _EVENT.finditer(text):
            index, escaped, block = match.groups()
            if index is not None:
                self.index = int(index)
                self.prefix = text[match.start() : match.start(2)]
                self.acc.json_piece(self.index, [escaped])
            elif block:
                self.prefix = b""
                others.append(_parse_block(block))


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
    parser = SSEParser(acc)
    async with client.messages.with_streaming_response.create(**kwargs, stream=True) as response:
        async for chunk in response.iter_bytes():  # as it arrives (a size would buffer)
            for name, text in parser.feed(chunk):
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
