"""Batching for variable-length sequences: truncation, a bucketing sampler, one collate.

The sampler groups sequences of similar length so that little padding is computed, and
shards every global batch across data-parallel ranks. :func:`collate` pads whatever fields
an example has, so the sentiment and tagging pipelines share it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Sampler

from lstmlab.data.truncation import TRUNCATE_MODES, truncate

__all__ = ["TRUNCATE_MODES", "BucketBatchSampler", "collate", "truncate"]

# Padding value per per-token field; -100 is cross_entropy's default ignore_index.
PAD_VALUES: dict[str, int] = {"ids": 0, "tags": -100}
DEFAULT_PAD_VALUE = 0


class BucketBatchSampler(Sampler[list[int]]):
    """Yield lists of indices into ``lengths``, similar lengths in the same batch.

    Each epoch: shuffle all indices (seeded by ``seed`` and the epoch), cut them into chunks
    of ``batch_size * bucket_factor``, sort each chunk by length, cut it into batches, then
    shuffle the order of the batches. With ``shuffle=False`` the indices are sorted by length
    (ties by index) and the batches come in that order.

    ``batch_size`` is the *global* batch size. Every rank builds the same global batches and
    yields its own slice ``batch[rank::num_replicas]`` of each, so across ranks every index
    appears exactly once per epoch and all ranks yield the same number of batches. A last
    global batch with fewer than ``num_replicas`` indices is merged into the one before it
    (so no rank ever gets an empty batch).
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        num_replicas: int = 1,
        rank: int = 0,
        bucket_factor: int = 50,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if batch_size < num_replicas:
            raise ValueError(f"global batch_size {batch_size} is smaller than {num_replicas} ranks")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not in [0, {num_replicas})")
        if 0 < len(lengths) < num_replicas:
            raise ValueError(f"{len(lengths)} sequences cannot be shared by {num_replicas} ranks")
        if bucket_factor < 1:
            raise ValueError(f"bucket_factor must be >= 1, got {bucket_factor}")
        self.lengths = [int(n) for n in lengths]
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.num_replicas = num_replicas
        self.rank = rank
        self.bucket_factor = bucket_factor
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffle of ``epoch`` (call before each epoch, as with DistributedSampler)."""
        self.epoch = epoch

    def global_batches(self) -> list[list[int]]:
        """This epoch's batches before sharding (identical on every rank)."""
        if self.shuffle:
            rng = random.Random(self.seed * 1_000_003 + self.epoch)
            order = list(range(len(self.lengths)))
            rng.shuffle(order)
            chunk = self.batch_size * self.bucket_factor
            # Chunks are whole multiples of batch_size, so only the very last batch is short.
            order = [
                i
                for start in range(0, len(order), chunk)
                for i in sorted(order[start : start + chunk], key=self.lengths.__getitem__)
            ]
        else:
            order = sorted(range(len(self.lengths)), key=lambda i: (self.lengths[i], i))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if len(batches) > 1 and len(batches[-1]) < self.num_replicas:
            batches[-2].extend(batches.pop())
        if self.shuffle:
            rng.shuffle(batches)
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.global_batches():
            yield batch[self.rank :: self.num_replicas]

    def __len__(self) -> int:
        n_batches = -(-len(self.lengths) // self.batch_size)
        last = len(self.lengths) - (n_batches - 1) * self.batch_size
        if n_batches > 1 and last < self.num_replicas:
            n_batches -= 1
        return n_batches


# 1-d fields that are one fixed-size row per example, stacked, not padded to the length.
STACKED_FIELDS = frozenset({"targets"})


def collate(examples: list[dict[str, Any]]) -> dict[str, Tensor]:
    """Stack a list of examples into one padded batch.

    Each example has ``"ids"``: LongTensor[T] and any of:

    - scalars (``int``, ``float`` or 0-d tensors, e.g. ``"label"``) → ``[B]``;
    - ``"targets"``: a fixed-size 1-d row per example (a multi-label 0/1 row) → ``[B, C]``;
    - other 1-d tensors (per-token fields, e.g. ``"tags"``) → ``[B, T_max]``, padded with
      ``PAD_VALUES.get(key, 0)`` (-100 for ``"tags"``, so the loss ignores padding);
    - 2-d tensors ``[T, C_t]`` (e.g. ``"chars"``) → ``[B, T_max, C_max]``, padded with 0.

    The result also has ``"lengths"``: int64 ``[B]`` and ``"mask"``: bool ``[B, T_max]``,
    True on real tokens. ``"ids"`` is padded with 0.
    """
    if not examples:
        raise ValueError("cannot collate an empty list of examples")
    ids = [example["ids"] for example in examples]
    lengths = torch.tensor([len(t) for t in ids], dtype=torch.long)
    batch: dict[str, Tensor] = {"ids": pad_sequence(ids, batch_first=True, padding_value=0)}
    max_len = batch["ids"].shape[1]
    batch["lengths"] = lengths
    batch["mask"] = torch.arange(max_len) < lengths[:, None]
    for key in examples[0]:
        if key != "ids":
            batch[key] = _collate_field(key, [example[key] for example in examples], max_len)
    return batch


def _collate_field(key: str, values: list[Any], max_len: int) -> Tensor:
    first = values[0]
    if not isinstance(first, Tensor):
        if isinstance(first, (int, float)):
            return torch.tensor(values)
        raise TypeError(f"cannot collate field {key!r} of type {type(first).__name__}")
    if first.dim() == 0 or key in STACKED_FIELDS:
        return torch.stack(values)
    if first.dim() == 1:
        padded = pad_sequence(values, batch_first=True, padding_value=PAD_VALUES.get(key, 0))
        if padded.shape[1] != max_len:
            raise ValueError(f"field {key!r} does not have the length of 'ids'")
        return padded
    if first.dim() == 2:
        max_chars = max(v.shape[1] for v in values)
        out = first.new_full((len(values), max_len, max_chars), DEFAULT_PAD_VALUE)
        for row, value in enumerate(values):
            out[row, : value.shape[0], : value.shape[1]] = value
        return out
    raise TypeError(f"cannot collate field {key!r} with {first.dim()} dimensions")
