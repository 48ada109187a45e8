"""Backward sentiment classifiers (``data.reverse``): each review's kept tokens read right to
left, the same in training, ``predict`` and ``explain`` (one codec).

``backward_sentiment_run`` (tests/tiny_runs.py): head+tail truncation to 8 tokens, reversed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import lstmlab
from lstmlab.cli.main import main
from lstmlab.data.vocab import Vocab
from lstmlab.tasks.sentiment.codec import ReviewCodec
from lstmlab.tasks.sentiment.config import SentimentData

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def codec(**data) -> ReviewCodec:
    vocab = Vocab.build([WORDS])
    return ReviewCodec(SentimentData(**data), {"vocab": vocab.to_dict()})


def test_the_codec_reverses_exactly_the_kept_tokens() -> None:
    backward = codec(max_len=5, truncate="head+tail", reverse=True)
    encoded = backward.encode(" ".join(WORDS))
    # head+tail 5 keeps the first 2 and the last 3; then they are read last first.
    assert encoded.tokens == ["ten", "nine", "eight", "two", "one"]
    assert encoded.features["ids"] == backward.vocab.encode(encoded.tokens)
    assert encoded.dropped == 5
    forward = codec(max_len=5, truncate="head+tail").encode(" ".join(WORDS))
    assert forward.tokens == ["one", "two", "eight", "nine", "ten"]
    # Training's path (a tensor of ids) agrees with encode()'s.
    ids = torch.tensor(backward.encode_tokens(WORDS))
    assert backward.as_read(ids).tolist() == encoded.features["ids"]
    assert codec(reverse=True).encode("one two three").tokens == ["three", "two", "one"]


def test_training_examples_are_the_reviews_reversed(backward_sentiment_run: Path) -> None:
    from lstmlab.tasks import get_task

    config = lstmlab.load(backward_sentiment_run).config
    spec = get_task("sentiment").trainer()
    backward = spec.prepare(config, None)
    config.data.reverse = False
    forward = spec.prepare(config, None)
    assert backward.vocabs == forward.vocabs
    for b, f in zip(backward.train, forward.train, strict=True):
        assert b["label"] == f["label"]
        assert b["ids"].tolist() == f["ids"].flip(0).tolist()
    assert any(
        b["ids"].tolist() != f["ids"].tolist()
        for b, f in zip(backward.train, forward.train, strict=True)
    )


def test_predict_is_the_model_on_the_reversed_ids(backward_sentiment_run: Path) -> None:
    trained = lstmlab.load(backward_sentiment_run)
    texts = [
        "the film was wonderful and the plot quite boring really",  # over 8: head+tail
        "boring cast",
        "the acting was brilliant",
    ]
    got = trained.predict(texts)
    model, vocab = trained.model.eval(), trained.codec.vocab
    for text, answer in zip(texts, got, strict=True):
        words = text.split()
        kept = words[:4] + words[-4:] if len(words) > 8 else words
        by_hand = torch.tensor([vocab.encode(kept[::-1])])
        with torch.no_grad():
            p = torch.softmax(model(by_hand, torch.tensor([len(kept)])), dim=-1)[0]
            forward = torch.softmax(model(by_hand.flip(1), torch.tensor([len(kept)])), dim=-1)
        pos = trained.codec.labels.index("pos")
        assert answer["p_pos"] == pytest.approx(float(p[pos]), abs=1e-6)
        assert abs(answer["p_pos"] - float(forward[0, pos])) > 1e-6  # the order matters


def test_explain_shows_the_tokens_as_the_model_read_them(backward_sentiment_run, capsys):
    from lstmlab.inspect import inspector_for

    text = "the plot was boring"
    trained = lstmlab.load(backward_sentiment_run)
    answer = inspector_for(trained).predict(text)
    assert answer["tokens"] == ["boring", "was", "plot", "the"]
    assert answer["p_pos"] == pytest.approx(trained.predict(text)["p_pos"], abs=1e-6)
    assert len(answer["evidence"]) == 4 and "last word first" in answer["note"]
    assert main(["explain", str(backward_sentiment_run), text]) == 0
    out = capsys.readouterr().out
    assert "note: a backward classifier (data.reverse)" in out
    rows = [line.split()[1] for line in out.splitlines() if line[:4].strip().isdigit()]
    assert rows == ["boring", "was", "plot", "the"]
