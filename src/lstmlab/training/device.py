"""Device and thread choice, seeding."""

from __future__ import annotations

import random

import numpy as np
import torch

from lstmlab.errors import ConfigError


def resolve_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """``auto``: the CUDA device of this process when CUDA is present, else the CPU."""
    if name == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but PyTorch sees no CUDA device here")
    return device


def configure_cpu(threads: int) -> None:
    """Set the CPU thread count (0 keeps torch's default) and flush denormals.

    Denormal floats appear in the backward pass through long sequences (gradients that
    decay towards zero) and made an early IMDb epoch 5x slower here; flushing them to
    zero changes nothing measurable in the results.
    """
    if threads > 0:
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
