"""The three measurements, each interleaved between the servers to share machine noise.

- startup: launch → ``initialize`` response, a fresh process per run.
- diagnostics: ``didOpen`` of a file with a syntax error → first ``publishDiagnostics``
  that carries a diagnostic, in the same fresh process, sent right after ``initialized``
  as an editor does (so it includes whatever the server loads lazily on first use).
- change: one long-lived process per server holding a 5,000-line file; an incremental
  ``didChange`` in the middle alternately types and deletes a syntax error, and the
  latency runs to the publish for that version (servers that report versions) or to the
  next publish for the file (servers that do not).

Samples are seconds (float) or the string "timeout" / "exited".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.lsp import LspProcess, ServerExited, sync_kind
from bench.servers import Server
from bench.workload import BROKEN_SOURCE, BigFile, big_file

Sample = float | str
STARTUP = "startup"
DIAGNOSTICS = "diagnostics"
CHANGE = "change"

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Settings:
    runs: int = 15
    edits: int = 40
    timeout: float = 15.0
    gap: float = 0.05  # pause between edits (the editor is idle briefly), then drain
    log_dir: Path | None = None
    progress: Progress = _stderr


def _rotated(items: list[Server], shift: int) -> list[Server]:
    shift %= len(items)
    return items[shift:] + items[:shift]


def _workspace(root: Path, server: Server) -> Path:
    folder = root / server.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _process(server: Server, cwd: Path, settings: Settings) -> LspProcess:
    log = settings.log_dir / f"{server.name}.log" if settings.log_dir else None
    return LspProcess(server.argv, cwd, log_path=log)


def launch_once(
    server: Server, root: Path, settings: Settings, open_file: bool
) -> tuple[Sample, Sample | None]:
    """One fresh process: (launch → initialize, didOpen → first diagnostics or None)."""
    folder = _workspace(root, server)
    path = folder / "broken.py"
    if not path.exists():
        path.write_text(BROKEN_SOURCE, encoding="utf-8")
    lsp = _process(server, folder, settings)
    startup: Sample = "timeout"
    opened: Sample | None = "timeout" if open_file else None
    try:
        launched = lsp.start()
        answer = lsp.initialize(folder, settings.timeout, server.init_options)
        if answer is None:
            return startup, opened
        stamp, message = answer
        if "error" in message:
            return "exited", "exited" if open_file else None
        startup = stamp - launched
        lsp.notify("initialized", {})
        if open_file:
            sent = lsp.did_open(path.as_uri(), BROKEN_SOURCE)
            got = lsp.wait_diagnostics(path.as_uri(), settings.timeout, non_empty=True)
            if got is not None:
                opened = got[0] - sent
    except ServerExited:
        if startup == "timeout":
            startup = "exited"
        if opened == "timeout":
            opened = "exited"
    except OSError:  # broken pipe: the server died between messages
        startup = startup if isinstance(startup, float) else "exited"
        opened = "exited" if opened == "timeout" else opened
    finally:
        lsp.close(graceful=True, timeout=0.5)
    return startup, opened


def run_launches(
    servers: list[Server], root: Path, settings: Settings, startup: bool, diagnostics: bool
) -> dict[str, dict[str, list[Sample]]]:
    results: dict[str, dict[str, list[Sample]]] = {s.name: {} for s in servers}
    for run in range(settings.runs):
        settings.progress(f"bench: launch run {run + 1}/{settings.runs}")
        for server in _rotated(servers, run):
            first, opened = launch_once(server, root, settings, open_file=diagnostics)
            if startup:
                results[server.name].setdefault(STARTUP, []).append(first)
            if diagnostics and opened is not None:
                results[server.name].setdefault(DIAGNOSTICS, []).append(opened)
    return results


@dataclass
class _Editing:
    server: Server
    lsp: LspProcess
    uri: str
    incremental: bool
    version: int = 1
    has_error: bool = False
    dead: str | None = None
    consecutive_timeouts: int = 0
    mismatches: int = 0  # publishes whose diagnostics did not reflect the edit
    samples: list[Sample] = field(default_factory=list)


def _open_big(server: Server, root: Path, big: BigFile, settings: Settings) -> _Editing | str:
    folder = _workspace(root, server)
    path = folder / "big.py"
    path.write_text(big.text, encoding="utf-8")
    lsp = _process(server, folder, settings)
    try:
        lsp.start()
        answer = lsp.initialize(folder, settings.timeout, server.init_options)
        if answer is None or "error" in answer[1]:
            lsp.close(graceful=False)
            return "timeout" if answer is None else "exited"
        lsp.notify("initialized", {})
        kind = sync_kind(answer[1].get("result") or {})
        session = _Editing(server, lsp, path.as_uri(), incremental=kind == 2)
        lsp.did_open(session.uri, big.text, version=1)
        # The first analysis of a big file may be slow; do not count it, but wait for it.
        lsp.wait_diagnostics(session.uri, settings.timeout * 2)
        return session
    except (ServerExited, OSError):
        lsp.close(graceful=False)
        return "exited"


def _edit(session: _Editing, big: BigFile, settings: Settings) -> Sample:
    insert = not session.has_error
    session.version += 1
    version = session.version
    if session.incremental:
        changes = [big.change(insert_error=insert)]
    else:
        changes = [{"text": big.text_with_error(insert)}]
    session.has_error = insert
    time.sleep(settings.gap)
    session.lsp.drain()
    try:
        sent = session.lsp.did_change(session.uri, version, changes)
        got = session.lsp.wait_diagnostics(session.uri, settings.timeout, version=version)
    except (ServerExited, OSError):
        session.dead = "exited"
        return "exited"
    if got is None:
        session.consecutive_timeouts += 1
        if session.consecutive_timeouts >= 3:
            session.dead = "timeout"
        return "timeout"
    session.consecutive_timeouts = 0
    if _shows_error(got[1], big.edit_line) != insert:
        session.mismatches += 1
    return got[0] - sent


def _shows_error(publish: dict[str, object], line: int) -> bool:
    """Whether a publish has an error (severity 1 or unset) on the edited line or the next."""
    params = publish.get("params")
    diagnostics = params.get("diagnostics") if isinstance(params, dict) else None
    for diagnostic in diagnostics or []:
        try:
            start = diagnostic["range"]["start"]["line"]
        except (KeyError, TypeError):
            continue
        if start in (line, line + 1) and diagnostic.get("severity") in (1, None):
            return True
    return False


def run_changes(
    servers: list[Server], root: Path, settings: Settings, warmup: int = 2
) -> tuple[dict[str, list[Sample]], list[str]]:
    """didChange samples per server, and notes on publishes that missed the edit."""
    big = big_file()
    sessions: list[_Editing] = []
    results: dict[str, list[Sample]] = {}
    try:
        for server in servers:
            settings.progress(f"bench: opening the 5,000-line file in {server.name}")
            opened = _open_big(server, root, big, settings)
            if isinstance(opened, str):
                results[server.name] = [opened] * settings.edits
            else:
                sessions.append(opened)
        for _ in range(warmup):
            for session in sessions:
                if session.dead is None:
                    _edit(session, big, settings)
        for session in sessions:
            session.mismatches = 0
        for index in range(settings.edits):
            if index % 10 == 0:
                settings.progress(f"bench: didChange edit {index + 1}/{settings.edits}")
            shift = index % max(1, len(sessions))
            for session in sessions[shift:] + sessions[:shift]:
                if session.dead is not None:
                    session.samples.append(session.dead)
                else:
                    session.samples.append(_edit(session, big, settings))
    finally:
        for session in sessions:
            session.lsp.close(graceful=True, timeout=0.5)
    notes: list[str] = []
    for session in sessions:
        results[session.server.name] = session.samples
        if session.mismatches:
            notes.append(
                f"{session.server.name}: {session.mismatches} didChange publishes did not "
                "reflect the edit (stale or differently placed diagnostics)"
            )
    return results, notes
