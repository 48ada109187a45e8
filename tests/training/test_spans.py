"""Span extraction and conlleval's span precision/recall/F1 (lstmlab.training.spans)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmlab.training.spans import (
    Span,
    SpanCounts,
    allowed_transitions,
    detect_scheme,
    is_valid,
    span_scores,
    spans,
    to_scheme,
)

seqeval_metrics = pytest.importorskip("seqeval.metrics")
from seqeval.metrics.sequence_labeling import get_entities  # noqa: E402

TYPES = ("PER", "LOC")
IOB_TAGS = ["O"] + [f"{p}-{t}" for p in "BI" for t in TYPES]
BIOES_TAGS = IOB_TAGS + [f"{p}-{t}" for p in "ES" for t in TYPES]


def test_spans_of_well_formed_and_malformed_sequences():
    assert spans(["B-PER", "I-PER", "O", "B-LOC"]) == [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    # conlleval: I- after O starts a span; a change of type ends one; B- after I- starts one.
    assert spans(["O", "I-PER", "I-LOC", "B-LOC", "I-LOC"]) == [
        Span(1, 2, "PER"),
        Span(2, 3, "LOC"),
        Span(3, 5, "LOC"),
    ]
    assert spans(["I-NP", "I-NP", "B-NP"]) == [Span(0, 2, "NP"), Span(2, 3, "NP")]  # iob1
    assert spans(["B-X", "E-X", "S-X", "B-X", "I-X", "E-X"]) == [
        Span(0, 2, "X"),
        Span(2, 3, "X"),
        Span(3, 6, "X"),
    ]
    assert spans([]) == [] and spans(["O", "O"]) == []


def test_scores_as_conlleval_counts_them():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC"]]
    predicted = [["B-PER", "I-PER", "O", "O"], ["B-PER"]]
    scores = span_scores(gold, predicted)
    assert (scores["gold"], scores["predicted"], scores["correct"]) == (3, 2, 1)
    assert scores["precision"] == 0.5 and scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert scores["per_type"]["LOC"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "gold": 2,
        "predicted": 0,
        "correct": 0,
    }
    assert scores["per_type"]["PER"]["precision"] == 0.5
    # A span never crosses a sentence's end.
    assert span_scores([["B-X"], ["I-X"]], [["B-X"], ["I-X"]])["correct"] == 2


def test_counts_add_up():
    a, b, both = SpanCounts(), SpanCounts(), SpanCounts()
    a.add(["B-X", "O"], ["B-X", "B-Y"])
    b.add(["B-Y"], ["O"])
    both.add(["B-X", "O"], ["B-X", "B-Y"])
    both.add(["B-Y"], ["O"])
    assert (a + b).scores() == both.scores()
    with pytest.raises(ValueError, match="differ in length"):
        a.add(["O"], [])


def test_scheme_detection():
    assert detect_scheme([["B-PER", "I-PER", "O"], ["B-LOC"]]) == "iob2"
    assert detect_scheme([["I-PER", "I-PER", "B-PER"], ["O"]]) == "iob1"
    assert detect_scheme([["S-PER", "O"], ["B-LOC", "E-LOC"]]) == "bioes"
    assert detect_scheme([["NN", "VBZ"]]) is None  # POS tags: no spans
    assert detect_scheme([["O", "O"]]) is None
    # One stray span starting with I- does not make a corpus iob1.
    assert detect_scheme([["I-LOC", "I-LOC"], ["B-PER", "O", "B-LOC"]]) == "iob2"


@settings(max_examples=300, deadline=None)
@given(
    tags=st.lists(st.sampled_from([*BIOES_TAGS, "B", "I"]), max_size=16),
    scheme=st.sampled_from(["iob1", "iob2", "bioes"]),
)
def test_any_sequence_rewritten_in_a_scheme_keeps_its_spans_and_is_valid(tags, scheme):
    rewritten = to_scheme(tags, scheme)
    assert spans(rewritten) == spans(tags)
    if all(tag == "O" or "-" in tag for tag in tags):
        assert is_valid(rewritten, scheme)
    assert to_scheme(rewritten, scheme) == rewritten


@pytest.mark.parametrize(
    ("scheme", "good", "bad"),
    [
        ("iob2", ["B-X", "I-X", "O", "B-Y", "B-Y"], [["I-X"], ["B-X", "I-Y"], ["O", "I-X"]]),
        ("iob1", ["I-X", "B-X", "O", "I-Y", "I-X"], [["B-X"], ["I-Y", "B-X"], ["O", "B-X"]]),
        (
            "bioes",
            ["B-X", "I-X", "E-X", "S-Y", "O", "S-X"],
            [["B-X"], ["I-X"], ["E-X"], ["B-X", "O"], ["B-X", "E-Y"], ["S-X", "I-X"]],
        ),
    ],
)
def test_valid_sequences_and_transitions(scheme, good, bad):
    assert is_valid(good, scheme)
    for tags in bad:
        assert not is_valid(tags, scheme), tags
    start, transitions, end = allowed_transitions(["O", "B-X", "I-X", "NN"], scheme)
    assert start[3] and end[3] and all(transitions[3]) and all(row[3] for row in transitions)


def sentences(tags):
    return st.lists(st.lists(st.sampled_from(tags), max_size=12), min_size=1, max_size=6)


@settings(max_examples=400, deadline=None)
@given(tags=st.lists(st.sampled_from(BIOES_TAGS), max_size=20))
def test_spans_equal_seqeval_entities_including_malformed_sequences(tags):
    expected = sorted(Span(start, end + 1, kind) for kind, start, end in get_entities(tags))
    assert sorted(spans(tags)) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data(), tags=st.sampled_from([IOB_TAGS, BIOES_TAGS]))
def test_scores_equal_seqevals_including_malformed_sequences(data, tags):
    gold = data.draw(sentences(tags))
    predicted = [
        data.draw(st.lists(st.sampled_from(tags), min_size=len(g), max_size=len(g))) for g in gold
    ]
    ours = span_scores(gold, predicted)
    if ours["gold"] == 0 or ours["predicted"] == 0:
        return  # seqeval warns and zero-divides differently; ours are 0 (conlleval's)
    assert ours["precision"] == pytest.approx(seqeval_metrics.precision_score(gold, predicted))
    assert ours["recall"] == pytest.approx(seqeval_metrics.recall_score(gold, predicted))
    assert ours["f1"] == pytest.approx(seqeval_metrics.f1_score(gold, predicted))
    report = seqeval_metrics.classification_report(
        gold, predicted, output_dict=True, zero_division=0
    )
    for kind, scores in ours["per_type"].items():
        assert scores["precision"] == pytest.approx(report[kind]["precision"])
        assert scores["recall"] == pytest.approx(report[kind]["recall"])
        assert scores["f1"] == pytest.approx(report[kind]["f1-score"])
        assert scores["gold"] == report[kind]["support"]
