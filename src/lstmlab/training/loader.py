"""Batches for the trainer: the one length-bucketed loader, a resumed epoch's rest, devices.

Kept apart from the trainer so that tasks can make batches without importing it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from lstmlab.data.batching import BucketBatchSampler, collate
from lstmlab.errors import ConfigError
from lstmlab.training.distributed import DistContext


def make_loader(
    examples: list[dict[str, Any]],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    bucket: bool = True,
    ctx: DistContext | None = None,
) -> DataLoader:
    """The one batching path: length-bucketed batches of ``examples`` (sharded over ranks).

    ``batch_size`` is the global batch size. Without bucketing, batches are plain random
    draws (a bucket of one batch), as in the lab's pipeline.
    """
    ctx = ctx or DistContext()
    try:
        sampler = BucketBatchSampler(
            [len(example["ids"]) for example in examples],
            batch_size,
            shuffle=shuffle,
            seed=seed,
            num_replicas=ctx.world_size,
            rank=ctx.rank,
            **({} if bucket else {"bucket_factor": 1}),
        )
    except ValueError as error:  # e.g. fewer sequences than processes
        raise ConfigError(f"cannot batch {len(examples)} examples: {error}") from None
    # A private generator: otherwise every new iterator draws from torch's global RNG,
    # and a resumed run would see different dropout masks than an uninterrupted one.
    return DataLoader(
        examples, batch_sampler=sampler, collate_fn=collate, generator=torch.Generator()
    )


def remaining_batches(loader: DataLoader, done: int) -> DataLoader:
    """The epoch's batches after the first ``done`` (a resumed epoch), collated lazily."""
    if done == 0:
        return loader
    batches = list(loader.batch_sampler)[done:]  # the sampler's order is fixed by its epoch
    return DataLoader(
        loader.dataset,
        batch_sampler=batches,
        collate_fn=loader.collate_fn,
        generator=torch.Generator(),
    )


def to_device(batch: dict[str, Tensor], device: torch.device) -> dict[str, Tensor]:
    """The batch's tensors on ``device``; lengths stay on the CPU (pack_padded_sequence)."""
    return {k: v if k == "lengths" else v.to(device, non_blocking=True) for k, v in batch.items()}
