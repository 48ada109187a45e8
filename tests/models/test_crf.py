"""The CRF against brute-force enumeration of every tag sequence on tiny inputs."""

from __future__ import annotations

import itertools

import pytest
import torch

from lstmlab.models.crf import CRF, IGNORE_INDEX

NUM_TAGS = 3
LENGTHS = [4, 1, 3, 2]


def brute_force_score(crf: CRF, emissions: torch.Tensor, tags: tuple[int, ...]) -> torch.Tensor:
    """Score of one unpadded sequence, written out term by term. emissions: [L, K]."""
    score = crf.start_transitions[tags[0]] + emissions[0, tags[0]]
    for t in range(1, len(tags)):
        score = score + crf.transitions[tags[t - 1], tags[t]] + emissions[t, tags[t]]
    return score + crf.end_transitions[tags[-1]]


def all_tag_sequences(length: int) -> list[tuple[int, ...]]:
    return list(itertools.product(range(NUM_TAGS), repeat=length))


@pytest.fixture
def batch() -> tuple[CRF, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    crf = CRF(NUM_TAGS)
    # Larger-than-default transition scores so they matter for the argmax.
    with torch.no_grad():
        for param in crf.parameters():
            param.normal_(0.0, 1.0)
    lengths = torch.tensor(LENGTHS)
    emissions = torch.randn(len(LENGTHS), max(LENGTHS), NUM_TAGS)
    mask = torch.arange(max(LENGTHS)) < lengths.unsqueeze(1)
    return crf, emissions, mask


def test_log_partition_matches_enumeration(batch) -> None:
    crf, emissions, mask = batch
    log_z = crf.log_partition(emissions, mask)
    for b, length in enumerate(LENGTHS):
        scores = torch.stack(
            [brute_force_score(crf, emissions[b, :length], y) for y in all_tag_sequences(length)]
        )
        torch.testing.assert_close(log_z[b], torch.logsumexp(scores, dim=0))


def test_viterbi_matches_enumeration(batch) -> None:
    crf, emissions, mask = batch
    decoded = crf.viterbi_decode(emissions, mask)
    assert decoded.shape == mask.shape and decoded.dtype == torch.long
    for b, length in enumerate(LENGTHS):
        best = max(
            all_tag_sequences(length),
            key=lambda y, b=b, length=length: brute_force_score(crf, emissions[b, :length], y),
        )
        assert decoded[b, :length].tolist() == list(best)
        assert (decoded[b, length:] == IGNORE_INDEX).all()


def test_likelihood_sums_to_one_over_all_sequences(batch) -> None:
    crf, emissions, mask = batch
    max_len = max(LENGTHS)
    for b, length in enumerate(LENGTHS):
        sequences = all_tag_sequences(length)
        # Pad each candidate with -100, as the data layer does.
        tags = torch.full((len(sequences), max_len), IGNORE_INDEX)
        tags[:, :length] = torch.tensor(sequences)
        rows = len(sequences)
        log_likelihood = crf(
            emissions[b : b + 1].expand(rows, -1, -1), tags, mask[b : b + 1].expand(rows, -1)
        )
        assert (log_likelihood <= 0).all()
        torch.testing.assert_close(log_likelihood.exp().sum(), torch.tensor(1.0))


def test_padding_does_not_change_results(batch) -> None:
    crf, emissions, mask = batch
    tags = torch.randint(0, NUM_TAGS, mask.shape).masked_fill(~mask, IGNORE_INDEX)
    garbage = emissions.masked_fill(~mask.unsqueeze(2), 1e3)
    other_tags = tags.masked_fill(~mask, 2)
    torch.testing.assert_close(crf(emissions, tags, mask), crf(garbage, other_tags, mask))
    assert torch.equal(crf.viterbi_decode(emissions, mask), crf.viterbi_decode(garbage, mask))


def test_gradients_reach_all_parameters(batch) -> None:
    crf, emissions, mask = batch
    emissions.requires_grad_(True)
    tags = torch.randint(0, NUM_TAGS, mask.shape).masked_fill(~mask, IGNORE_INDEX)
    crf(emissions, tags, mask).sum().neg().backward()
    for param in crf.parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0
    assert emissions.grad[~mask].abs().sum() == 0


def test_rejects_bad_shapes(batch) -> None:
    crf, emissions, mask = batch
    with pytest.raises(ValueError, match="emissions"):
        crf.log_partition(emissions[..., :2], mask)
    with pytest.raises(ValueError, match="mask"):
        crf.log_partition(emissions, mask[:, :2])
    with pytest.raises(ValueError, match=r"mask\[:, 0\]"):
        crf.viterbi_decode(emissions, torch.zeros_like(mask))


# A BIO tag set; the constraints come from lstmlab.training.spans, as a tagger builds them.
BIO_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


@pytest.mark.parametrize("scheme", ["iob2", "bioes"])
def test_constrained_decoding_never_outputs_a_forbidden_step(scheme) -> None:
    from lstmlab.training.spans import allowed_transitions, is_valid

    tags = BIO_TAGS if scheme == "iob2" else [*BIO_TAGS, "E-PER", "S-PER", "E-LOC", "S-LOC"]
    torch.manual_seed(1)
    crf = CRF(len(tags), allowed=allowed_transitions(tags, scheme))
    with torch.no_grad():  # learned scores that favour forbidden steps
        crf.transitions.normal_(0.0, 3.0)
        crf.start_transitions.normal_(0.0, 3.0)
    lengths = torch.randint(1, 9, (200,))
    emissions = torch.randn(200, 8, len(tags)) * 4
    mask = torch.arange(8) < lengths.unsqueeze(1)
    decoded = crf.viterbi_decode(emissions, mask)
    unconstrained = CRF(len(tags))
    unconstrained.load_state_dict(
        {k: v for k, v in crf.state_dict().items() if not k.startswith("allowed")}
    )
    free = unconstrained.viterbi_decode(emissions, mask)
    invalid_without = 0
    for b, length in enumerate(lengths.tolist()):
        assert is_valid([tags[i] for i in decoded[b, :length]], scheme)
        invalid_without += not is_valid([tags[i] for i in free[b, :length]], scheme)
    assert invalid_without > 50  # the constraint had work to do


def test_constrained_crf_is_a_distribution_over_the_allowed_sequences() -> None:
    from lstmlab.training.spans import allowed_transitions, is_valid

    crf = CRF(len(BIO_TAGS), allowed=allowed_transitions(BIO_TAGS, "iob2"))
    torch.manual_seed(2)
    emissions = torch.randn(1, 3, len(BIO_TAGS))
    mask = torch.ones(1, 3, dtype=torch.bool)
    sequences = list(itertools.product(range(len(BIO_TAGS)), repeat=3))
    valid = [y for y in sequences if is_valid([BIO_TAGS[i] for i in y], "iob2")]
    plain = CRF(len(BIO_TAGS))
    plain.load_state_dict(crf.state_dict(), strict=False)
    scores = torch.stack([brute_force_score(plain, emissions[0], y) for y in valid])
    torch.testing.assert_close(crf.log_partition(emissions, mask)[0], torch.logsumexp(scores, 0))
    probabilities = crf(
        emissions.expand(len(valid), -1, -1), torch.tensor(valid), mask.expand(len(valid), -1)
    ).exp()
    torch.testing.assert_close(probabilities.sum(), torch.tensor(1.0))


def test_constraints_travel_with_the_state_dict_and_are_checked() -> None:
    from lstmlab.training.spans import allowed_transitions

    allowed = allowed_transitions(BIO_TAGS, "iob2")
    crf = CRF(len(BIO_TAGS), allowed=allowed)
    state = crf.state_dict()
    assert state["allowed_transitions"].dtype == torch.bool
    assert not state["allowed_transitions"][0, 2]  # O -> I-PER
    again = CRF(len(BIO_TAGS), allowed=allowed)
    again.load_state_dict(state)
    assert "allowed_start" not in CRF(len(BIO_TAGS)).state_dict()
    start, transitions, end = crf.scores()
    assert start[2] == -10_000 and transitions[0, 2] == -10_000 and end[2] == crf.end_transitions[2]
    with pytest.raises(ValueError, match=r"allowed must be"):
        CRF(3, allowed=allowed)
    with pytest.raises(ValueError, match="forbids every start"):
        CRF(2, allowed=([False, False], [[True, True], [True, True]], [True, True]))
