"""The transparent LSTM, fed what a trained model's LSTM reads, gives that LSTM's outputs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import lstmlab
from lstmlab.errors import ConfigError
from lstmlab.inspect import inspector_for, transparent_copy
from lstmlab.models.backend import run_lstm
from lstmlab.nn import LSTM

TEXT = "the film was really wonderful and the cast quite funny"
SENTENCE = "The dog sat under a zebra ."


@pytest.fixture(scope="module")
def sentiment(sentiment_run):
    return inspector_for(lstmlab.load(sentiment_run))


@pytest.fixture(scope="module")
def pos(pos_run):
    return inspector_for(lstmlab.load(pos_run))


def model_lstm_output(inspector, encoded):
    """The trained model's own LSTM (torch.nn.LSTM) over the same input: (T, D*H)."""
    batch = {key: value.unsqueeze(0) for key, value in encoded.example.items()}
    with torch.no_grad():
        inputs = inspector.lstm_input(batch)
        output, _ = run_lstm(inspector.model.lstm, inputs, torch.tensor([inputs.size(1)]))
    return output[0]


@pytest.mark.parametrize("which", ["sentiment", "pos"])
def test_outputs_equal_the_trained_lstm(which, sentiment, pos):
    inspector = sentiment if which == "sentiment" else pos
    assert type(inspector.model.lstm) is nn.LSTM  # the trained model's own LSTM is torch's
    encoded = inspector.encode(TEXT if which == "sentiment" else SENTENCE)
    trace = inspector.trace(encoded)
    torch.testing.assert_close(
        trace.output, model_lstm_output(inspector, encoded), rtol=1e-5, atol=1e-6
    )
    last = trace.num_layers - 1
    # The last layer's output is its two directions' h side by side.
    torch.testing.assert_close(
        trace.output, torch.cat([trace.select(last, "fwd").h, trace.select(last, "bwd").h], 1)
    )


def test_language_model_outputs_equal_its_lstm(lm_run):
    inspector = inspector_for(lstmlab.load(lm_run))
    encoded = inspector.encode("the cat sat on the")
    assert encoded.tokens[0] == "<eos>"
    trace = inspector.trace(encoded)
    ids = encoded.example["ids"].unsqueeze(0)
    with torch.no_grad():
        output, _ = inspector.model.lstm(inspector.model.embedding(ids))
    torch.testing.assert_close(trace.output, output[0], rtol=1e-5, atol=1e-6)
    assert trace.directions == ["fwd"]


def test_the_gates_rebuild_the_classifiers_logits(sentiment):
    """'last' pooling: forward h after the last token, backward h after the first."""
    encoded = sentiment.encode(TEXT)
    trace = sentiment.trace(encoded)
    features = torch.cat([trace.select(1, "fwd").h[-1], trace.select(1, "bwd").h[0]])
    ids = encoded.example["ids"].unsqueeze(0)
    with torch.no_grad():
        expected = sentiment.model(ids, torch.tensor([ids.size(1)]))[0]
        logits = sentiment.model.classifier(features)
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-6)


def test_gates_obey_the_lstm_equations(sentiment):
    gates = sentiment.trace(sentiment.encode(TEXT)).select(0, "fwd")
    c_prev = torch.cat([torch.zeros(1, gates.c.size(1)), gates.c[:-1]])
    torch.testing.assert_close(gates.c, gates.f * c_prev + gates.i * gates.g)
    torch.testing.assert_close(gates.h, gates.o * gates.c.tanh())


def test_select_names_what_exists(sentiment):
    trace = sentiment.trace(sentiment.encode(TEXT))
    assert trace.num_layers == 2 and trace.directions == ["fwd", "bwd"]
    with pytest.raises(ConfigError, match=r"layers 0\.\.1"):
        trace.select(2, "fwd")
    with pytest.raises(ConfigError, match="direction 'up'"):
        trace.select(0, "up")


def test_transparent_copy_keeps_the_original_and_refuses_a_gru():
    reference = nn.LSTM(3, 4, batch_first=True)
    copy = transparent_copy(reference)
    assert isinstance(copy, LSTM) and not copy.training
    assert reference.weight_hh_l0 is not copy.weight_hh_l0
    assert transparent_copy(copy).state_dict().keys() == reference.state_dict().keys()
    with pytest.raises(ConfigError, match="GRU"):
        transparent_copy(nn.GRU(3, 4))


def test_sentiment_encoding_follows_the_runs_truncation(sentiment):
    import dataclasses

    from lstmlab.tasks.sentiment.codec import ReviewCodec

    codec = sentiment.codec
    data = dataclasses.replace(sentiment.config.data, max_len=3, truncate="tail")
    sentiment.codec = ReviewCodec(data, sentiment.vocabs)  # the run's codec, were it so trained
    try:
        encoded = sentiment.encode("one two three four five")
    finally:
        sentiment.codec = codec
    assert encoded.tokens == ["three", "four", "five"] and encoded.dropped == 2
    assert encoded.example["ids"].numel() == 3
