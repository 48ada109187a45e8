"""Leave-one-out evidence: exact by construction, and faithful on a model that knows the task."""

from __future__ import annotations

import pytest
import torch

import lstmlab
from lstmlab.inspect import inspector_for
from lstmlab.inspect.evidence import faithfulness, occlusion_evidence, remove_positions
from tiny_runs import BAD, GOOD, reviews


@pytest.fixture(scope="module")
def sentiment(sentiment_run):
    return inspector_for(lstmlab.load(sentiment_run))


def test_evidence_is_the_change_in_p_pos_when_a_token_is_removed(sentiment):
    ids = sentiment.encode("the plot was dull but the cast quite great").example["ids"]
    evidence = occlusion_evidence(sentiment.probabilities, ids)
    full = sentiment.probabilities(ids.unsqueeze(0))[0, 1]
    for t in range(ids.numel()):
        without = remove_positions(ids, [t]).unsqueeze(0)
        expected = full - sentiment.probabilities(without)[0, 1]
        assert float(evidence[t]) == pytest.approx(float(expected), abs=1e-6)


def test_one_token_is_compared_with_unk(sentiment):
    ids = sentiment.encode("wonderful").example["ids"]
    evidence = occlusion_evidence(sentiment.probabilities, ids, unk_index=1)
    p = sentiment.probabilities
    assert float(evidence[0]) == pytest.approx(
        float(p(ids[None])[0, 1] - p(torch.tensor([[1]]))[0, 1]), abs=1e-6
    )


def test_the_deciding_word_carries_the_most_evidence(sentiment):
    answer = sentiment.predict("the acting was quite brilliant and the story really")
    assert answer["label"] == "pos"
    strongest = max(range(len(answer["tokens"])), key=lambda t: answer["evidence"][t])
    assert answer["tokens"][strongest] == "brilliant"
    answer = sentiment.predict("the cast and the plot were awful")
    assert answer["label"] == "neg"
    assert (
        answer["tokens"][min(range(len(answer["tokens"])), key=lambda t: answer["evidence"][t])]
        == "awful"
    )


def test_removing_the_top_evidence_moves_p_more_than_random_words(sentiment):
    test_reviews = [sentiment.encode(text).example["ids"] for _, text in reviews(40, 7)]
    results = faithfulness(sentiment.probabilities, test_reviews, ks=[1, 2], draws=5, seed=0)
    assert sorted(results) == [1, 2]
    for k, result in results.items():
        assert result.k == k and result.reviews == 40
        assert result.top_k_drop > result.random_drop + 0.2
        assert result.top_k_wins >= 0.9


def test_faithfulness_skips_reviews_too_short_for_k(sentiment):
    ids = [sentiment.encode(text).example["ids"] for text in ("great film", "a dull long plot")]
    results = faithfulness(sentiment.probabilities, ids, ks=[1, 3])
    assert (results[1].reviews, results[3].reviews) == (2, 1)
    with pytest.raises(ValueError, match="k=5"):
        faithfulness(sentiment.probabilities, ids, ks=[1, 5])


def test_remove_positions_keeps_one_token():
    ids = torch.tensor([5, 6, 7])
    assert remove_positions(ids, [0, 2]).tolist() == [6]
    assert remove_positions(ids, [0, 1, 2]).tolist() == [5]


def test_vocabulary_words_are_known(sentiment):
    for word in GOOD + BAD:
        assert not sentiment.predict(f"the film was {word}")["unseen"][3]


def test_evidence_in_several_chunks_is_the_same(sentiment, monkeypatch):
    ids = sentiment.encode("the plot was dull but the cast quite great and moving").example["ids"]
    whole = occlusion_evidence(sentiment.probabilities, ids)
    monkeypatch.setattr("lstmlab.inspect.evidence.CHUNK", 3)
    seen = []
    chunked = occlusion_evidence(
        sentiment.probabilities, ids, progress=lambda done, total: seen.append((done, total))
    )
    torch.testing.assert_close(chunked, whole, atol=1e-6, rtol=0)
    steps = ids.numel()
    assert seen == [(min(end, steps), steps) for end in range(3, steps + 3, 3)]
