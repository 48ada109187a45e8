"""The optimizer of a run: Adam or AdamW, a learning-rate schedule, and sparse embeddings.

With ``train.sparse_embeddings`` every ``nn.Embedding`` of the model produces *sparse*
gradients (only the rows of the batch's tokens) and is updated by ``SparseAdam``, the
rest by Adam/AdamW. A dense embedding gradient is a full ``[vocab, dim]`` tensor every
step, and Adam then updates every row: for the lab's 300-dimensional embedding of a
large vocabulary that memory traffic, not the LSTM, dominates a CPU step. SparseAdam is
"lazy" Adam: rows absent from a batch keep their moments unchanged; weight decay applies
to the dense parameters only.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from lstmlab.training.config import TrainConfig


class RunOptimizer:
    """One or two torch optimizers with one schedule, stepped and saved together."""

    def __init__(self, model: nn.Module, cfg: TrainConfig) -> None:
        self.cfg = cfg
        sparse: list[nn.Parameter] = []
        if cfg.sparse_embeddings:
            for module in model.modules():
                if isinstance(module, nn.Embedding):
                    module.sparse = True  # read by F.embedding at every forward
                    sparse.append(module.weight)
        sparse_ids = {id(p) for p in sparse}
        dense = [p for p in model.parameters() if id(p) not in sparse_ids]
        self.dense_parameters = dense
        dense_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
        self.optimizers: list[torch.optim.Optimizer] = [
            dense_cls(dense, lr=cfg.lr, weight_decay=cfg.weight_decay)
        ]
        if sparse:
            self.optimizers.append(torch.optim.SparseAdam(sparse, lr=cfg.lr))
        self.schedulers: list[torch.optim.lr_scheduler.LambdaLR] = []

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

        self.schedulers = [torch.optim.lr_scheduler.LambdaLR(o, factor) for o in self.optimizers]

    def zero_grad(self) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        """Clip (dense gradients only), update, and advance the schedule."""
        if self.cfg.clip_grad > 0:
            nn.utils.clip_grad_norm_(self.dense_parameters, self.cfg.clip_grad)
        for optimizer in self.optimizers:
            optimizer.step()
        for scheduler in self.schedulers:
            scheduler.step()

    @property
    def lr(self) -> float:
        return self.optimizers[0].param_groups[0]["lr"]

    def state_dict(self) -> dict[str, Any]:
        return {"optimizers": [o.state_dict() for o in self.optimizers],
                "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for optimizer, saved in zip(self.optimizers, state["optimizers"], strict=True):
            optimizer.load_state_dict(saved)
        for scheduler, saved in zip(self.schedulers, state["schedulers"], strict=True):
            scheduler.load_state_dict(saved)
