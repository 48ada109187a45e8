"""The sentiment classifier: shapes, poolings that never read padding, backends, gradients."""

from __future__ import annotations

import pytest
import torch

from lstmlab.errors import ConfigError
from lstmlab.models.classifier import POOLINGS, TextClassifier, TextClassifierConfig

VOCAB = 20
LENGTHS = [5, 3, 1, 4]
PAD_SAFE_POOLINGS = ("last", "max", "mean", "concat")


@pytest.fixture
def batch(padded_ids) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids [B, T], lengths [B]) for LENGTHS."""
    return padded_ids(LENGTHS, VOCAB), torch.tensor(LENGTHS)


def make_model(pooling: str = "last", **kwargs) -> TextClassifier:
    torch.manual_seed(0)
    options = dict(embedding_dim=6, hidden_size=5, num_classes=3, pooling=pooling)
    options.update(kwargs)
    return TextClassifier(VOCAB, **options).eval()


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize(("bidirectional", "num_layers"), [(True, 1), (False, 2)])
def test_logits_shape(batch, pooling: str, bidirectional: bool, num_layers: int) -> None:
    model = make_model(pooling, bidirectional=bidirectional, num_layers=num_layers)
    logits = model(*batch)
    assert logits.shape == (len(LENGTHS), 3)
    assert torch.isfinite(logits).all()


def repadded(ids: torch.Tensor, extra_columns: int, padding_mask) -> torch.Tensor:
    """The same sequences with garbage ids in the padding and more padding columns."""
    wider = torch.cat([ids, torch.zeros(ids.size(0), extra_columns, dtype=ids.dtype)], dim=1)
    garbage = torch.randint(1, VOCAB, wider.shape, generator=torch.Generator().manual_seed(1))
    return torch.where(padding_mask(LENGTHS, wider.size(1)), garbage, wider)


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("pooling", POOLINGS)
def test_only_lab_pooling_reads_padding(
    batch, padding_mask, pooling: str, bidirectional: bool
) -> None:
    model = make_model(pooling, bidirectional=bidirectional, num_layers=2)
    ids, lengths = batch
    with torch.no_grad():
        logits = model(ids, lengths)
        logits_repadded = model(repadded(ids, 3, padding_mask), lengths)
    if pooling in PAD_SAFE_POOLINGS:
        torch.testing.assert_close(logits, logits_repadded)
    else:
        # The longest sequence has no padding in `ids` but some in the re-padded batch.
        assert not torch.allclose(logits, logits_repadded)


@pytest.mark.parametrize("pooling", PAD_SAFE_POOLINGS)
def test_batched_equals_each_sequence_alone(batch, pooling: str) -> None:
    model = make_model(pooling, num_layers=2)
    ids, lengths = batch
    with torch.no_grad():
        batched = model(ids, lengths)
        for b, length in enumerate(LENGTHS):
            alone = model(ids[b : b + 1, :length], torch.tensor([length]))
            torch.testing.assert_close(batched[b : b + 1], alone)


def test_last_pooling_joins_forward_end_and_backward_start(batch) -> None:
    model = make_model("last", num_layers=1)
    ids, lengths = batch
    hidden = model.lstm.hidden_size
    with torch.no_grad():
        features = model.pool(model.embedding(ids), lengths)
        for b, length in enumerate(LENGTHS):
            outputs, _ = model.lstm(model.embedding(ids[b : b + 1, :length]))
            torch.testing.assert_close(features[b, :hidden], outputs[0, length - 1, :hidden])
            torch.testing.assert_close(features[b, hidden:], outputs[0, 0, hidden:])


@pytest.mark.parametrize("pooling", POOLINGS)
def test_backends_agree(batch, pooling: str) -> None:
    torch_model = make_model(pooling, num_layers=2, cell="lstm")
    lab_model = make_model(pooling, num_layers=2, cell="lstmlab")
    lab_model.load_state_dict(torch_model.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(lab_model(*batch), torch_model(*batch))


@pytest.mark.parametrize("pooling", PAD_SAFE_POOLINGS)
def test_gradient_reaches_every_parameter(batch, pooling: str) -> None:
    model = make_model(pooling, num_layers=2).train()
    logits = model(*batch)
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2, 0])).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    # The pad embedding is fixed at zero.
    assert (model.embedding.weight.grad[0] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pooling": "first"}, "unknown pooling 'first'"),
        ({"cell": "keras"}, "unknown recurrent cell"),
    ],
)
def test_rejects_unknown_names(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TextClassifier(VOCAB, **kwargs)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"hidden_size": 0}, r"model.hidden_size must be >= 1, got 0"),
        ({"num_layers": 0}, r"model.num_layers must be >= 1"),
        ({"dropout": 1.0}, r"model.dropout must be in \[0, 1\), got 1.0"),
        ({"embedding_dropout": -0.1}, r"model.embedding_dropout must be in \[0, 1\)"),
        ({"pooling": "first"}, "model.pooling must be one of last, max"),
    ],
)
def test_config_checks_the_ranges(settings: dict, message: str) -> None:
    # The one place the [model] ranges are checked: the constructor trusts them.
    with pytest.raises(ConfigError, match=message):
        TextClassifierConfig(**settings).validate()
    TextClassifierConfig().validate()


def test_rejects_bad_inputs(batch) -> None:
    model = make_model()
    ids, _ = batch
    with pytest.raises(ValueError, match="lengths must be"):
        model(ids, torch.tensor(LENGTHS[:2]))
    with pytest.raises(ValueError, match="lengths must lie"):
        model(ids, torch.tensor([6, 3, 1, 4]))
    with pytest.raises(ValueError, match="ids must be"):
        model(ids[0], torch.tensor(LENGTHS))
