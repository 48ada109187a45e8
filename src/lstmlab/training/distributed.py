"""Data-parallel context: one process per device, launched by ``torchrun``.

``torchrun`` sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK`` and the rendezvous variables;
without them lstmlab runs as a single process and nothing here does any communication.
The backend is ``nccl`` on CUDA devices and ``gloo`` on CPUs.

Only the main process (rank 0) touches the run folder. What the others need from it (has
the run folder a run already? the checkpoint to resume from) reaches them through
:func:`on_main`, so a job also works across machines that share no file system.

A collective waits at most ``$LSTMLAB_DIST_TIMEOUT`` seconds (default 300) for the other
processes; a process that died or hung then ends the job with a :class:`DistributedError`
instead of a hang, and ``torchrun`` stops the remaining processes.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from lstmlab.errors import ConfigError, LstmlabError

TIMEOUT_ENV = "LSTMLAB_DIST_TIMEOUT"
DEFAULT_TIMEOUT_S = 300.0

T = TypeVar("T")


class DistributedError(LstmlabError):
    """A data-parallel job lost one of its processes (or the network between them)."""


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


def collective_timeout_s() -> float:
    """How long a collective waits for the other processes: ``$LSTMLAB_DIST_TIMEOUT`` or 300 s."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ConfigError(f"{TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}")
    return seconds


def backend_for(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


def init_distributed(device: torch.device, timeout_s: float | None = None) -> DistContext:
    """Join the process group described by torchrun's environment (or stay single).

    ``device`` only decides the backend; ``timeout_s`` defaults to :func:`collective_timeout_s`.
    """
    if not launched_by_torchrun():
        return DistContext()
    if not dist.is_available():
        raise LstmlabError("this PyTorch build has no torch.distributed support")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    backend = backend_for(device)
    if backend == "nccl":
        # One GPU per process: a bare "cuda" device then means this process's own GPU.
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        timeout = datetime.timedelta(seconds=timeout_s or collective_timeout_s())
        with surfaced_peer_failures():
            dist.init_process_group(backend=backend, timeout=timeout)
    return DistContext(
        rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local_rank
    )


def all_reduce_sum(values: list[float], ctx: DistContext, device: torch.device) -> list[float]:
    """Sum a few numbers over all processes (identity in a single process)."""
    if not ctx.enabled:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def wait_for_all(ctx: DistContext) -> None:
    """Block until every process has reached this point (nothing to do in a single process)."""
    if ctx.enabled:
        dist.barrier()


def on_main(compute: Callable[[], T], ctx: DistContext) -> T:
    """Run ``compute`` on the main process only; every process gets its result.

    A :class:`LstmlabError` raised by ``compute`` stops every process (rather than leaving
    the others waiting for one that has quit): the main process raises it, the others exit
    quietly with the status the command line gives it (2), so the message shows once.
    Every process must call this at the same point.
    """
    if not ctx.enabled:
        return compute()
    outcome: list[Any] = [None, None]  # [result, error]
    if ctx.is_main:
        try:
            outcome[0] = compute()
        except LstmlabError as error:
            outcome[1] = error
    dist.broadcast_object_list(outcome, src=0)
    result, error = outcome
    if error is not None:
        if ctx.is_main:
            raise error
        raise SystemExit(2)
    return result


def is_peer_failure(error: BaseException) -> bool:
    """Whether ``error`` comes from communication with the other processes.

    NCCL and the rendezvous raise ``torch.distributed.DistError``; gloo raises a plain
    ``RuntimeError`` whose message names its source file in ``third_party/gloo``.
    """
    return isinstance(error, dist.DistError) or (
        isinstance(error, RuntimeError) and "gloo" in str(error).lower()
    )


@contextmanager
def surfaced_peer_failures() -> Iterator[None]:
    """Turn a failed collective into a one-line :class:`DistributedError`."""
    try:
        yield
    except RuntimeError as error:
        if not is_peer_failure(error):
            raise
        raise DistributedError(
            "data-parallel training stopped: another process died, hung for more than "
            f"{collective_timeout_s():g} s (${TIMEOUT_ENV}) or lost the network; the launcher "
            f"names the process that failed first ({short_reason(error)})"
        ) from None


def short_reason(error: BaseException) -> str:
    """The first sentence of a backend's message, without its C++ source location."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)  # the C++ source location
    return text.split(". ")[0].rstrip(".")


def shutdown_distributed() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
