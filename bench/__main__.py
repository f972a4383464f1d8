"""``python -m bench``: claude-lsp against its peers, side by side in the same run.

Measures launch -> initialize, didOpen -> first diagnostics and didChange -> diagnostics
on a 5,000-line file for claude-lsp, jedi-language-server and pylsp (plus basedpyright
and ruff when installed), prints a table and the goals from issue 2 with PASS/MISS.
The peers are installed on first use into ``.bench-venv/`` at the repository root.
Progress goes to stderr; the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import measure, report
from bench.servers import (
    ALL_SERVERS,
    CLAUDE,
    DEFAULT_VENV,
    OPTIONAL_PEERS,
    REQUIRED_PEERS,
    Server,
    ensure_peers_venv,
    find_server,
)

METRICS = (measure.STARTUP, measure.DIAGNOSTICS, measure.CHANGE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark claude-lsp against jedi-language-server and pylsp "
        "(and basedpyright and ruff when installed).",
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="fresh launches per server (default 15)"
    )
    parser.add_argument(
        "--edits", type=int, default=40, help="didChange edits per server (default 40)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=METRICS,
        help="measure only this (repeatable; default: all three)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the results there")
    parser.add_argument(
        "--servers",
        help=f"comma-separated subset of {','.join(ALL_SERVERS)} (default: all installed)",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="claude-lsp only (no peers venv needed)"
    )
    parser.add_argument(
        "--peers-venv",
        type=Path,
        default=DEFAULT_VENV,
        help=f"venv holding the peers, created on first use (default {DEFAULT_VENV})",
    )
    parser.add_argument(
        "--install-optional",
        action="store_true",
        help="also pip-install basedpyright and ruff into the peers venv",
    )
    parser.add_argument(
        "--timeout", type=float, default=15.0, help="seconds to wait for any answer (default 15)"
    )
    parser.add_argument("--log-dir", type=Path, help="write each server's stderr there")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.edits < 1:
        parser.error("--runs and --edits must be at least 1")
    return args


def select_servers(args: argparse.Namespace) -> tuple[list[Server], list[str]]:
    """The servers to measure, and notes about the ones skipped."""
    if args.no_peers:
        wanted = [CLAUDE]
    elif args.servers:
        wanted = [name.strip() for name in args.servers.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in ALL_SERVERS]
        if unknown:
            raise SystemExit(f"bench: unknown server(s) {', '.join(unknown)}")
    else:
        wanted = list(ALL_SERVERS)
    explicit = bool(args.servers)
    if any(name != CLAUDE for name in wanted):
        ensure_peers_venv(args.peers_venv, args.install_optional)
    servers: list[Server] = []
    notes: list[str] = []
    for name in wanted:
        server = find_server(name, args.peers_venv)
        if server is not None:
            servers.append(server)
        elif name in REQUIRED_PEERS or explicit:
            raise SystemExit(f"bench: {name} is not installed in {args.peers_venv}")
        elif name in OPTIONAL_PEERS:
            notes.append(f"{name}: not installed (optional; --install-optional adds it)")
    return servers, notes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers, notes = select_servers(args)
    metrics = tuple(args.only) if args.only else METRICS
    settings = measure.Settings(
        runs=args.runs, edits=args.edits, timeout=args.timeout, log_dir=args.log_dir
    )
    if args.log_dir:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    names = [s.name for s in servers]
    for server in servers:
        print(f"bench: {server.name}: {' '.join(server.argv)}", file=sys.stderr)

    raw: dict[str, dict[str, list[measure.Sample]]] = {name: {} for name in names}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="claude-lsp-bench-") as tmp:
        root = Path(tmp)
        if measure.STARTUP in metrics or measure.DIAGNOSTICS in metrics:
            launches = measure.run_launches(
                servers,
                root / "launch",
                settings,
                startup=measure.STARTUP in metrics,
                diagnostics=measure.DIAGNOSTICS in metrics,
            )
            for name, values in launches.items():
                raw[name].update(values)
        if measure.CHANGE in metrics:
            changes, change_notes = measure.run_changes(servers, root / "change", settings)
            notes.extend(change_notes)
            for name, samples in changes.items():
                raw[name][measure.CHANGE] = samples
    elapsed = time.perf_counter() - started

    results = report.summarize(raw)
    goals = report.goals(results)
    cpus = os.cpu_count()
    print(
        f"claude-lsp bench: {args.runs} launches and {args.edits} edits per server, "
        f"interleaved; {cpus} CPUs; {elapsed:.0f} s"
    )
    print()
    print(report.table(results, names))
    for note in notes:
        print(f"note: {note}")
    print()
    print(report.goals_text(goals))

    if args.json:
        record = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {
                "cpus": cpus,
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "runs": args.runs,
            "edits": args.edits,
            "servers": {s.name: s.argv for s in servers},
            "results": {
                name: {metric: summary.as_json() for metric, summary in metrics_.items()}
                for name, metrics_ in results.items()
            },
            "goals": [g.as_json() for g in goals],
            "notes": notes,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults saved to {args.json}")
    if args.strict and any(g.status == "MISS" for g in goals):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
