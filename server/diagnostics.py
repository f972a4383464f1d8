"""Diagnostics from one place: kept per (uri, source), published by one function.

Producers (syntax errors, later pyflakes …) call ``schedule`` with a function that
computes their diagnostics; calls within ``diagnostics.debounceMs`` of each other for
the same document and source are coalesced into one computation. Every publish carries
the document version the diagnostics were computed for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

Compute = Callable[[], list[lsp.Diagnostic] | None]
# A background computation: called on the loop to take a snapshot of what it needs, it
# returns the function to run on the worker thread (or None for "nothing to publish").
Prepare = Callable[[], Compute | None]


class DiagnosticStore:
    def __init__(self, server: ClaudeLanguageServer) -> None:
        self._server = server
        self._items: dict[str, dict[str, list[lsp.Diagnostic]]] = {}
        self._pending: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._closed = False
        self._executor: ThreadPoolExecutor | None = None

    def get(self, uri: str) -> list[lsp.Diagnostic]:
        return [d for items in self._items.get(uri, {}).values() for d in items]

    def set(
        self, uri: str, source: str, diagnostics: list[lsp.Diagnostic], version: int | None
    ) -> None:
        """Replace one source's diagnostics for ``uri`` and publish the merged list."""
        self._items.setdefault(uri, {})[source] = diagnostics
        self._publish(uri, version)

    def schedule(
        self,
        uri: str,
        source: str,
        compute: Compute | Prepare,
        version: int | None,
        *,
        immediate: bool = False,
        background: bool = False,
    ) -> None:
        """Compute and publish after the debounce delay (at once when ``immediate``).

        ``background`` computations (pyflakes: ~100 ms on a 5,000-line file) pass a
        ``Prepare``: it snapshots the document on the loop and returns the function that
        runs on a worker thread, so the event loop keeps answering. The result is
        dropped if the document changed meanwhile (a newer run is already scheduled).
        """
        key = (uri, source)
        handle = self._pending.pop(key, None)
        if handle is not None:
            handle.cancel()
        delay = 0.0 if immediate else self._server.settings.diagnostics.debounce_ms / 1000
        run: Callable[..., None] = self._run_in_thread if background else self._run
        if delay <= 0 and not background:
            run(uri, source, compute, version)
            return
        loop = asyncio.get_running_loop()
        self._pending[key] = loop.call_later(delay, run, uri, source, compute, version)

    def _run_in_thread(self, uri: str, source: str, prepare: Prepare, version: int | None) -> None:
        self._pending.pop((uri, source), None)
        try:
            compute = prepare()
        except Exception:
            log.exception("preparing %s diagnostics for %s failed", source, uri)
            return
        if compute is None:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="diagnostics")
        future = asyncio.get_running_loop().run_in_executor(self._executor, compute)

        def done(result: asyncio.Future[list[lsp.Diagnostic] | None]) -> None:
            if result.cancelled():
                return
            if (error := result.exception()) is not None:
                log.error("computing %s diagnostics for %s failed: %s", source, uri, error)
                return
            doc = self._server.documents.get(uri)
            diagnostics = result.result()
            if diagnostics is not None and doc is not None and doc.version == version:
                self.set(uri, source, diagnostics, version)

        future.add_done_callback(done)

    def clear(self, uri: str) -> None:
        """The document closed: forget it and clear what the client shows."""
        for key in [k for k in self._pending if k[0] == uri]:
            self._pending.pop(key).cancel()
        if self._items.pop(uri, None) is not None:
            self._publish(uri, None)

    def _run(self, uri: str, source: str, compute: Compute, version: int | None) -> None:
        self._pending.pop((uri, source), None)
        try:
            diagnostics = compute()
        except Exception:
            log.exception("computing %s diagnostics for %s failed", source, uri)
            return
        if diagnostics is not None:
            self.set(uri, source, diagnostics, version)

    def close(self) -> None:
        """The server is shutting down: cancel pending work, publish nothing more."""
        self._closed = True
        for handle in self._pending.values():
            handle.cancel()
        self._pending.clear()

    def _publish(self, uri: str, version: int | None) -> None:
        if self._closed:
            return
        self._server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=self.get(uri), version=version)
        )
