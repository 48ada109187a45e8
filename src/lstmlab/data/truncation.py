"""Truncation of id sequences (reviews longer than ``data.max_len``), without torch.

The one rule the trainer, ``lstmlab predict`` and the ONNX runtime (which must not import
torch) share; :mod:`lstmlab.data.batching` re-exports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

IdsT = TypeVar("IdsT", bound=Sequence[int] | Any)

TRUNCATE_MODES = ("head", "tail", "head+tail")


def truncate(ids: IdsT, max_len: int | None, mode: str = "head") -> IdsT:
    """Keep at most ``max_len`` ids (None: keep all), returning the same type as given.

    ``ids`` is a list, tuple, numpy array or 1-d tensor [T]. ``"head"`` keeps the first
    ``max_len``, ``"tail"`` the last, ``"head+tail"`` the first ``max_len // 2`` and the
    last ``max_len - max_len // 2`` (reviews often conclude at the end).
    """
    if mode not in TRUNCATE_MODES:
        raise ValueError(f"unknown truncation mode {mode!r}; choose one of {TRUNCATE_MODES}")
    if max_len is None or len(ids) <= max_len:
        return ids
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1 or None, got {max_len}")
    if mode == "head":
        return ids[:max_len]
    if mode == "tail":
        return ids[len(ids) - max_len :]
    n_head = max_len // 2
    head, tail = ids[:n_head], ids[len(ids) - (max_len - n_head) :]
    if isinstance(head, (list, tuple)):
        return head + tail
    if type(head).__module__ == "numpy":
        import numpy as np

        return np.concatenate([head, tail])
    import torch  # only a tensor gets here, so torch is already loaded

    return torch.cat([head, tail])


def as_read(ids: IdsT, max_len: int | None, mode: str = "head", reverse: bool = False) -> IdsT:
    """``ids`` ``[T]`` as a classifier reads them: cut by :func:`truncate` and, with
    ``reverse`` (a backward classifier, ``data.reverse``), the kept ids reversed."""
    kept = truncate(ids, max_len, mode)
    if not reverse:
        return kept
    # A tensor has no negative-step slicing; lists, tuples and numpy arrays have.
    return kept.flip(0) if hasattr(kept, "flip") else kept[::-1]
