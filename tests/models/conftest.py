"""Fixtures shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch


def padding_mask(lengths: list[int], total_length: int | None = None) -> torch.Tensor:
    """Bool [B, T], True on padded positions."""
    total_length = total_length or max(lengths)
    return torch.arange(total_length) >= torch.tensor(lengths).unsqueeze(1)


def padded_ids(lengths: list[int], vocab_size: int, seed: int = 0) -> torch.Tensor:
    """Random ids in [1, vocab_size), right-padded with 0: [B, max(lengths)]."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab_size, (len(lengths), max(lengths)), generator=generator)
    return ids.masked_fill(padding_mask(lengths), 0)


@pytest.fixture(name="padding_mask")
def padding_mask_factory() -> Callable[..., torch.Tensor]:
    """``padding_mask(lengths, total_length=None)``: bool [B, T], True on padding."""
    return padding_mask


@pytest.fixture(name="padded_ids")
def padded_ids_factory() -> Callable[..., torch.Tensor]:
    """``padded_ids(lengths, vocab_size, seed=0)``: random right-padded ids [B, T]."""
    return padded_ids
