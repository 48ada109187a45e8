"""The optimizer of a run: Adam or AdamW with a learning-rate schedule.

The optimizer is torch's *fused* Adam/AdamW (one kernel for all parameters) on CPUs and
GPUs. The embedding of a large vocabulary is most of a model's parameters, and Adam
updates every row each step: on the lab's IMDb model (a 300-wide embedding of 40,000
words) the default multi-pass update took 53 ms of a 100 ms CPU step, the fused one 4 ms.
(Sparse embedding gradients with ``SparseAdam`` were measured too: 31 ms, so not used.)
"""

from __future__ import annotations

import math
import re
from typing import Any

import torch
from torch import nn

from lstmlab.training.config import TrainConfig

LAYER = re.compile(r"_l(\d+)(?:_reverse)?$")


def layer_groups(model: nn.Module) -> list[list[nn.Parameter]]:
    """Parameter groups from the bottom of ``model`` to its top: its children in the order
    they were defined, each recurrent child (one with ``num_layers``) split into its layers.

    Children without parameters (dropout) give no group; every parameter is in exactly one
    group (parameters of the model itself, outside any child, form the last one).
    """
    groups: list[list[nn.Parameter]] = []
    for child in model.children():
        layers = getattr(child, "num_layers", None)
        named = list(child.named_parameters())
        if isinstance(layers, int) and layers > 1:
            by_layer: list[list[nn.Parameter]] = [[] for _ in range(layers)]
            other = []
            for name, parameter in named:
                found = LAYER.search(name.rsplit(".", 1)[-1])
                (by_layer[int(found.group(1))] if found else other).append(parameter)
            groups += [layer for layer in by_layer if layer]
            if other:
                groups.append(other)
        elif named:
            groups.append([parameter for _, parameter in named])
    own = list(model.parameters(recurse=False))
    return groups + ([own] if own else [])


class RunOptimizer:
    """A torch optimizer and its schedule, stepped and saved together.

    With ``train.lr_decay`` or ``train.gradual_unfreezing`` the parameters are grouped by
    :func:`layer_groups` (bottom of the model first, e.g. embedding, each LSTM layer,
    head), the fine-tuning recipe of ULMFiT (Howard & Ruder, 2018): group k of n gets the
    learning rate ``lr / lr_decay ** (n - 1 - k)`` (discriminative learning rates), and with
    ``gradual_unfreezing`` epoch e trains only the top e + 1 groups (the lower ones are
    frozen: no gradient, no update).

    With ``train.precision = "float16"`` the loss is scaled before the backward pass (a
    float16 gradient of a small loss underflows to zero) and the gradients unscaled before
    clipping; a step whose gradients overflowed is skipped and the scale lowered (torch's
    ``GradScaler``). bfloat16 has float32's range and needs no scaling.
    """

    def __init__(self, model: nn.Module, cfg: TrainConfig, device_type: str = "cpu") -> None:
        self.cfg = cfg
        self.scaler = torch.amp.GradScaler(device_type, enabled=cfg.precision == "float16")
        self.parameters = [p for p in model.parameters() if p.requires_grad]
        trainable = {id(p) for p in self.parameters}
        groups = layer_groups(model) if cfg.lr_decay != 1 or cfg.gradual_unfreezing else []
        self.groups = [g for g in ([p for p in g if id(p) in trainable] for g in groups) if g]
        if len(self.groups) < 2:
            self.groups = [self.parameters]
        optimizer_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
        fused = all(
            p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in self.parameters
        )
        n = len(self.groups)
        self.optimizer = optimizer_cls(
            [
                {"params": group, "lr": cfg.lr / cfg.lr_decay ** (n - 1 - k)}
                for k, group in enumerate(self.groups)
            ],
            lr=cfg.lr,
            weight_decay=cfg.weight_decay,
            fused=fused,
        )
        self.scheduler: torch.optim.lr_scheduler.LambdaLR | None = None

    def start_schedule(self, total_steps: int) -> None:
        """Warm-up for ``warmup_steps``, then constant, linear decay to 0, or cosine."""
        cfg = self.cfg

        def factor(step: int) -> float:
            if step < cfg.warmup_steps:
                return (step + 1) / cfg.warmup_steps
            if cfg.schedule == "none":
                return 1.0
            done = min((step - cfg.warmup_steps) / max(total_steps - cfg.warmup_steps, 1), 1.0)
            if cfg.schedule == "linear":
                return 1.0 - done
            return 0.5 * (1.0 + math.cos(math.pi * done))

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, factor)

    def start_epoch(self, epoch: int) -> None:
        """Freeze the groups that gradual unfreezing keeps frozen in ``epoch`` (0-based)."""
        if not self.cfg.gradual_unfreezing:
            return
        frozen = max(len(self.groups) - 1 - epoch, 0)
        for k, group in enumerate(self.groups):
            for parameter in group:
                parameter.requires_grad_(k >= frozen)

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def backward(self, loss: torch.Tensor) -> None:
        """Gradients of ``loss`` (scaled first under float16)."""
        self.scaler.scale(loss).backward()

    def step(self) -> None:
        """Clip the gradient norm (if set), update, and advance the schedule."""
        self.scaler.unscale_(self.optimizer)  # no-op unless float16: clip true gradients
        if self.cfg.clip_grad > 0:
            nn.utils.clip_grad_norm_(self.parameters, self.cfg.clip_grad)
        self.scaler.step(self.optimizer)  # skipped if a float16 gradient overflowed
        self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[-1]["lr"]  # the top group's

    def state_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else {},
            "scaler": self.scaler.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"]:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler.is_enabled() and state.get("scaler"):  # absent before float16 runs
            self.scaler.load_state_dict(state["scaler"])
