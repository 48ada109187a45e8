"""The numpy Viterbi on long inputs: the best path of a plain dynamic programme, and one
5,000-word sentence tagged with a CRF run (``lstmlab tag``) in a fraction of a second."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from lstmlab.cli.main import main
from lstmlab.models.viterbi import viterbi
from tiny_runs import tagged_sentences


def plain_viterbi(scores, start, transitions, end) -> list[int]:
    """The textbook recursion in Python lists, one sentence ``[T, K]`` (no padding)."""
    steps, tags = scores.shape
    best = [float(start[k] + scores[0, k]) for k in range(tags)]
    pointers = []
    for t in range(1, steps):
        came_from = [
            max(range(tags), key=lambda j, k=k: best[j] + transitions[j, k]) for k in range(tags)
        ]
        best = [
            float(best[came_from[k]] + transitions[came_from[k], k] + scores[t, k])
            for k in range(tags)
        ]
        pointers.append(came_from)
    tag = max(range(tags), key=lambda k: best[k] + end[k])
    path = [tag]
    for came_from in reversed(pointers):
        tag = came_from[tag]
        path.append(tag)
    return path[::-1]


def test_long_padded_batches_give_each_sentence_its_own_best_path() -> None:
    rng = np.random.default_rng(0)
    tags = 7
    start, end = rng.normal(size=tags), rng.normal(size=tags)
    transitions = rng.normal(size=(tags, tags))
    lengths = [300, 1, 157, 299]
    scores = rng.normal(size=(len(lengths), max(lengths), tags))
    mask = np.arange(max(lengths))[None, :] < np.array(lengths)[:, None]
    decoded = viterbi(scores, start, transitions, end, mask)
    assert decoded.shape == mask.shape and decoded.dtype == np.int64
    for row, length in enumerate(lengths):
        expected = plain_viterbi(scores[row, :length], start, transitions, end)
        assert decoded[row, :length].tolist() == expected
        # Padded steps carry the last real tag (what the callers cut off).
        assert (decoded[row, length:] == decoded[row, length - 1]).all()
    # One sentence alone ([T, K]) and a full mask take the unpadded path: the same answer.
    alone = viterbi(scores[0], start, transitions, end)
    assert alone.tolist() == decoded[0].tolist()
    full = viterbi(scores[:1], start, transitions, end, np.ones((1, max(lengths)), bool))
    assert full[0].tolist() == decoded[0].tolist()


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory):
    import lstmlab

    folder = tmp_path_factory.mktemp("crf-run")
    lines = "".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in tagged_sentences(60, 1))
    (folder / "train.txt").write_text(lines)
    lstmlab.train(
        "tagger",
        out=folder / "run",
        **{
            "data.train_file": str(folder / "train.txt"),
            "train.epochs": 1,
            "train.threads": 1,
            "model.word_dim": 8,
            "model.hidden_size": 8,
            "model.char_dim": 4,
            "model.char_hidden": 4,
            "model.use_crf": True,
        },
    )
    return folder / "run"


def test_one_5000_word_sentence_with_a_crf_run(crf_run, capsys) -> None:
    rng = random.Random(0)
    words = [rng.choice(["The", "cat", "sat", "on", "a", "mat", "."]) for _ in range(5000)]
    started = time.perf_counter()
    assert main(["tag", str(crf_run), "--tokenized", " ".join(words)]) == 0
    elapsed = time.perf_counter() - started
    pairs = capsys.readouterr().out.split()
    assert [pair.rsplit("/", 1)[0] for pair in pairs] == words  # every word, one tag each
    # About 0.1 s here; a decoding that grew with the square of the length, or paid a
    # millisecond a step, would take many seconds.
    assert elapsed < 5.0
