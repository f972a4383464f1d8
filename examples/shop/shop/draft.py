"""Discount rules (work in progress)."""

import os

from shop.cart import Cart


def discount(cart: Cart, percent: int:
    return cart.total_cents() * percent // 100
