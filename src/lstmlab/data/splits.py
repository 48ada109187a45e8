"""Seeded train/validation splits of example indices."""

from __future__ import annotations

import random


def train_val_split(n: int, val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Split ``range(n)`` into (train, validation) index lists, each sorted ascending.

    ``round(n * val_fraction)`` indices go to validation, drawn with ``random.Random(seed)``
    (stable across Python versions), so the same ``(n, val_fraction, seed)`` always gives
    the same split.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_val = round(n * val_fraction)
    return sorted(order[n_val:]), sorted(order[:n_val])


def seeded_subset(n: int, size: int, seed: int) -> list[int]:
    """``size`` indices of ``range(n)`` drawn with ``random.Random(seed)``, sorted; all of
    them when ``size`` is 0 or at least ``n`` (the ``data.max_train``-style settings)."""
    if n < 0 or size < 0:
        raise ValueError(f"n and size must be >= 0, got {n} and {size}")
    if size == 0 or size >= n:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), size))
