"""Device and thread choice, seeding."""

from __future__ import annotations

import os
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


def cpu_has_bfloat16() -> bool:
    """Whether torch's oneDNN kernels (its CPU LSTM among them) run bfloat16 on this CPU.

    torch has no public query for it (``torch.backends.mkldnn`` offers none in 2.13)."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse, in one line, a ``train.precision`` that ``device`` cannot train in.

    Called before any data is read (by the runner), so a run that cannot work says so at
    once, and again by the :class:`~lstmlab.training.trainer.Trainer` for notebook use.
    """
    if precision == "float16" and device.type != "cuda":
        # torch's CPU LSTM (oneDNN) has no float16 kernel: every step would fail.
        raise ConfigError("train.precision = float16 needs a CUDA device; on a CPU use bfloat16")
    if precision == "bfloat16" and device.type == "cpu" and not cpu_has_bfloat16():
        # torch's CPU LSTM (oneDNN) fails in bfloat16 without the instructions.
        raise ConfigError(
            "train.precision = bfloat16 needs a CPU with bfloat16 instructions "
            "(AVX512-BF16 or AMX) or a GPU; on this CPU use float32"
        )


HUGE_PAGES_SETTING = "THP_MEM_ALLOC_ENABLE"


def use_huge_pages() -> None:
    """Ask PyTorch to back CPU tensors of 2 MiB and more with transparent huge pages.

    glibc hands a block that big straight from the kernel on every allocation (mmap) and
    back on free, so a large tensor made on every step -- the dense gradient of the lab's
    49,347 x 300 embedding is 59 MB -- is page-faulted in 4 KiB at a time, every step: on
    the lab's IMDb model that was 40 % of a training step. With huge pages it is one fault
    per 2 MiB (102 -> 59 ms a step on one thread, 55 -> 36 ms on two).

    This sets PyTorch's own switch, the environment variable ``THP_MEM_ALLOC_ENABLE``,
    unless the user has set it (``THP_MEM_ALLOC_ENABLE=0`` turns it off). PyTorch reads it
    once, when the process makes its first CPU tensor, so this works when it runs before
    any (as in the ``lstmlab`` command); in a notebook, set the variable before using torch.
    It changes nothing where the kernel has transparent huge pages switched off.
    """
    os.environ.setdefault(HUGE_PAGES_SETTING, "1")


def configure_cpu(threads: int) -> None:
    """Set the CPU thread count (0 keeps torch's default), flush denormals, use huge pages.

    Denormal floats appear in the backward pass through long sequences (gradients that
    decay towards zero) and made an early IMDb epoch 5x slower here; flushing them to
    zero changes nothing measurable in the results.
    """
    if threads > 0:
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    use_huge_pages()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
