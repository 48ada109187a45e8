"""Checks on the batch tensors every model receives, so shape mistakes fail with a clear message,
and the one range check of the ``[model]`` settings (:func:`validate_settings`, a
``ConfigError``): the model constructors do not check sizes and rates again.

The data layer's collate produces right-padded batches: ``ids`` [B, T] (pad 0) and
``lengths`` [B] with 1 <= length <= T.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstmlab.errors import ConfigError


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


def validate_settings(
    config: object,
    *,
    sizes: tuple[str, ...] = (),
    rates: tuple[str, ...] = (),
    choices: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """ConfigError naming the first ``model.*`` setting of ``config`` that is out of range.

    ``sizes`` must be >= 1, ``rates`` (dropouts) in [0, 1), and each ``choices`` setting one
    of its allowed values. The model config dataclasses call this from ``validate()``.
    """
    for name in sizes:
        if getattr(config, name) < 1:
            raise ConfigError(f"model.{name} must be >= 1, got {getattr(config, name)}")
    for name in rates:
        if not 0 <= getattr(config, name) < 1:
            raise ConfigError(f"model.{name} must be in [0, 1), got {getattr(config, name)}")
    for name, allowed in (choices or {}).items():
        if getattr(config, name) not in allowed:
            raise ConfigError(f"model.{name} must be one of {', '.join(allowed)}")


def check_weight_drop(weight_drop: float, cell: str) -> None:
    """ConfigError if DropConnect (``model.weight_drop``) is asked of a cell without it."""
    if weight_drop > 0 and cell == "gru":
        raise ConfigError(
            "model.weight_drop (DropConnect on the recurrent weights) needs an LSTM cell: "
            "set model.cell to lstm or lstmlab, or model.weight_drop=0"
        )
