"""Checks on the batch tensors every model receives, so shape mistakes fail with a clear message.
(The one range check of the ``[model]`` settings is :func:`lstmlab.models.config.
validate_settings`, a ``ConfigError``: the model constructors do not check sizes and rates
again.)

The data layer's collate produces right-padded batches: ``ids`` [B, T] (pad 0) and
``lengths`` [B] with 1 <= length <= T.
"""

from __future__ import annotations

import torch
from torch import Tensor


def check_ids_and_lengths(ids: Tensor, lengths: Tensor) -> None:
    """Raise ValueError unless ``ids`` is [B, T] and ``lengths`` is [B] with values in [1, T]."""
    if ids.dim() != 2:
        raise ValueError(f"ids must be [B, T], got shape {tuple(ids.shape)}")
    if lengths.shape != ids.shape[:1]:
        raise ValueError(f"lengths must be [B] = [{ids.size(0)}], got shape {tuple(lengths.shape)}")
    # Only checked on CPU (where collate puts lengths): on a GPU it would cost a sync. Not
    # while a graph is captured (torch.export, ONNX, tracing): the values are symbolic
    # there, and a check on them would be a data-dependent guard the graph cannot keep.
    if lengths.device.type == "cpu" and lengths.numel() > 0 and not capturing_graph():
        low, high = int(lengths.min()), int(lengths.max())
        if low < 1 or high > ids.size(1):
            raise ValueError(f"lengths must lie in [1, T={ids.size(1)}], got [{low}, {high}]")


def capturing_graph() -> bool:
    """Whether torch.export, torch.compile, the ONNX exporter or jit.trace is running."""
    return bool(
        torch.compiler.is_compiling() or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
    )
