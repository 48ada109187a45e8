"""The classify and tagger tasks' torch-free parts: metrics from counts, codecs, spans."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.tasks.classify.codec import TextCodec, sigmoid
from lstmlab.tasks.classify.config import ClassifyData
from lstmlab.tasks.classify.metrics import class_counts, multi_label_report, scores
from lstmlab.tasks.tagger.codec import token_offsets

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def batches(true, predicted, num_classes, pieces):
    """The counts of ``pieces`` batches, summed as the trainer sums them."""
    totals: dict[str, float] = {}
    for part in np.array_split(np.arange(len(true)), pieces):
        for key, value in class_counts(true[part], predicted[part], num_classes).items():
            totals[key] = totals.get(key, 0.0) + value
    return totals


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(), num_classes=st.integers(2, 6), n=st.integers(1, 40), pieces=st.integers(1, 4)
)
def test_single_label_scores_equal_scikit_learns(data, num_classes, n, pieces):
    labels = st.lists(st.integers(0, num_classes - 1), min_size=n, max_size=n)
    true, predicted = np.array(data.draw(labels)), np.array(data.draw(labels))
    totals = batches(true, predicted, num_classes, min(pieces, n))
    totals.update(units=n, correct=float((true == predicted).sum()))
    ours = scores(totals, num_classes, multi_label=False)
    assert ours["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(true, predicted))
    expected = sklearn_metrics.f1_score(true, predicted, average="macro", zero_division=0)
    assert ours["macro_f1"] == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), num_classes=st.integers(2, 5), n=st.integers(1, 30))
def test_multi_label_scores_equal_scikit_learns(data, num_classes, n):
    rows = st.lists(
        st.lists(st.booleans(), min_size=num_classes, max_size=num_classes), min_size=n, max_size=n
    )
    true, predicted = np.array(data.draw(rows)), np.array(data.draw(rows))
    report = multi_label_report(true, predicted, [f"c{k}" for k in range(num_classes)])
    for average in ("micro", "macro"):
        expected = sklearn_metrics.f1_score(true, predicted, average=average, zero_division=0)
        assert report[f"{average}_f1"] == pytest.approx(expected)
    assert report["subset_accuracy"] == pytest.approx(
        sklearn_metrics.accuracy_score(true, predicted)
    )
    assert report["per_class"]["c0"]["support"] == int(true[:, 0].sum())


def test_codec_targets_answers_and_thresholds():
    vocabs = {
        "vocab": {"tokens": ["<pad>", "<unk>", "soup"]},
        "classes": {"tokens": ["a", "b", "c"]},
    }
    single = TextCodec(ClassifyData(train_file="x"), vocabs)
    assert single.encode("Soup soup!").features["ids"] == [2, 2, 1]
    assert single.target(("b",)) == 1
    answer = single.answer("t", np.array([0.2, 0.7, 0.1]))
    assert answer["label"] == "b" and answer["probability"] == pytest.approx(0.7)
    multi = TextCodec(ClassifyData(train_file="x", multi_label=True, threshold=0.6), vocabs)
    assert multi.target(("c", "a")) == [1.0, 0.0, 1.0]
    assert multi.answer("t", np.array([0.9, 0.59, 0.6]))["labels"] == ["a", "c"]
    assert multi.decide(np.array([[0.9, 0.1, 0.6]])).tolist() == [[1, 0, 1]]
    np.testing.assert_allclose(sigmoid(np.array([-800.0, 0.0, 800.0])), [0.0, 0.5, 1.0])


def test_token_offsets_find_the_words_in_their_text():
    text = "Kim  Sang's cat, in New-York."
    words = ["Kim", "Sang", "'s", "cat", ",", "in", "New-York", "."]
    offsets = token_offsets(text, words)
    assert [text[a:b] for a, b in offsets] == words
    assert offsets[1] == (5, 9)
