"""The diagnostics store on its own: debounce, one background run per document at a
time, and stale background results dropped. Each test waits for a publish it can name
(a later marker), never for time to pass."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as lsp

from server.config import DiagnosticsSettings, Settings
from server.diagnostics import Background, DiagnosticStore

URI = "file:///w/a.py"
MARKER = "file:///w/marker.py"


@dataclass
class Doc:
    version: int


@dataclass
class FakeServer:
    """What the store uses of the language server: settings, documents, publishing."""

    settings: Settings = field(default_factory=Settings)
    docs: dict[str, Doc] = field(default_factory=dict)
    published: list[tuple[str, int | None, list[str]]] = field(default_factory=list)
    waiters: dict[str, asyncio.Future[None]] = field(default_factory=dict)

    @property
    def documents(self) -> FakeServer:
        return self

    def get(self, uri: str) -> Doc | None:
        return self.docs.get(uri)

    def text_document_publish_diagnostics(self, params: lsp.PublishDiagnosticsParams) -> None:
        self.published.append((params.uri, params.version, [d.message for d in params.diagnostics]))
        waiter = self.waiters.pop(params.uri, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def next_publish(self, uri: str) -> asyncio.Future[None]:
        future = self.waiters[uri] = asyncio.get_running_loop().create_future()
        return future


def _diagnostic(message: str) -> lsp.Diagnostic:
    return lsp.Diagnostic(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 1)), message=message)


def _store(debounce_ms: int = 40) -> tuple[DiagnosticStore, FakeServer]:
    server = FakeServer(Settings(diagnostics=DiagnosticsSettings(debounce_ms=debounce_ms)))
    return DiagnosticStore(server), server  # type: ignore[arg-type]


async def test_changes_within_the_debounce_compute_once():
    store, server = _store()
    server.docs[URI] = Doc(3)
    calls: list[int] = []

    def compute(n: int) -> Any:
        return lambda: calls.append(n) or [_diagnostic(f"run {n}")]

    for n in range(3):
        store.schedule(URI, "syntax", compute(n), n + 1)
    marker = server.next_publish(MARKER)
    store.schedule(MARKER, "syntax", lambda: [], 1)  # same delay, scheduled last
    await asyncio.wait_for(marker, 10)
    assert calls == [2]
    assert [p for p in server.published if p[0] == URI] == [(URI, 3, ["run 2"])]


def _background(text: str) -> Background:
    return Background(len, (text,), lambda size: [_diagnostic(f"{size} characters")])


async def test_stale_background_results_are_dropped_and_runs_do_not_pile_up():
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    prepared: list[int] = []
    started = asyncio.get_running_loop().create_future()

    def prepare(text: str, version: int) -> Any:
        def snapshot() -> Background:
            prepared.append(version)
            if not started.done():
                started.set_result(None)
            return _background(text)

        return snapshot

    published = server.next_publish(URI)
    # Three versions typed while the first check runs in the worker process: the first
    # result is stale when it arrives, the second version is never checked, the third
    # is checked once, after the first.
    store.schedule(URI, "pyflakes", prepare("a", 1), 1, immediate=True, background=True)
    await asyncio.wait_for(started, 10)  # the first check is on its way to the worker
    for version, text in ((2, "ab"), (3, "abc")):
        server.docs[URI].version = version
        store.schedule(
            URI, "pyflakes", prepare(text, version), version, immediate=True, background=True
        )
    try:
        await asyncio.wait_for(published, 60)
    finally:
        store.close()
    assert server.published == [(URI, 3, ["3 characters"])]
    assert prepared == [1, 3]


async def test_closed_document_gets_no_late_background_result():
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    store.schedule(URI, "pyflakes", lambda: _background("late"), 1, immediate=True, background=True)
    del server.docs[URI]
    store.clear(URI)
    server.docs[MARKER] = Doc(1)
    marker = server.next_publish(MARKER)
    store.schedule(MARKER, "pyflakes", lambda: _background("m"), 1, immediate=True, background=True)
    try:
        await asyncio.wait_for(marker, 60)
    finally:
        store.close()
    assert [p[0] for p in server.published] == [MARKER]
