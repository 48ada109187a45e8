"""The run optimizer: gradient clipping, weight decay, the warm-up and the schedules,
and parameter groups from the model's children."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from lstmlab.training.config import TrainConfig
from lstmlab.training.optim import RunOptimizer, layer_groups


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))


def stepped(optimizer: RunOptimizer, model: nn.Module, grad: torch.Tensor) -> None:
    optimizer.zero_grad()
    model.weight.grad = grad.clone()
    optimizer.step()


def test_clipping_bounds_the_gradient_norm_and_zero_turns_it_off():
    model = Tiny()
    optimizer = RunOptimizer(model, TrainConfig(clip_grad=0.5))
    stepped(optimizer, model, torch.full((4,), 3.0))  # norm 6
    assert float(model.weight.grad.norm()) == pytest.approx(0.5)
    unclipped = RunOptimizer(model, TrainConfig(clip_grad=0.0))
    stepped(unclipped, model, torch.full((4,), 3.0))
    assert float(model.weight.grad.norm()) == pytest.approx(6.0)


@pytest.mark.parametrize("kind", ["adam", "adamw"])
def test_weight_decay_shrinks_weights_without_a_gradient(kind):
    for decay, moved in ((0.1, True), (0.0, False)):
        model = Tiny()
        optimizer = RunOptimizer(model, TrainConfig(optimizer=kind, weight_decay=decay, lr=0.1))
        stepped(optimizer, model, torch.zeros(4))
        assert bool((model.weight < 1).all()) is moved


def lrs(cfg: TrainConfig, total: int) -> list[float]:
    """The learning rate each of ``total`` steps uses."""
    model = Tiny()
    optimizer = RunOptimizer(model, cfg)
    optimizer.start_schedule(total)
    seen = []
    for _ in range(total):
        seen.append(optimizer.lr)
        stepped(optimizer, model, torch.ones(4))
    return seen


def test_warm_up_starts_at_one_step_s_share_and_reaches_the_rate_on_its_last_step():
    seen = lrs(TrainConfig(lr=1.0, warmup_steps=4), 6)
    assert seen == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_cosine_decays_from_the_rate_to_zero_after_the_warm_up():
    seen = lrs(TrainConfig(lr=1.0, schedule="cosine", warmup_steps=2), 12)
    assert seen[:2] == pytest.approx([0.5, 1.0])
    decay = seen[2:]
    assert decay[0] == pytest.approx(1.0)
    assert decay == pytest.approx([0.5 * (1 + math.cos(math.pi * k / 10)) for k in range(10)])
    assert all(a > b for a, b in itertools.pairwise(decay))


def test_linear_decays_to_zero():
    seen = lrs(TrainConfig(lr=1.0, schedule="linear"), 4)
    assert seen == pytest.approx([1.0, 0.75, 0.5, 0.25])


class WithPooling(nn.Module):
    """Embedding, a 2-layer LSTM, an attention pooling with weights, a head."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(5, 3)
        self.dropout = nn.Dropout(0.1)
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
        self.attention = nn.Linear(8, 1)
        self.head = nn.Linear(8, 2)


def test_groups_come_from_the_children_in_order_and_hold_every_parameter_once():
    model = WithPooling()
    groups = layer_groups(model)
    assert len(groups) == 5  # embedding, LSTM layer 0, layer 1, attention, head
    assert groups[0] == [model.embedding.weight]
    assert {id(p) for p in groups[1]} == {
        id(p) for n, p in model.lstm.named_parameters() if "_l0" in n
    }
    assert groups[-1] == list(model.head.parameters())
    flat = [id(p) for group in groups for p in group]
    assert sorted(flat) == sorted(id(p) for p in model.parameters())
    optimizer = RunOptimizer(model, TrainConfig(lr=1.0, lr_decay=2.0))
    rates = [group["lr"] for group in optimizer.optimizer.param_groups]
    assert rates == pytest.approx([1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0])
