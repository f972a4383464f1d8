"""Where background diagnostics run: a worker process whose stdout is not the editor's
JSON-RPC pipe and which ends with the server; a fresh one after a crash; a thread when
no process can be started. Each test waits for a publish it can name, never for time."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from server import diagnostics
from server.diagnostics import Background
from tests.server.test_diagnostics_store import URI, Doc, _diagnostic, _store


def _worker_state() -> str:
    """Run in the worker: where it is and where its stdout goes."""
    watching = any("_exit_with" in t.name and t.daemon for t in threading.enumerate())
    quiet = sys.stdout is sys.stderr
    # spawned, not forked: a fork of the threaded server could inherit a held lock
    kind = multiprocessing.current_process().name.rstrip("-0123456789")
    return (
        f"{os.getpid()} {os.getppid()} {os.readlink('/proc/self/fd/1')} {quiet} {watching} {kind}"
    )


def _state(text: str) -> list[Any]:
    return [_diagnostic(text)]


async def test_background_checks_run_in_a_quiet_worker_process() -> None:
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    published = server.next_publish(URI)
    store.schedule(
        URI, "pyflakes", lambda: Background(_worker_state, (), _state), 1, background=True
    )
    try:
        await asyncio.wait_for(published, 60)
    finally:
        store.close()
    ((uri, version, [state]),) = server.published
    pid, parent, stdout, quiet, watching, kind = state.split()
    assert (uri, version) == (URI, 1)
    assert int(pid) != os.getpid() and int(parent) == os.getpid()
    assert (stdout, quiet, watching, kind) == ("/dev/null", "True", "True", "SpawnProcess")


async def test_one_worker_process_checks_every_document() -> None:
    store, server = _store(debounce_ms=0)
    before = set(multiprocessing.active_children())  # an earlier test's may still end
    uris = [f"file:///w/doc{n}.py" for n in range(3)]
    published = []
    for uri in uris:
        server.docs[uri] = Doc(1)
        published.append(server.next_publish(uri))
        store.schedule(uri, "pyflakes", lambda: Background(os.getpid, (), _pid), 1, background=True)
    try:
        await asyncio.wait_for(asyncio.gather(*published), 60)
        started = set(multiprocessing.active_children()) - before
    finally:
        store.close()
    assert len(started) == 1
    assert {messages[0] for _, _, messages in server.published} == {str(started.pop().pid)}


async def test_a_worker_that_dies_is_replaced_and_the_newest_text_checked(caplog) -> None:
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    first = server.next_publish(URI)
    store.schedule(URI, "pyflakes", lambda: Background(os.getpid, (), _pid), 1, background=True)
    await asyncio.wait_for(first, 60)
    # version 2 kills the worker; version 3, typed meanwhile, runs after it in a new one
    server.docs[URI].version = 3
    crash = Background(os._exit, (3,), lambda _: [_diagnostic("never")])
    with caplog.at_level("ERROR", logger="server.diagnostics"):
        prepare, started = _started(crash)
        store.schedule(URI, "pyflakes", prepare, 2, immediate=True, background=True)
        await asyncio.wait_for(started, 10)  # the crash is on its way
        again = server.next_publish(URI)
        store.schedule(
            URI,
            "pyflakes",
            lambda: Background(os.getpid, (), _pid),
            3,
            immediate=True,
            background=True,
        )
        try:
            await asyncio.wait_for(again, 60)
        finally:
            store.close()
    assert [(uri, version) for uri, version, _ in server.published] == [(URI, 1), (URI, 3)]
    [old], [new] = (messages for _, _, messages in server.published)
    assert old != new and str(os.getpid()) not in (old, new)
    assert [r.getMessage().split(": ")[0] for r in caplog.records] == [
        f"computing pyflakes diagnostics for {URI} failed"
    ]
    assert "terminated abruptly" in caplog.records[0].getMessage()


def _started(work: Background) -> tuple[Callable[[], Background], asyncio.Future[None]]:
    """A ``Prepare`` returning ``work``, and a future resolved once it was called."""
    future = asyncio.get_running_loop().create_future()

    def prepare() -> Background:
        future.set_result(None)
        return work

    return prepare, future


def _pid(pid: int) -> list[Any]:
    return [_diagnostic(str(pid))]


async def test_a_failing_check_is_logged_and_publishes_nothing(caplog) -> None:
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    with caplog.at_level("ERROR", logger="server.diagnostics"):
        fails = Background(int, ("x",), lambda _: [_diagnostic("never")])
        prepare, started = _started(fails)
        store.schedule(URI, "pyflakes", prepare, 1, immediate=True, background=True)
        await asyncio.wait_for(started, 10)  # in the worker: the next one waits
        server.docs[URI].version = 2
        published = server.next_publish(URI)
        store.schedule(
            URI,
            "pyflakes",
            lambda: Background(len, ("ab",), _pid),
            2,
            immediate=True,
            background=True,
        )
        try:
            await asyncio.wait_for(published, 60)
        finally:
            store.close()
    assert server.published == [(URI, 2, ["2"])]
    assert [r.getMessage() for r in caplog.records] == [
        f"computing pyflakes diagnostics for {URI} failed: "
        "invalid literal for int() with base 10: 'x'"
    ]


async def test_without_a_worker_process_checks_run_on_a_thread(monkeypatch, caplog) -> None:
    def no_process(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no /dev/shm")

    monkeypatch.setattr(diagnostics, "ProcessPoolExecutor", no_process)
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)

    def where(label: str) -> str:
        return f"{label} {os.getpid()} {threading.current_thread().name.split('_')[0]}"

    def check(version: int) -> None:
        store.schedule(
            URI,
            "pyflakes",
            lambda: Background(where, ("on",), _state),
            version,
            immediate=True,
            background=True,
        )

    with caplog.at_level("WARNING", logger="server.diagnostics"):
        first = server.next_publish(URI)
        check(1)
        await asyncio.wait_for(first, 60)
        server.docs[URI].version = 2
        second = server.next_publish(URI)
        check(2)
        try:
            await asyncio.wait_for(second, 60)
        finally:
            store.close()
    here = f"on {os.getpid()} diagnostics"
    assert server.published == [(URI, 1, [here]), (URI, 2, [here])]
    assert [r.getMessage() for r in caplog.records] == [
        "no worker process for diagnostics (no /dev/shm): using a thread"
    ]


# -- the worker's own set-up, run here: stdout is JSON-RPC, the worker ends with the server


class _Exited(BaseException):
    pass


def test_the_worker_keeps_stdout_free_and_watches_its_parent(monkeypatch) -> None:
    exits: list[int] = []
    intervals: list[float] = []
    polled, looked, gone = threading.Event(), threading.Event(), threading.Event()
    parent = os.getppid()

    def sleep(seconds: float) -> None:  # reached only while the parent is alive
        intervals.append(seconds)
        polled.set()
        looked.wait(10)
        gone.set()  # now the parent dies

    monkeypatch.setattr(os, "_exit", exits.append)  # returns: the watcher thread ends
    monkeypatch.setattr(os, "getppid", lambda: -1 if gone.is_set() else parent)
    monkeypatch.setattr(diagnostics, "time", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # put back afterwards
    saved = os.dup(1)
    try:
        diagnostics._quiet_child()
        stdout = os.readlink("/proc/self/fd/1")
        quiet = sys.stdout is sys.stderr
        watchers = [t for t in threading.enumerate() if "_exit_with" in t.name]
        # The watcher looks at this process's parent: alive, so the worker goes on,
        # and it looks again within half a second (an orphaned worker ends that soon).
        assert polled.wait(10)
        assert exits == [] and intervals == [intervals[0]] and 0 < intervals[0] <= 0.5
    finally:
        looked.set()
        os.dup2(saved, 1)
        os.close(saved)
    assert (stdout, quiet) == ("/dev/null", True)
    assert len(watchers) == 1 and watchers[0].daemon
    watchers[0].join(10)
    assert exits == [0]  # the parent gone, the worker exits


def test_the_worker_exits_when_its_parent_is_gone(monkeypatch) -> None:
    exits: list[int] = []

    def exit_(code: int) -> None:
        exits.append(code)
        raise _Exited

    monkeypatch.setattr(os, "_exit", exit_)
    with pytest.raises(_Exited):
        diagnostics._exit_with(os.getppid() + 100_000)  # not this process's parent
    assert exits == [0]


async def test_closing_a_document_drops_only_its_own_queued_check() -> None:
    store, server = _store(debounce_ms=0)
    other = "file:///w/b.py"
    prepared: list[tuple[str, int]] = []

    def check(uri: str, version: int) -> Callable[[], Background]:
        def prepare() -> Background:
            prepared.append((uri, version))
            return Background(len, (uri,), lambda size: [_diagnostic(f"{size} v{version}")])

        return prepare

    # version 1 of both documents in flight, version 2 of both typed meanwhile
    for uri in (URI, other):
        server.docs[uri] = Doc(1)
        prepare, started = _started(Background(len, (uri,), lambda size: [_diagnostic("v1")]))
        store.schedule(uri, "pyflakes", prepare, 1, immediate=True, background=True)
        await asyncio.wait_for(started, 10)
    for uri in (URI, other):
        server.docs[uri].version = 2
        store.schedule(uri, "pyflakes", check(uri, 2), 2, immediate=True, background=True)
    # Two loop iterations, no time: the zero-delay runs of version 2 find version 1 in
    # flight and wait for it (the first iteration resumes this task before them).
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    published = server.next_publish(other)
    del server.docs[URI]
    store.clear(URI)  # closed: its version 2 is never checked, the other one's is
    try:
        await asyncio.wait_for(published, 60)
    finally:
        store.close()
    assert server.published == [(other, 2, [f"{len(other)} v2"])]
    assert prepared == [(other, 2)]


async def test_a_background_result_is_replaced_by_its_source_s_next_one() -> None:
    # pyflakes' first result comes from the worker; the next one straight from the
    # loop (diagnostics turned off: an empty list). It must replace the first.
    store, server = _store(debounce_ms=0)
    server.docs[URI] = Doc(1)
    first = server.next_publish(URI)
    store.schedule(
        URI, "pyflakes", lambda: Background(str, ("unused import",), _state), 1, background=True
    )
    try:
        await asyncio.wait_for(first, 60)
        server.docs[URI].version = 2
        second = server.next_publish(URI)
        store.schedule(URI, "pyflakes", lambda: [], 2, immediate=True, background=True)
        await asyncio.wait_for(second, 10)
    finally:
        store.close()
    assert server.published == [(URI, 1, ["unused import"]), (URI, 2, [])]
