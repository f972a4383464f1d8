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
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

Compute = Callable[[], list[lsp.Diagnostic] | None]


class DiagnosticStore:
    def __init__(self, server: ClaudeLanguageServer) -> None:
        self._server = server
        self._items: dict[str, dict[str, list[lsp.Diagnostic]]] = {}
        self._pending: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._closed = False

    def get(self, uri: str) -> list[lsp.Diagnostic]:
        return [d for items in self._items.get(uri, {}).values() for d in items]

    def set(
        self, uri: str, source: str, diagnostics: list[lsp.Diagnostic], version: int | None
    ) -> None:
        """Replace one source's diagnostics for ``uri`` and publish the merged list."""
        self._items.setdefault(uri, {})[source] = diagnostics
        self._publish(uri, version)

    def schedule(
        self, uri: str, source: str, compute: Compute, version: int | None, immediate: bool = False
    ) -> None:
        """Compute and publish after the debounce delay (at once when ``immediate``)."""
        key = (uri, source)
        handle = self._pending.pop(key, None)
        if handle is not None:
            handle.cancel()
        delay = self._server.settings.diagnostics.debounce_ms / 1000
        if immediate or delay <= 0:
            self._run(uri, source, compute, version)
            return
        loop = asyncio.get_running_loop()
        self._pending[key] = loop.call_later(delay, self._run, uri, source, compute, version)

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
