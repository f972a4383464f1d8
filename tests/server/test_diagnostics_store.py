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


async def test_sources_are_merged_and_replaced_per_source():
    store, server = _store(debounce_ms=0)
    store.set(URI, "syntax", [_diagnostic("s1")], 4)
    store.set(URI, "pyflakes", [_diagnostic("p1"), _diagnostic("p2")], 4)
    store.set(URI, "syntax", [], 5)
    assert server.published == [
        (URI, 4, ["s1"]),
        (URI, 4, ["s1", "p1", "p2"]),
        (URI, 5, ["p1", "p2"]),
    ]
    assert [d.message for d in store.get(URI)] == ["p1", "p2"]
    assert store.get(MARKER) == []


async def test_closing_a_document_clears_what_the_editor_shows():
    store, server = _store(debounce_ms=0)
    store.clear(URI)  # nothing shown: nothing to clear
    assert server.published == []
    store.set(URI, "syntax", [_diagnostic("s1")], 1)
    store.set(MARKER, "syntax", [_diagnostic("m")], 1)
    store.clear(URI)
    assert server.published[-1] == (URI, None, [])
    assert store.get(URI) == [] and [d.message for d in store.get(MARKER)] == ["m"]


async def test_a_close_cancels_pending_checks_of_that_document_only():
    store, server = _store(debounce_ms=20)
    store.schedule(URI, "syntax", lambda: [_diagnostic("late")], 1)
    store.clear(URI)
    marker = server.next_publish(MARKER)
    store.schedule(MARKER, "syntax", lambda: [_diagnostic("m")], 1)
    await asyncio.wait_for(marker, 10)
    assert server.published == [(MARKER, 1, ["m"])]


async def test_immediate_checks_publish_at_once_and_failures_publish_nothing():
    store, server = _store(debounce_ms=10_000)
    store.schedule(URI, "syntax", lambda: [_diagnostic("now")], 7, immediate=True)
    assert server.published == [(URI, 7, ["now"])]
    store.schedule(URI, "syntax", lambda: 1 / 0, 8, immediate=True)
    store.schedule(URI, "syntax", lambda: None, 9, immediate=True)
    assert server.published == [(URI, 7, ["now"])]


async def test_after_shutdown_nothing_is_published():
    store, server = _store(debounce_ms=20)
    store.schedule(URI, "syntax", lambda: [_diagnostic("late")], 1)
    store.close()
    store.set(MARKER, "syntax", [_diagnostic("m")], 1)
    store.schedule(MARKER, "syntax", lambda: [_diagnostic("m")], 1, immediate=True)
    assert server.published == []


async def test_a_check_replaces_its_own_sources_diagnostics_and_failures_are_logged(caplog):
    store, server = _store(debounce_ms=0)
    store.schedule(URI, "syntax", lambda: [_diagnostic("old")], 1, immediate=True)
    store.schedule(URI, "syntax", lambda: [], 2, immediate=True)
    assert server.published[-1] == (URI, 2, [])
    with caplog.at_level("ERROR", logger="server.diagnostics"):
        store.schedule(URI, "syntax", lambda: 1 / 0, 3, immediate=True)
    assert [r.getMessage() for r in caplog.records] == [
        f"computing syntax diagnostics for {URI} failed"
    ]


async def test_background_checks_that_answer_at_once_or_fail(caplog):
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(2)
    server.docs[MARKER] = Doc(1)

    def boom() -> Any:
        raise RuntimeError("no snapshot")

    with caplog.at_level("ERROR", logger="server.diagnostics"):
        store.schedule(
            URI, "pyflakes", lambda: [_diagnostic("now")], 2, immediate=True, background=True
        )
        store.schedule(
            URI, "other", lambda: [_diagnostic("stale")], 1, immediate=True, background=True
        )
        store.schedule(URI, "third", boom, 2, immediate=True, background=True)
        marker = server.next_publish(MARKER)
        store.schedule(MARKER, "pyflakes", lambda: [], 1, immediate=True, background=True)
        await asyncio.wait_for(marker, 10)
    store.close()
    assert server.published == [(URI, 2, ["now"]), (MARKER, 1, [])]
    assert [r.getMessage() for r in caplog.records] == [
        f"preparing third diagnostics for {URI} failed"
    ]


async def test_without_a_debounce_checks_of_two_sources_publish_at_once_merged():
    store, server = _store(debounce_ms=0)
    store.schedule(URI, "syntax", lambda: [_diagnostic("s")], 1)
    store.schedule(URI, "pyflakes", lambda: [_diagnostic("p")], 1)
    assert server.published == [(URI, 1, ["s"]), (URI, 1, ["s", "p"])]


async def test_background_checks_of_two_sources_that_answer_at_once_are_merged():
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    for source in ("pyflakes", "imports"):
        published = server.next_publish(URI)
        store.schedule(URI, source, lambda s=source: [_diagnostic(s)], 1, background=True)
        await asyncio.wait_for(published, 10)
    store.close()
    assert server.published == [(URI, 1, ["pyflakes"]), (URI, 1, ["pyflakes", "imports"])]
