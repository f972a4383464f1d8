"""``python -m bench.deep_nesting``: syntax features on pathologically nested documents.

Each case is 50,000 nested or unclosed brackets (JSON and Python). Symbols, folds and
errors took 20-45 s per query on nesting, and ~1.8 s on unclosed brackets, before the
engine limited query depth (``MAX_QUERY_DEPTH``) and split a flat ERROR root; now about
30 ms. The selection chain must find the innermost of 50,000 nested nodes (~0.3 s).
Reported per case and feature: the best of ``--runs`` runs (a loaded machine's spikes
are not the engine's), against the budgets below. The counts these features return on
the same inputs are asserted by ``tests/refactor/test_syntax_languages.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from refactor.syntax.document import ParsedDocument
from refactor.syntax.errors import syntax_errors
from refactor.syntax.folding import folding_ranges
from refactor.syntax.selection import selection_chain
from refactor.syntax.symbols import document_symbols
from refactor.text import Position

DEPTH = 50_000
QUERY_BUDGET_S = 1.0
SELECTION_BUDGET_S = 3.0

CASES = {
    "json-nested": ("json", "[" * DEPTH + "]" * DEPTH),
    "json-nested-objects": ("json", '{"a":' * DEPTH + "1" + "}" * DEPTH),
    "json-nested-lines": ("json", "[\n" * DEPTH + "]\n" * DEPTH),
    "json-unclosed": ("json", "[" * DEPTH),
    "json-unclosed-objects": ("json", "{" * DEPTH),
    "python-nested": ("python", "x = " + "[" * DEPTH + "]" * DEPTH + "\n"),
    "python-nested-lines": ("python", "x = [\n" + "[\n" * DEPTH + "]\n" * DEPTH + "]\n"),
    "python-unclosed": ("python", "x = " + "(" * DEPTH + "\n"),
    "python-unclosed-in-function": ("python", "def f():\n    return " + "{" * DEPTH + "\n"),
}


def best_of(runs: int, call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def measure(runs: int) -> list[tuple[str, str, float, float]]:
    """(case, feature, best seconds, budget seconds) for every case and feature."""
    rows: list[tuple[str, str, float, float]] = []
    for name, (lang, text) in CASES.items():
        rows.extend(_measure_one(name, ParsedDocument(lang, text), runs))
    return rows


def _measure_one(name: str, doc: ParsedDocument, runs: int) -> list[tuple[str, str, float, float]]:
    middle = Position(0, len(doc.line(0)) // 2)
    deep = Position(doc.line_count() // 2, 0)
    features: list[tuple[str, Callable[[], object], float]] = [
        ("symbols", lambda: document_symbols(doc), QUERY_BUDGET_S),
        ("folds", lambda: folding_ranges(doc), QUERY_BUDGET_S),
        ("errors", lambda: syntax_errors(doc), QUERY_BUDGET_S),
        ("selection (line 0)", lambda: selection_chain(doc, middle), SELECTION_BUDGET_S),
        ("selection (middle)", lambda: selection_chain(doc, deep), SELECTION_BUDGET_S),
    ]
    return [(name, feature, best_of(runs, call), budget) for feature, call, budget in features]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deep_nesting", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per feature (best is kept)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    args = parser.parse_args(argv)
    rows = measure(max(1, args.runs))
    missed = 0
    print(f"load average {os.getloadavg()[0]:.2f}, best of {args.runs}")
    print("| case | feature | best ms | budget ms | |\n|---|---|---|---|---|")
    for name, feature, best, budget in rows:
        ok = best <= budget
        missed += not ok
        print(
            f"| {name} | {feature} | {best * 1000:.1f} | {budget * 1000:.0f} | "
            f"{'PASS' if ok else 'MISS'} |"
        )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
