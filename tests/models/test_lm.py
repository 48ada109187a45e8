"""The LSTM language model: carried state (truncated BPTT), losses, softmaxes."""

from __future__ import annotations

import math

import pytest
import torch

from lstmlab.errors import ConfigError
from lstmlab.models.lm import LanguageModel, LanguageModelConfig


def make(cell: str = "lstm", softmax: str = "adaptive", **kwargs) -> LanguageModel:
    torch.manual_seed(0)
    return (
        LanguageModel(
            50,
            embedding_dim=8,
            hidden_size=12,
            num_layers=2,
            dropout=0.0,
            cell=cell,
            softmax=softmax,
            cutoffs=[10, 30],
            **kwargs,
        )
        .double()
        .eval()
    )


@pytest.mark.parametrize("cell", ["lstm", "gru", "lstmlab"])
def test_carried_state_over_windows_equals_one_full_forward(cell: str) -> None:
    model = make(cell)
    ids = torch.randint(1, 50, (3, 20))
    full, _ = model(ids)
    pieces = []
    for start in range(0, 20, 6):
        reset = torch.full((3,), start == 0)
        features, _ = model(ids[:, start : start + 6], reset=reset)
        pieces.append(features)
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, rtol=0, atol=1e-12)


def test_reset_rows_start_from_zeros_while_others_carry_on() -> None:
    model = make()
    ids = torch.randint(1, 50, (2, 10))
    model(ids[:, :5], reset=torch.tensor([True, True]))
    carried, _ = model(ids[:, 5:], reset=torch.tensor([True, False]))
    fresh, _ = model(ids[:1, 5:])
    full, _ = model(ids[1:])
    torch.testing.assert_close(carried[:1], fresh, rtol=0, atol=1e-12)
    torch.testing.assert_close(carried[1:], full[:, 5:], rtol=0, atol=1e-12)


def test_no_gradient_flows_into_the_previous_window() -> None:
    model = make().train()
    ids = torch.randint(1, 50, (2, 8))
    model(ids[:, :4], reset=torch.tensor([True, True]))
    second, _ = model(ids[:, 4:], reset=torch.tensor([False, False]))
    assert all(not s.requires_grad for s in model.carried)
    second.sum().backward()  # would fail if the graph of the first window were kept alive


@pytest.mark.parametrize("softmax", ["adaptive", "full"])
def test_loss_is_the_summed_nll_of_the_log_probs_and_skips_padding(softmax: str) -> None:
    model = make(softmax=softmax)
    ids = torch.randint(1, 50, (2, 6))
    targets = torch.randint(1, 50, (2, 6))
    targets[1, 4:] = 0  # padding
    features, _ = model(ids)
    log_probs = model.log_probs(features.reshape(-1, 8))
    flat = targets.reshape(-1)
    expected = -log_probs[torch.arange(12), flat][flat != 0].sum()
    torch.testing.assert_close(model.loss(features, targets), expected)
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(12, dtype=torch.float64))
    assert math.isfinite(float(expected.detach()))


def test_full_softmax_ties_the_output_to_the_embedding() -> None:
    model = make(softmax="full", tie_weights=True)
    assert model.output.weight is model.embedding.weight
    assert make(softmax="full", tie_weights=False).output.weight is not None


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown softmax"):
        LanguageModel(10, softmax="sampled")
    # The ranges are checked once, by the config (the constructor trusts them).
    with pytest.raises(ConfigError, match=r"model\.hidden_size must be >= 1"):
        LanguageModelConfig(hidden_size=0).validate()
    with pytest.raises(ConfigError, match=r"model\.softmax must be one of adaptive, full"):
        LanguageModelConfig(softmax="sampled").validate()
