"""A tiny shop: products, carts and prices."""
