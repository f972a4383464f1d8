"""LSP over stdio: the framing and JSON-RPC error answers pygls leaves out.

pygls 2.1 reads stdin on a thread-pool thread, one hop per header line and per body
(three per message, each a GIL hand-over while other threads compute), matches only
``Content-Length: N`` spelled exactly so, and answers nothing to a body that is not
JSON or not a JSON-RPC message: it logs it, shows the user an error popup, and a client
waiting for the answer waits forever. Here, on the event loop itself:

- headers are read until the blank line; ``Content-Length`` in any case, any other
  header ignored; a header block without a length is dropped (logged); stray bytes
  before a header do not lose the message that follows;
- a body that is not JSON (or not UTF-8) gets ``-32700 Parse error`` (id null);
- valid JSON that is not a JSON-RPC 2.0 message gets ``-32600 Invalid Request`` (with
  its id when it has a usable one);
- a request whose params do not fit the method gets ``-32602`` (``server.app.Protocol``).

Only the top-level object is structured into a message (pygls applies its hook to every
nested object, so params that happened to contain ``jsonrpc`` and ``method`` keys became
messages). Where stdin is not a pipe, socket or terminal (a regular file), pygls'
thread reader is used for the bytes; the rest is the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdinAsyncReader, StdoutWriter

if TYPE_CHECKING:
    from pygls.protocol import JsonRPCProtocol

    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
LINE_LIMIT = 1 << 16  # a header line longer than this is not a header


class _Reader:
    """``readline``/``readexactly`` over an asyncio pipe (or pygls' thread reader)."""

    def __init__(
        self,
        readline: Callable[[], Awaitable[bytes]],
        readexactly: Callable[[int], Awaitable[bytes]],
    ) -> None:
        self.readline = readline
        self.readexactly = readexactly


async def _open(stdin: BinaryIO) -> _Reader:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=LINE_LIMIT)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    except (ValueError, OSError) as error:  # a regular file: read it on a thread
        log.info("stdin is not a pipe (%s): reading it on a thread", error)
        fallback = StdinAsyncReader(stdin)
        return _Reader(fallback.readline, fallback.readexactly)

    async def readline() -> bytes:
        try:
            return await stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as error:
            return error.partial
        except asyncio.LimitOverrunError as error:  # not a header: drop that much
            await stream.readexactly(error.consumed)
            return b"X-Dropped: line too long\r\n"

    async def readexactly(size: int) -> bytes:
        try:
            return await stream.readexactly(size)
        except asyncio.IncompleteReadError as error:
            return error.partial

    return _Reader(readline, readexactly)


async def _read_length(reader: _Reader) -> int | None:
    """Read one header block; its Content-Length, -1 if it had none, None at EOF."""
    length = -1
    seen = False
    while True:
        line = await reader.readline()
        if not line:
            return None
        if not line.strip():
            if seen:
                return length
            continue  # blank lines between messages
        seen = True
        # Anywhere in the line: after bytes that were not a message (a body shorter than
        # its Content-Length said, garbage without a newline), the next header still
        # frames the next message.
        index = line.lower().rfind(b"content-length:")
        if index >= 0:
            try:
                length = max(-1, int(line[index + len(b"content-length:") :].strip()))
            except ValueError:
                length = -1


def _send_error(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    """An error response; a plain dict so that an unknown id goes out as ``null`` (pygls
    drops None fields, and JSON-RPC requires the id member)."""
    error = {"code": code, "message": message}
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error})


def _usable_id(data: dict[str, Any]) -> Any:
    msg_id = data.get("id")
    return msg_id if isinstance(msg_id, str | int) and not isinstance(msg_id, bool) else None


def _invalid(data: Any) -> str | None:
    """Why ``data`` is not a JSON-RPC 2.0 message (None when it is one)."""
    if not isinstance(data, dict):
        return f"a message is a JSON object, not {type(data).__name__}"
    if data.get("jsonrpc") != "2.0":
        return 'a message needs "jsonrpc": "2.0"'
    method = data.get("method")
    if "method" in data and not isinstance(method, str):
        return "method must be a string"
    if "id" in data and _usable_id(data) is None and data["id"] is not None:
        return "id must be a string or an integer"
    if "method" not in data and "id" not in data:
        return "neither a request, a notification nor a response"
    return None


def dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Parse, check and hand one message body to pygls; answer what cannot be handled."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError
        log.warning("message body is not JSON: %s", error)
        _send_error(protocol, None, PARSE_ERROR, f"Parse error: {error}")
        return
    reason = _invalid(data)
    if reason is not None:
        log.warning("invalid message: %s", reason)
        msg_id = _usable_id(data) if isinstance(data, dict) else None
        if not (isinstance(data, dict) and "method" in data and "id" not in data):
            _send_error(protocol, msg_id, INVALID_REQUEST, f"Invalid Request: {reason}")
        return
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as error:  # requests were answered by server.app.Protocol
        log.warning("message %s not understood: %s", data.get("method"), error)
        return
    try:
        protocol.handle_message(message)
    except JsonRpcException as error:
        log.warning("message %s failed: %s", data.get("method"), error)


async def _serve(server: ClaudeLanguageServer, stdin: BinaryIO) -> None:
    reader = await _open(stdin)
    protocol = server.protocol
    stop = server._stop_event
    while stop is None or not stop.is_set():
        length = await _read_length(reader)
        if length is None:
            return
        if length < 0:
            log.warning("a message header without Content-Length: dropped")
            continue
        body = await reader.readexactly(length)
        if len(body) < length:
            return
        dispatch(protocol, body)


def start_io(
    server: ClaudeLanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Serve over stdio until ``exit`` or the end of stdin (pygls' ``start_io`` shape)."""
    import threading

    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, stdin or sys.stdin.buffer))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
