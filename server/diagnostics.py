"""Diagnostics from one place: kept per (uri, source), published by one function.

Producers (syntax errors, pyflakes …) call ``schedule`` with a function that computes
their diagnostics; calls within ``diagnostics.debounceMs`` of each other for the same
document and source are coalesced into one computation. Every publish carries the
document version the diagnostics were computed for.

Concurrency: ``immediate``/debounced computations run on the event loop. ``background``
ones (pyflakes: tens of ms of pure Python per large file) run in one worker *process*:
on a thread they would hold the GIL, and every time the loop gave it up — to read a
message, write an answer — it would wait for it again (up to ``sys.getswitchinterval()``
each time), so requests typed between two checks would wait tens of ms. At most one
background run per (uri, source) is in flight; changes meanwhile ask for one more run,
on the newest text, when it finishes. A result for a version the document has left is
dropped.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

Compute = Callable[[], list[lsp.Diagnostic] | None]


@dataclass
class Background:
    """Work for the worker process: ``task(*args)`` runs there (a module-level function,
    picklable arguments and result); ``finish`` turns its result into diagnostics on
    the loop."""

    task: Callable[..., Any]
    args: tuple[Any, ...]
    finish: Callable[[Any], list[lsp.Diagnostic]]


# A background computation: called on the loop to take a snapshot of what it needs, it
# returns the work for the worker process, a result at once, or None (nothing to publish).
Prepare = Callable[[], Background | list[lsp.Diagnostic] | None]


def _quiet_child() -> None:
    """In the worker process: stdout is the editor's JSON-RPC pipe, so nothing goes
    there; and the worker ends with the server, however the server ended (kill -9)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = sys.stderr
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


class DiagnosticStore:
    def __init__(self, server: ClaudeLanguageServer) -> None:
        self._server = server
        self._items: dict[str, dict[str, list[lsp.Diagnostic]]] = {}
        self._pending: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._closed = False
        self._executor: Executor | None = None
        self._in_process = True  # False once a worker process could not be started
        self._running: set[tuple[str, str]] = set()  # background runs in flight
        self._again: dict[tuple[str, str], tuple[Prepare, int | None]] = {}

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
        ``Prepare``: it snapshots the document on the loop and returns the `Background`
        work for the worker process, so the event loop keeps answering. The result is
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
        key = (uri, source)
        self._pending.pop(key, None)
        if key in self._running:  # one run at a time: the newest text runs next
            self._again[key] = (prepare, version)
            return
        try:
            work = prepare()
        except Exception:
            log.exception("preparing %s diagnostics for %s failed", source, uri)
            return
        if work is None:
            return
        if isinstance(work, list):
            self._finish(uri, source, version, work)
            return
        try:
            future = asyncio.get_running_loop().run_in_executor(
                self._worker(), work.task, *work.args
            )
        except (OSError, RuntimeError, BrokenProcessPool) as error:
            log.warning("no worker process for diagnostics (%s): using a thread", error)
            self._stop_worker()
            self._in_process = False
            future = asyncio.get_running_loop().run_in_executor(
                self._worker(), work.task, *work.args
            )
        self._running.add(key)

        def done(result: asyncio.Future[Any]) -> None:
            self._running.discard(key)
            if not result.cancelled():
                if (error := result.exception()) is not None:
                    log.error("computing %s diagnostics for %s failed: %s", source, uri, error)
                    if isinstance(error, BrokenProcessPool):
                        self._stop_worker()  # a fresh one next time
                else:
                    self._finish(uri, source, version, work.finish(result.result()))
            again = self._again.pop(key, None)
            if again is not None and not self._closed:
                self._run_in_thread(uri, source, *again)

        future.add_done_callback(done)

    def _finish(
        self, uri: str, source: str, version: int | None, diagnostics: list[lsp.Diagnostic]
    ) -> None:
        """Publish a background result unless the document has moved on or closed."""
        doc = self._server.documents.get(uri)
        if doc is not None and doc.version == version:
            self.set(uri, source, diagnostics, version)

    def _worker(self) -> Executor:
        if self._executor is None:
            if self._in_process:
                self._executor = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_child
                )
            else:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="diagnostics")
        return self._executor

    def _stop_worker(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def clear(self, uri: str) -> None:
        """The document closed: forget it and clear what the client shows."""
        for key in [k for k in self._pending if k[0] == uri]:
            self._pending.pop(key).cancel()
        for key in [k for k in self._again if k[0] == uri]:
            del self._again[key]
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
        self._again.clear()
        self._stop_worker()

    def _publish(self, uri: str, version: int | None) -> None:
        if self._closed:
            return
        self._server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=self.get(uri), version=version)
        )
