"""Prices per model, in USD per million tokens.

Each row carries the date it was checked and its source. Cache writes with the 5-minute
TTL cost 1.25x input and with the 1-hour TTL 2x input; cache hits cost a fraction of
input that differs per model generation, so each row states it. Settings may override a
row or add one (``prices`` in settings: ``{"model-id": {"input": 2, "output": 10, ...}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

PRICING_PAGE = "https://platform.claude.com/docs/en/about-claude/pricing"


def _overview(slug: str) -> str:
    return f"https://platform.claude.com/docs/en/models/{slug}/overview"


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    checked: str = ""
    source: str = ""
    # Prompts longer than this (input + cache reads + cache writes) pay ``long`` rates on
    # every token of the request, output included (Haiku 5.5).
    long_threshold: int | None = None
    long: Price | None = None


def _row(input: float, output: float, cache_read: float, checked: str, source: str) -> Price:
    return Price(input, output, input * 1.25, input * 2, cache_read, checked, source)


PRICES: dict[str, Price] = {
    "claude-fable-5-2": _row(10, 50, 0.25, "2026-11", PRICING_PAGE + " (as Fable 5.1)"),
    "claude-mythos-5-2": _row(10, 50, 0.25, "2026-11", PRICING_PAGE + " (as Mythos 5.1)"),
    "claude-fable-5-1": _row(10, 50, 0.25, "2026-11", PRICING_PAGE),
    "claude-mythos-5-1": _row(10, 50, 0.25, "2026-11", PRICING_PAGE),
    "claude-fable-5": _row(10, 50, 1.0, "2026-11", PRICING_PAGE),
    "claude-mythos-5": _row(10, 50, 1.0, "2026-11", PRICING_PAGE),
    "claude-opus-5-5": _row(4, 20, 0.20, "2026-11", _overview("opus-5-5")),
    "claude-opus-5": _row(5, 25, 0.50, "2026-11", PRICING_PAGE),
    "claude-opus-4-8": _row(5, 25, 0.50, "2026-11", PRICING_PAGE),
    "claude-opus-4-7": _row(5, 25, 0.50, "2026-11", PRICING_PAGE),
    "claude-opus-4-6": _row(5, 25, 0.50, "2026-11", PRICING_PAGE),
    "claude-opus-4-5": _row(5, 25, 0.50, "2026-11", PRICING_PAGE),
    "claude-opus-4-1": _row(15, 75, 1.50, "2026-11", PRICING_PAGE),
    "claude-opus-4": _row(15, 75, 1.50, "2026-11", PRICING_PAGE),
    "claude-sonnet-5-5": _row(2, 10, 0.20, "2026-11", _overview("sonnet-5-5")),
    "claude-sonnet-5": _row(2, 10, 0.20, "2026-11", _overview("sonnet-5")),
    "claude-sonnet-4-6": _row(3, 15, 0.30, "2026-11", PRICING_PAGE),
    "claude-sonnet-4-5": _row(3, 15, 0.30, "2026-11", PRICING_PAGE),
    "claude-sonnet-4": _row(3, 15, 0.30, "2026-11", PRICING_PAGE),
    "claude-haiku-5-5": replace(
        _row(0.10, 0.50, 0.01, "2026-11", _overview("haiku-5-5") + " (prompts <= 100K)"),
        long_threshold=100_000,
        long=_row(0.50, 2.50, 0.05, "2026-11", _overview("haiku-5-5") + " (prompts > 100K)"),
    ),
    "claude-haiku-4-5": _row(1, 5, 0.10, "2026-11", PRICING_PAGE),
    "claude-haiku-3-5": _row(0.80, 4, 0.08, "2026-11", PRICING_PAGE),
}

_PROVIDER_PREFIX = re.compile(r"^(?:[a-z]{2,4}\.)?anthropic\.")
_SUFFIX = re.compile(r"(?:-\d{8})?(?:-v\d+(?::\d+)?)?(?:@\d{8})?(?:\[1m\])?$")


def normalise(model: str) -> str:
    """``us.anthropic.claude-sonnet-4-5-20250929-v1:0`` → ``claude-sonnet-4-5``."""
    model = _PROVIDER_PREFIX.sub("", model.rsplit("/", 1)[-1].lower())
    return _SUFFIX.sub("", model)


def price_for(
    model: str, overrides: Mapping[str, Mapping[str, float]] | None = None
) -> Price | None:
    """The row for ``model`` (provider prefixes and snapshot dates ignored); None when
    the model is unknown: a guess from a neighbour would be wrong too often."""
    base = normalise(model)
    table = dict(PRICES)
    for name, fields in (overrides or {}).items():
        key = normalise(name)
        old = table.get(key)
        inp = float(fields.get("input", old.input if old else 0.0))
        table[key] = Price(
            input=inp,
            output=float(fields.get("output", old.output if old else 0.0)),
            cache_write_5m=float(fields.get("cache_write_5m", inp * 1.25)),
            cache_write_1h=float(fields.get("cache_write_1h", inp * 2)),
            cache_read=float(fields.get("cache_read", old.cache_read if old else inp * 0.1)),
            checked="settings",
            source="settings override",
        )
    return table.get(base)
