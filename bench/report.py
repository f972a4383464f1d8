"""Statistics, the results table, the goals from issue 2, and the JSON record."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from bench.measure import CHANGE, DIAGNOSTICS, STARTUP, Sample
from bench.servers import CLAUDE, JEDI

METRIC_LABELS = {
    STARTUP: "launch -> initialize",
    DIAGNOSTICS: "didOpen -> first diagnostics",
    CHANGE: "didChange -> diagnostics (5,000 lines)",
}
METRIC_ORDER = (STARTUP, DIAGNOSTICS, CHANGE)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Summary:
    samples: list[Sample]

    @property
    def values(self) -> list[float]:
        return [s for s in self.samples if isinstance(s, float)]

    @property
    def failures(self) -> int:
        return len(self.samples) - len(self.values)

    @property
    def failure_kind(self) -> str:
        kinds = {s for s in self.samples if isinstance(s, str)}
        return "exited" if kinds == {"exited"} else "timeout"

    @property
    def median(self) -> float | None:
        values = self.values
        return statistics.median(values) if values else None

    @property
    def p95(self) -> float | None:
        values = self.values
        return percentile(values, 0.95) if values else None

    def as_json(self) -> dict[str, Any]:
        return {
            "samples_ms": [round(s * 1000, 3) if isinstance(s, float) else s for s in self.samples],
            "median_ms": _ms(self.median),
            "p95_ms": _ms(self.p95),
            "failures": self.failures,
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.1f} ms"


Results = dict[str, dict[str, Summary]]


def summarize(raw: dict[str, dict[str, list[Sample]]]) -> Results:
    return {server: {m: Summary(s) for m, s in metrics.items()} for server, metrics in raw.items()}


def table(results: Results, servers: list[str]) -> str:
    header = ("server", "metric", "n", "median", "p95", "ratio")
    rows: list[tuple[str, ...]] = []
    for metric in METRIC_ORDER:
        base = results.get(CLAUDE, {}).get(metric)
        base_median = base.median if base else None
        for server in servers:
            summary = results.get(server, {}).get(metric)
            if summary is None:
                continue
            n = str(len(summary.values))
            if summary.failures:
                n += f" (+{summary.failures} {summary.failure_kind})"
            median = summary.median
            if median is None:
                rows.append((server, METRIC_LABELS[metric], n, summary.failure_kind, "-", "-"))
                continue
            ratio = f"{median / base_median:.2f}x" if base_median else "-"
            rows.append((server, METRIC_LABELS[metric], n, _fmt(median), _fmt(summary.p95), ratio))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4, 5}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths))]
    previous = None
    for row in rows:
        if previous is not None and row[1] != previous:
            out.append("")
        out.append(line(row))
        previous = row[1]
    out.append("")
    out.append(
        "ratio = the server's median / claude-lsp's median (above 1: slower than claude-lsp)"
    )
    return "\n".join(out)


@dataclass
class Goal:
    name: str
    status: str  # PASS, MISS or n/a
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"goal": self.name, "status": self.status, "detail": self.detail}


def _status(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def goals(results: Results) -> list[Goal]:
    claude = results.get(CLAUDE, {})
    jedi = results.get(JEDI, {})
    out: list[Goal] = []

    startup = claude.get(STARTUP)
    jedi_startup = jedi.get(STARTUP)
    name = "launch -> initialize <= 0.8x jedi-language-server's (same run)"
    if startup is None:
        pass
    elif startup.median is None or jedi_startup is None or jedi_startup.median is None:
        out.append(Goal(name, "n/a", "needs both medians (jedi-language-server not measured)"))
    else:
        ratio = startup.median / jedi_startup.median
        detail = (
            f"{_fmt(startup.median)} vs 0.8 x {_fmt(jedi_startup.median)} = "
            f"{_fmt(0.8 * jedi_startup.median)} ({ratio:.2f}x)"
        )
        out.append(Goal(name, _status(ratio <= 0.8), detail))
    if startup is not None:
        name = "launch -> initialize < 400 ms"
        if startup.median is None:
            out.append(Goal(name, "MISS", startup.failure_kind))
        else:
            out.append(Goal(name, _status(startup.median < 0.4), f"median {_fmt(startup.median)}"))

    opened = claude.get(DIAGNOSTICS)
    if opened is not None:
        name = "didOpen -> first diagnostics < 50 ms"
        if opened.median is None:
            out.append(Goal(name, "MISS", opened.failure_kind))
        else:
            out.append(Goal(name, _status(opened.median < 0.05), f"median {_fmt(opened.median)}"))

    changed = claude.get(CHANGE)
    if changed is not None:
        name = "didChange -> diagnostics p50 < 30 ms (5,000-line file)"
        if changed.median is None:
            out.append(Goal(name, "MISS", changed.failure_kind))
        else:
            detail = f"p50 {_fmt(changed.median)}, p95 {_fmt(changed.p95)}"
            if changed.failures:
                detail += f", {changed.failures} {changed.failure_kind}"
            ok = changed.median < 0.03 and not changed.failures
            out.append(Goal(name, _status(ok), detail))
    return out


def goals_text(items: list[Goal]) -> str:
    lines = ["Goals (issue 2), claude-lsp:"]
    lines.extend(f"  {g.status:<4}  {g.name}: {g.detail}" for g in items)
    return "\n".join(lines)
