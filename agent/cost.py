"""Usage x price: the cost of each request and the running totals of a session."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from agent.prices import Price, price_for

log = logging.getLogger(__name__)


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    # Part of cache_creation_input_tokens written with the 1-hour TTL.
    cache_creation_1h_input_tokens: int = 0

    @classmethod
    def from_api(cls, usage: Mapping[str, Any]) -> Usage:
        """From the API's ``usage`` object (as a dict)."""
        creation = usage.get("cache_creation") or {}
        return cls(
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cache_creation_input_tokens=int(usage.get("cache_creation_input_tokens") or 0),
            cache_read_input_tokens=int(usage.get("cache_read_input_tokens") or 0),
            cache_creation_1h_input_tokens=int(creation.get("ephemeral_1h_input_tokens") or 0),
        )

    @property
    def prompt_tokens(self) -> int:
        """Every token of the prompt, cached or not."""
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    def add(self, other: Usage) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def request_cost(usage: Usage, price: Price) -> float:
    """USD for one request."""
    threshold = price.long_threshold
    if price.long is not None and threshold is not None and usage.prompt_tokens > threshold:
        price = price.long
    write_1h = usage.cache_creation_1h_input_tokens
    write_5m = usage.cache_creation_input_tokens - write_1h
    return (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + write_5m * price.cache_write_5m
        + write_1h * price.cache_write_1h
        + usage.cache_read_input_tokens * price.cache_read
    ) / 1_000_000


class CostTracker:
    """Per-session totals. ``prior_usd`` carries the cost of a resumed session."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        prior_usd: float = 0.0,
    ) -> None:
        self.overrides = overrides
        self.usage = Usage()
        self.spent_usd = 0.0  # by this process: what budgets limit
        self.prior_usd = prior_usd
        self.requests = 0
        self.unpriced: set[str] = set()

    @property
    def session_usd(self) -> float:
        return self.prior_usd + self.spent_usd

    def add(self, model: str, usage: Usage) -> float:
        """Record one request; return its cost (0 for a model without a price)."""
        self.usage.add(usage)
        self.requests += 1
        price = price_for(model, self.overrides)
        if price is None:
            if model not in self.unpriced:
                log.warning("no price for model %s: its cost is counted as 0", model)
                self.unpriced.add(model)
            return 0.0
        cost = request_cost(usage, price)
        self.spent_usd += cost
        return cost

    def absorb(self, other: CostTracker) -> None:
        """Count what ``other`` spent (a subagent's requests) as spent here too."""
        self.usage.add(other.usage)
        self.requests += other.requests
        self.spent_usd += other.spent_usd
        self.unpriced |= other.unpriced
