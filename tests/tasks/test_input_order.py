"""Predictions come back in the input's order, through the API and the command line, though
they run in batches sorted by length (a missed un-sorting would mix up the answers)."""

from __future__ import annotations

import json

import pytest

import lstmlab
from lstmlab.cli.main import main

# Lengths out of order, so that the length-sorted batches differ from the input's order.
REVIEWS = [
    "the film was really wonderful and the cast was brilliant and the story moving",
    "awful",
    "the plot was dull",
    "a great great film",
    "boring boring boring and the acting was terrible",
    "funny",
]
SENTENCES = ["The cat sat on the mat .", "A dog .", "The bird saw a man under the house ."]


def test_sentiment_answers_are_in_input_order(sentiment_run, capsys):
    model = lstmlab.load(sentiment_run)
    model.batch_size = 2  # several batches, each sorted by length
    alone = [model.predict(text) for text in REVIEWS]  # one at a time: no order to lose
    together = model.predict(REVIEWS)
    assert [a["text"] for a in together] == REVIEWS
    for one, batched in zip(alone, together, strict=True):
        assert batched["label"] == one["label"]
        assert batched["p_pos"] == pytest.approx(one["p_pos"], abs=1e-5)
    assert len({round(a["p_pos"], 3) for a in alone}) > 2  # the answers do differ
    capsys.readouterr()
    assert main(["predict", str(sentiment_run), "--json", *REVIEWS]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["text"] for line in lines] == REVIEWS
    assert [line["p_pos"] for line in lines] == pytest.approx([a["p_pos"] for a in alone], abs=1e-5)


def test_tags_are_in_input_order(pos_run, capsys):
    model = lstmlab.load(pos_run)
    model.batch_size = 2
    alone = [model.tag(sentence) for sentence in SENTENCES]
    assert model.tag(SENTENCES) == alone
    capsys.readouterr()
    assert main(["tag", str(pos_run), "--json", *SENTENCES]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [list(zip(line["words"], line["tags"], strict=True)) for line in lines] == alone
