"""AWD-LSTM's regularisers as model settings: DropConnect (``weight_drop``) for torch's cell,
locked dropout, their validation, and defaults that leave today's numerics untouched."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lstmlab.errors import ConfigError
from lstmlab.export.graphs import exportable_copy
from lstmlab.models.backend import DropConnectLSTM, make_rnn, run_lstm
from lstmlab.models.classifier import TextClassifier, TextClassifierConfig
from lstmlab.models.dropout import LockedDropout
from lstmlab.models.lm import LanguageModel, LanguageModelConfig
from lstmlab.nn import LayerWeights
from lstmlab.nn.fused import fused_layer
from lstmlab.tasks import get_task


def pair(weight_drop: float = 0.5, **kwargs) -> tuple[DropConnectLSTM, nn.LSTM]:
    """A DropConnectLSTM and a torch.nn.LSTM with the same weights."""
    torch.manual_seed(4)
    dropped = make_rnn("lstm", weight_drop, input_size=3, hidden_size=6, batch_first=True, **kwargs)
    plain = nn.LSTM(3, 6, batch_first=True, **kwargs)
    plain.load_state_dict(dropped.state_dict())  # the same parameter names and shapes
    return dropped, plain


def test_torch_cell_with_weight_drop_keeps_torch_parameter_names_and_eval_numerics() -> None:
    dropped, plain = pair(num_layers=2, bidirectional=True)
    assert type(dropped) is DropConnectLSTM
    assert list(dropped.state_dict()) == list(plain.state_dict())
    dropped.eval(), plain.eval()
    x, lengths = torch.randn(4, 5, 3), torch.tensor([5, 2, 4, 1])
    assert torch.equal(dropped(x)[0], plain(x)[0])
    for mine, theirs in zip(
        run_lstm(dropped, x, lengths), run_lstm(plain, x, lengths), strict=True
    ):
        assert torch.equal(mine, theirs)


@pytest.mark.parametrize("padded", [False, True], ids=["forward", "run_lstm"])
def test_torch_cell_trains_with_one_dropped_weight_hh_per_call(padded: bool) -> None:
    """Same seed: torch.nn.LSTM run with weight_hh = dropout(weight_hh), every step."""
    dropped, plain = pair(0.5)
    dropped.train(), plain.train()
    x, lengths = torch.randn(3, 6, 3), torch.tensor([6, 3, 5])

    def run(lstm: nn.Module) -> torch.Tensor:
        return run_lstm(lstm, x, lengths)[0] if padded else lstm(x)[0]

    torch.manual_seed(9)
    output = run(dropped)
    torch.manual_seed(9)
    weight_hh = F.dropout(plain.weight_hh_l0.detach(), 0.5, training=True)
    share = (weight_hh == 0).float().mean().item()
    assert 0.35 < share < 0.65  # 144 weights, p = 0.5
    with torch.no_grad():
        plain.weight_hh_l0.copy_(weight_hh)
    torch.testing.assert_close(output, run(plain), rtol=0, atol=1e-6)
    output.square().sum().backward()
    grad = dropped.weight_hh_l0.grad
    assert (grad[weight_hh == 0] == 0).all() and grad.abs().sum() > 0  # through the mask
    assert dropped.weight_ih_l0.grad.abs().sum() > 0
    assert not torch.allclose(run(dropped), output)  # a fresh mask for the next call


def test_the_default_builds_the_plain_classes_and_the_gru_refuses_weight_drop() -> None:
    assert type(make_rnn("lstm", input_size=2, hidden_size=3)) is nn.LSTM
    assert make_rnn("lstmlab", input_size=2, hidden_size=3).weight_drop == 0.0
    assert make_rnn("lstmlab", 0.2, input_size=2, hidden_size=3).weight_drop == 0.2
    with pytest.raises(ValueError, match="not the GRU"):
        make_rnn("gru", 0.2, input_size=2, hidden_size=3)
    model = LanguageModel(20, embedding_dim=4, hidden_size=4)
    assert type(model.lstm) is nn.LSTM and type(model.dropout) is nn.Dropout
    classifier = TextClassifier(20, embedding_dim=4, hidden_size=4)
    assert type(classifier.lstm) is nn.LSTM and type(classifier.embedding_dropout) is nn.Dropout


def test_locked_dropout_uses_one_mask_for_every_step_and_is_identity_in_eval() -> None:
    torch.manual_seed(0)
    drop = LockedDropout(0.4).train()
    x = torch.rand(5, 9, 50) + 1  # no zeros of its own
    y = drop(x)
    zeros = y == 0
    assert torch.equal(zeros, zeros[:, :1].expand_as(zeros))  # the same units at every step
    assert 0.3 < zeros[:, 0].float().mean().item() < 0.5
    torch.testing.assert_close(y[~zeros], x[~zeros] / 0.6)
    assert not torch.equal(drop(x) == 0, zeros)  # a new mask at each call
    assert torch.equal(drop.eval()(x), x)


def fused_by_hand(lstm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """lstmlab.nn's one-layer fast recurrence over [B, T, E] from zeros -> [B, T, H]."""
    batch, steps, _ = x.shape
    rows = x.transpose(0, 1).reshape(steps * batch, -1)  # time-major rows
    zeros = x.new_zeros(1, batch, lstm.hidden_size)
    weights = LayerWeights(
        lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0, None
    )
    output, _, _ = fused_layer(rows, (batch,) * steps, zeros, zeros, [weights])
    return output.view(steps, batch, -1).transpose(0, 1)


@pytest.mark.parametrize("cell", ["lstm", "lstmlab"])
def test_default_settings_train_bit_for_bit_as_the_plain_modules_do(cell: str) -> None:
    """A seeded training step of the LM equals the same step spelt out with torch's
    functions: no extra random draw and no other path when weight_drop = 0 (the default)."""
    torch.manual_seed(1)
    model = LanguageModel(30, embedding_dim=6, hidden_size=8, dropout=0.3, cell=cell).train()
    ids = torch.randint(1, 30, (3, 7))
    targets = torch.randint(1, 30, (3, 7))

    def step(features: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        model.zero_grad()
        loss = model.loss(features, targets)
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in model.lstm.parameters()]

    torch.manual_seed(5)
    loss, grads = step(model(ids)[0])
    torch.manual_seed(5)
    embedded = F.dropout(model.embedding(ids), 0.3, training=True)
    if cell == "lstm":
        output = nn.LSTM.forward(model.lstm, embedded)[0]
    else:  # lstmlab's fast recurrence called on the parameters themselves
        output = fused_by_hand(model.lstm, embedded)
    manual_loss, manual_grads = step(model.projection(F.dropout(output, 0.3, training=True)))
    assert torch.equal(loss, manual_loss)
    assert all(torch.equal(a, b) for a, b in zip(grads, manual_grads, strict=True))


@pytest.mark.parametrize("config_class", [LanguageModelConfig, TextClassifierConfig])
def test_settings_are_validated_with_one_line_config_errors(config_class: type) -> None:
    config_class(weight_drop=0.5, cell="lstmlab", locked_dropout=True).validate()
    with pytest.raises(ConfigError, match=r"model.weight_drop must be in \[0, 1\), got 1.0"):
        config_class(weight_drop=1.0).validate()
    with pytest.raises(ConfigError, match=r"model.weight_drop .* needs an LSTM cell"):
        config_class(weight_drop=0.2, cell="gru").validate()


def test_the_settings_reach_the_models_from_the_command_line_settings() -> None:
    sets = ["model.weight_drop=0.3", "model.locked_dropout=true"]
    lm = get_task("lm").resolve_config("best", sets)
    model = LanguageModel.from_config(lm.model, 50)
    assert type(model.lstm) is DropConnectLSTM and model.lstm.weight_drop == 0.3
    assert type(model.dropout) is LockedDropout
    sentiment = get_task("sentiment").resolve_config("pretrained", [*sets, "model.cell=lstmlab"])
    classifier = TextClassifier.from_config(sentiment.model, 50)
    assert classifier.lstm.weight_drop == 0.3
    assert type(classifier.embedding_dropout) is LockedDropout


def test_an_exported_copy_holds_a_plain_torch_lstm_with_the_same_outputs() -> None:
    torch.manual_seed(0)
    classifier = TextClassifier(20, embedding_dim=4, hidden_size=5, weight_drop=0.5).eval()
    copy = exportable_copy(classifier)
    assert type(classifier.lstm) is DropConnectLSTM and type(copy.lstm) is nn.LSTM
    ids, lengths = torch.randint(1, 20, (3, 6)), torch.tensor([6, 2, 4])
    assert torch.equal(copy(ids, lengths), classifier(ids, lengths))
