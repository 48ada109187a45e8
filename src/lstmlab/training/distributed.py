"""Data-parallel context: one process per device, launched by ``torchrun``.

``torchrun`` sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK`` and the rendezvous variables;
without them lstmlab runs as a single process and nothing here does any communication.
The backend is ``nccl`` on CUDA devices and ``gloo`` on CPUs.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from lstmlab.errors import LstmlabError


@dataclass(frozen=True)
class DistContext:
    """Where this process stands among the processes of one job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Only the main process prints, writes the run folder and checkpoints."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_distributed(device: torch.device, timeout_s: float = 300.0) -> DistContext:
    """Join the process group described by torchrun's environment (or stay single)."""
    if not launched_by_torchrun():
        return DistContext()
    if not dist.is_available():
        raise LstmlabError("this PyTorch build has no torch.distributed support")
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=timeout_s))
    return DistContext(
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
    )


def all_reduce_sum(values: list[float], ctx: DistContext, device: torch.device) -> list[float]:
    """Sum a few numbers over all processes (identity in a single process)."""
    if not ctx.enabled:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def shutdown_distributed() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
