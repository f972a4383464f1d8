"""A shopping cart."""

from __future__ import annotations

from collections import Counter

from shop.catalog import Catalog


class Cart:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.items: Counter[str] = Counter()

    def add(self, sku: str, quantity: int = 1) -> None:
        if self.catalog.find(sku) is None:
            raise KeyError(sku)
        self.items[sku] += quantity

    def total_cents(self) -> int:
        total = 0
        for sku, quantity in self.items.items():
            product = self.catalog.find(sku)
            assert product is not None
            total += product.price_cents * quantity
        return total
