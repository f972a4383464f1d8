"""The language server object: pygls server + our state, and the feature modules.

Concurrency model
-----------------
pygls runs one asyncio event loop. Document sync, syntax features (tree-sitter parses
incrementally in well under a millisecond per edit) and diagnostics publishing run on
it. Anything that can take long — rope refactors, the agent — runs in worker threads or
as asyncio tasks owned by its feature module, and re-checks the document version before
replying. Diagnostics are debounced per document (``diagnostics.debounceMs``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Generator
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import FeatureRequestError, JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCRequestMessage, JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method

from server import __version__
from server.ai_run import AiRunner
from server.chat import Chats
from server.compile_cache import CompileCache
from server.completion import Completions
from server.config import Settings
from server.diagnostics import DiagnosticStore
from server.documents import Documents
from server.editor_port import CLAUDE_REQUEST_PREFIX
from server.lifecycle import ClientFeatures
from server.repo_map import RepoMapService
from server.review import Reviews
from server.transcript import CommandChat

log = logging.getLogger(__name__)


class Protocol(LanguageServerProtocol):
    """pygls' protocol, but a request whose params do not deserialize gets an error
    response instead of silence (pygls 2.1 logs and drops it; the client would wait
    forever)."""

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.initialize_seen = False

    def handle_message(self, message: Any) -> None:
        """The lifecycle rules pygls leaves out: a request before ``initialize`` gets
        ``-32002`` and a notification then is dropped (``exit`` aside); a request after
        ``shutdown`` gets ``-32600`` (pygls drops it: the client would wait forever)."""
        method = getattr(message, "method", None)
        request = method is not None and hasattr(message, "id")
        if method == lsp.INITIALIZE:
            self.initialize_seen = True
        elif method is not None and method != lsp.EXIT and not self.initialize_seen:
            log.warning("%s before initialize", method)
            if request:
                self._send_response(message.id, error=_error(-32002, "server not initialized"))
            return
        elif request and self._shutdown:
            self._send_response(message.id, error=_error(-32600, "the server is shutting down"))
            return
        elif method == lsp.TEXT_DOCUMENT_INLINE_COMPLETION and request:
            # The handler task starts only after the messages read with this one, which
            # may include the next keystroke: note the version the request was made on.
            server: ClaudeLanguageServer = self._server  # type: ignore[assignment]
            server.completions.arrived(message.params)
        super().handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        if (raw := _claude_message(data)) is not None:
            return raw
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                log.warning("invalid params for %s (id %s)", data["method"], data["id"])
                self._send_response(data["id"], error=exc.to_response_error())
            raise

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(
        self, params: lsp.InitializeParams
    ) -> Generator[Any, Any, lsp.InitializeResult]:
        """pygls' initialize, plus what the claude/* extension offers (docs/protocol.md)."""
        from server.chat_requests import capability

        result: lsp.InitializeResult = yield from super().lsp_initialize(params)
        experimental = result.capabilities.experimental
        extra = dict(experimental) if isinstance(experimental, dict) else {}
        result.capabilities.experimental = {**extra, "claudeLsp": capability()}
        return result

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Only our handler applies the changes (`server.documents` says why): pygls'
        own copy would break lines where the client does not."""
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


def _error(code: int, message: str) -> lsp.ResponseError:
    return lsp.ResponseError(code=code, message=message)


def _claude_message(data: dict[str, Any]) -> Any:
    """The claude/* extension's messages with their params (or result) as plain JSON:
    pygls would turn them into namedtuples, renaming keys that are not identifiers."""
    if data.get("jsonrpc") != "2.0" or "id" not in data or "error" in data:
        return None
    method = data.get("method")
    if isinstance(method, str) and method.startswith("claude/"):
        return JsonRPCRequestMessage(
            id=data["id"], method=method, jsonrpc="2.0", params=data.get("params")
        )
    if method is None and str(data["id"]).startswith(CLAUDE_REQUEST_PREFIX):
        return JsonRPCResponseMessage(id=data["id"], jsonrpc="2.0", result=data.get("result"))
    return None


class ClaudeLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("claude-lsp", __version__, protocol_cls=Protocol)
        self.settings = Settings()
        self.shutting_down = False
        self.compile_cache: CompileCache | None = None  # saved once the client is served
        self.client_features = ClientFeatures()
        self.diagnostics = DiagnosticStore(self)
        self.documents = Documents(self)
        # Called with the changes on workspace/didChangeWatchedFiles (cache invalidation).
        self.file_listeners: list[Callable[[list[lsp.FileEvent]], None]] = []
        self.chats = Chats(self)
        self.command_chat = CommandChat(self)
        self.ai = AiRunner(self)
        self.reviews = Reviews(self)
        self.repo_map = RepoMapService(self)
        self.completions = Completions(self)
        self.file_listeners.append(self.repo_map.watched)

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """stdio with our framing and JSON-RPC error answers (`server.stdio` says why)."""
        from server.stdio import start_io

        start_io(self, stdin, stdout)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Tell the user once, in the log and (unless the transport itself failed) in the
        editor. Failed sends are only logged: reporting them would send again. A request
        that failed already carries its error in the response: an info line is enough
        (refused refactors arrive here too)."""
        if source is FeatureRequestError:
            log.info("request failed: %s", error)
            return
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error)
        if source is not JsonRpcInternalError and not self.shutting_down:
            super().report_server_error(error, source)

    def show_message(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))


# How long a thread that wants the GIL waits before asking its holder to drop it
# (CPython's default: 5 ms). The loop gives the GIL up at every read, write and poll;
# with a worker thread busy in Python (rope, the import index), each of those can cost
# the full interval, several times per request.
SWITCH_INTERVAL = 0.0005


def create_server() -> ClaudeLanguageServer:
    from server import (
        ai_actions,
        chat_requests,
        commit_message,
        completion,
        documents,
        lifecycle,
        python,
        review,
        syntax,
        transcript,
    )

    sys.setswitchinterval(SWITCH_INTERVAL)
    server = ClaudeLanguageServer()
    lifecycle.register(server)
    documents.register(server)
    syntax.register(server)
    python.register(server)
    chat_requests.register(server)
    transcript.register(server)
    ai_actions.register(server)
    review.register(server)
    commit_message.register(server)
    completion.register(server)
    return server
