"""The sequence tagger: shapes, padding kept out of the loss, CRF head, backends, overfit."""

from __future__ import annotations

import pytest
import torch

from lstmlab.errors import ConfigError
from lstmlab.models.crf import IGNORE_INDEX
from lstmlab.models.features import NUM_CASING_CLASSES
from lstmlab.models.tagger import SequenceTagger, SequenceTaggerConfig

VOCAB, NUM_TAGS, CHAR_VOCAB, NUM_CHARS = 30, 5, 15, 6
LENGTHS = [4, 2, 5, 1]


@pytest.fixture
def batch(padded_ids, padding_mask) -> dict[str, torch.Tensor]:
    """A random right-padded batch in the data layer's conventions."""
    generator = torch.Generator().manual_seed(0)
    pads = padding_mask(LENGTHS)
    chars = torch.randint(1, CHAR_VOCAB, (*pads.shape, NUM_CHARS), generator=generator)
    char_lengths = torch.randint(1, NUM_CHARS + 1, pads.shape, generator=generator)
    chars = chars.masked_fill(torch.arange(NUM_CHARS) >= char_lengths.unsqueeze(2), 0)
    casing = torch.randint(1, NUM_CASING_CLASSES, pads.shape, generator=generator)
    tags = torch.randint(0, NUM_TAGS, pads.shape, generator=generator)
    return {
        "ids": padded_ids(LENGTHS, VOCAB),
        "lengths": torch.tensor(LENGTHS),
        "chars": chars.masked_fill(pads.unsqueeze(2), 0),
        "casing": casing.masked_fill(pads, 0),
        "tags": tags.masked_fill(pads, IGNORE_INDEX),
        "mask": ~pads,
    }


FEATURES = {
    "words": {},
    "cnn+casing": {"char_vocab_size": CHAR_VOCAB, "num_casing": NUM_CASING_CLASSES},
    "lstm": {"char_vocab_size": CHAR_VOCAB, "char_encoder": "lstm"},
}


def make_tagger(features: str = "cnn+casing", **kwargs) -> SequenceTagger:
    torch.manual_seed(0)
    options = dict(word_dim=8, char_dim=4, char_hidden=3, hidden_size=6, **FEATURES[features])
    options.update(kwargs)
    return SequenceTagger(VOCAB, NUM_TAGS, **options).eval()


def model_inputs(tagger: SequenceTagger, batch: dict[str, torch.Tensor]) -> dict:
    """The forward() arguments this tagger's features need."""
    inputs = {"ids": batch["ids"], "lengths": batch["lengths"]}
    if tagger.char_encoder is not None:
        inputs["chars"] = batch["chars"]
    if tagger.casing_embedding is not None:
        inputs["casing"] = batch["casing"]
    return inputs


@pytest.mark.parametrize("features", FEATURES)
def test_emissions_shape_and_padding_independence(batch, features: str) -> None:
    tagger = make_tagger(features, num_layers=2)
    inputs = model_inputs(tagger, batch)
    with torch.no_grad():
        emissions = tagger(**inputs)
        assert emissions.shape == (len(LENGTHS), max(LENGTHS), NUM_TAGS)
        for b, length in enumerate(LENGTHS):
            alone = {
                name: value[b : b + 1, :length] if name != "lengths" else value[b : b + 1]
                for name, value in inputs.items()
            }
            torch.testing.assert_close(emissions[b, :length], tagger(**alone)[0])


@pytest.mark.parametrize("use_crf", [False, True])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_padding_never_enters_the_loss(batch, use_crf: bool, reduction: str) -> None:
    tagger = make_tagger(use_crf=use_crf)
    mask, tags = batch["mask"], batch["tags"]
    emissions = torch.randn(*mask.shape, NUM_TAGS)
    loss = tagger.loss(emissions, tags, mask, reduction)
    # Valid-looking tags and huge scores at the pads: a counted pad would change the loss.
    other_emissions = emissions.masked_fill(~mask.unsqueeze(2), 50.0)
    other_emissions[..., 0] = other_emissions[..., 0].masked_fill(~mask, -50.0)
    other_tags = tags.masked_fill(~mask, 0)
    torch.testing.assert_close(tagger.loss(other_emissions, other_tags, mask, reduction), loss)


def test_softmax_loss_sum_and_mean(batch) -> None:
    tagger = make_tagger()
    mask, tags = batch["mask"], batch["tags"]
    emissions = torch.randn(*mask.shape, NUM_TAGS)
    expected_sum = sum(
        -torch.log_softmax(emissions[b, t], dim=0)[tags[b, t]]
        for b, length in enumerate(LENGTHS)
        for t in range(length)
    )
    total = tagger.loss(emissions, tags, mask, "sum")
    torch.testing.assert_close(total, expected_sum)
    torch.testing.assert_close(tagger.loss(emissions, tags, mask), total / sum(LENGTHS))


def test_crf_loss_is_sentence_nll_per_token(batch) -> None:
    tagger = make_tagger(use_crf=True)
    mask, tags = batch["mask"], batch["tags"]
    emissions = torch.randn(*mask.shape, NUM_TAGS)
    nll = -tagger.crf(emissions, tags, mask)
    torch.testing.assert_close(tagger.loss(emissions, tags, mask, "sum"), nll.sum())
    torch.testing.assert_close(tagger.loss(emissions, tags, mask), nll.sum() / sum(LENGTHS))


@pytest.mark.parametrize("use_crf", [False, True])
def test_decode(batch, use_crf: bool) -> None:
    tagger = make_tagger(use_crf=use_crf)
    mask = batch["mask"]
    emissions = tagger(**model_inputs(tagger, batch))
    decoded = tagger.decode(emissions, mask)
    assert decoded.shape == mask.shape and decoded.dtype == torch.long
    assert (decoded[~mask] == IGNORE_INDEX).all()
    assert ((decoded[mask] >= 0) & (decoded[mask] < NUM_TAGS)).all()
    expected = tagger.crf.viterbi_decode(emissions, mask) if use_crf else emissions.argmax(dim=2)
    assert torch.equal(decoded[mask], expected[mask])


def test_crf_backward_reaches_every_parameter(batch) -> None:
    tagger = make_tagger("lstm", use_crf=True).train()
    emissions = tagger(**model_inputs(tagger, batch))
    tagger.loss(emissions, batch["tags"], batch["mask"]).backward()
    for name, param in tagger.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
        assert param.grad.abs().sum() > 0, name


@pytest.mark.parametrize("features", ["cnn+casing", "lstm"])
def test_backends_agree(batch, features: str) -> None:
    torch_tagger = make_tagger(features, num_layers=2)
    lab_tagger = make_tagger(features, num_layers=2, cell="lstmlab")
    lab_tagger.load_state_dict(torch_tagger.state_dict())
    inputs = model_inputs(torch_tagger, batch)
    with torch.no_grad():
        torch.testing.assert_close(lab_tagger(**inputs), torch_tagger(**inputs))


@pytest.mark.parametrize("use_crf", [False, True])
def test_overfits_four_sentences(batch, use_crf: bool) -> None:
    tagger = make_tagger("cnn+casing", hidden_size=16, dropout=0.0, use_crf=use_crf).train()
    optimizer = torch.optim.Adam(tagger.parameters(), lr=0.05)
    inputs, mask, tags = model_inputs(tagger, batch), batch["mask"], batch["tags"]
    for _ in range(20):  # ~4 steps suffice; 20 leaves a wide margin
        optimizer.zero_grad()
        tagger.loss(tagger(**inputs), tags, mask).backward()
        optimizer.step()
    decoded = tagger.eval().decode(tagger(**inputs), mask)
    assert torch.equal(decoded, tags)


def test_feature_inputs_required_when_used_and_ignored_otherwise(batch) -> None:
    with_features, words_only = make_tagger("cnn+casing"), make_tagger("words")
    ids, lengths = batch["ids"], batch["lengths"]
    with pytest.raises(ValueError, match="chars is required"):
        with_features(ids, lengths, casing=batch["casing"])
    with pytest.raises(ValueError, match="casing must start"):
        with_features(ids, lengths, chars=batch["chars"], casing=batch["casing"][:, :2])
    with torch.no_grad():
        torch.testing.assert_close(
            words_only(ids, lengths, chars=batch["chars"], casing=batch["casing"]),
            words_only(ids, lengths),
        )
    with pytest.raises(ValueError, match="unknown reduction"):
        words_only.loss(torch.zeros(4, 5, NUM_TAGS), batch["tags"], batch["mask"], "max")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"char_encoder": "gru", "char_vocab_size": CHAR_VOCAB}, "unknown char encoder"),
        ({"cell": "keras"}, "unknown recurrent cell"),
    ],
)
def test_rejects_unknown_names(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SequenceTagger(VOCAB, NUM_TAGS, **kwargs)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"hidden_size": 0}, r"model.hidden_size must be >= 1, got 0"),
        ({"char_hidden": 0}, r"model.char_hidden must be >= 1"),
        ({"dropout": -0.1}, r"model.dropout must be in \[0, 1\), got -0.1"),
        ({"word_dropout": 1.0}, r"model.word_dropout must be in \[0, 1\)"),
        ({"char_encoder": "gru"}, "model.char_encoder must be one of cnn, lstm, none"),
    ],
)
def test_config_checks_the_ranges(settings: dict, message: str) -> None:
    # The one place the [model] ranges are checked: the constructor trusts them.
    with pytest.raises(ConfigError, match=message):
        SequenceTaggerConfig(**settings).validate()
    SequenceTaggerConfig().validate()


def test_word_dropout_replaces_only_real_words_in_training():
    torch.manual_seed(0)
    tagger = SequenceTagger(10, 3, word_dim=4, hidden_size=4, word_dropout=0.5, unk_index=1)
    seen = []
    tagger.word_embedding.register_forward_hook(
        lambda module, inputs, output: seen.append(inputs[0])
    )
    ids = torch.tensor([[5, 6, 7, 8], [5, 6, 0, 0]])
    lengths = torch.tensor([4, 2])
    tagger.train()(ids, lengths)
    dropped = seen[-1] != ids
    assert dropped.any() and (seen[-1][dropped] == 1).all()
    assert (seen[-1][1, 2:] == 0).all()  # pads stay pads
    tagger.eval()(ids, lengths)
    assert torch.equal(seen[-1], ids)
