"""Per-token top units, and the unit search over the run's validation data."""

from __future__ import annotations

import pytest
import torch

import lstmlab
from lstmlab.errors import ConfigError, LstmlabError
from lstmlab.inspect import inspector_for
from lstmlab.inspect.trace import GATE_NAMES
from lstmlab.inspect.units import CONTEXT, TOP_MATCHES, LazyUnitIndex, UnitIndex, top_units
from lstmlab.nn import LSTMGates


@pytest.fixture(scope="module")
def sentiment(sentiment_run):
    return inspector_for(lstmlab.load(sentiment_run))


def test_top_units_rank_by_absolute_h():
    h = torch.tensor([[0.1, -0.9, 0.5], [0.0, 0.2, -0.3]])
    gates = LSTMGates(*(h + k for k in range(5)), h)  # i, f, g, o, c differ from h
    rows = top_units(gates, 2)
    assert [[u["unit"] for u in row] for row in rows] == [[1, 2], [2, 1]]
    assert rows[0][0] == pytest.approx(
        {"unit": 1, "i": -0.9, "f": 0.1, "g": 1.1, "o": 2.1, "c": 3.1, "h": -0.9}
    )
    assert len(top_units(gates, 10)[0]) == 3


def test_unit_search_finds_the_highest_values_in_the_validation_data(sentiment):
    index = UnitIndex.build(sentiment)
    assert len(index.examples) == 40  # the run's validation split: 10 % of 400 reviews
    brute = []  # (value, example, position) of unit 3's c, layer 1, backward
    for e, encoded in enumerate(index.examples):
        c = sentiment.trace(encoded).select(1, "bwd").c[:, 3]
        brute += [(float(value), e, t) for t, value in enumerate(c)]
    brute.sort(reverse=True)
    matches = index.search(1, "bwd", "c", 3)
    assert len(matches) == TOP_MATCHES
    for match, (value, _, _) in zip(matches, brute, strict=False):
        assert match.value == pytest.approx(value, abs=1e-4)
        tokens = index.examples[match.example].tokens
        assert match.token == tokens[match.position]
        assert match.left == tokens[max(0, match.position - CONTEXT) : match.position]
        assert match.right == tokens[match.position + 1 : match.position + 1 + CONTEXT]
    assert [m.value for m in matches] == sorted((m.value for m in matches), reverse=True)


@pytest.mark.parametrize(
    ("layer", "direction", "gate", "unit", "message"),
    [
        (2, "fwd", "c", 0, "layers 0..1"),
        (0, "up", "c", 0, "direction"),
        (0, "fwd", "z", 0, "gate must be one of"),
        (0, "fwd", "c", 10, "units 0..9"),
    ],
)
def test_unit_search_refuses_what_does_not_exist(sentiment, layer, direction, gate, unit, message):
    index = UnitIndex(sentiment, [])
    with pytest.raises(ConfigError, match=message):
        index.search(layer, direction, gate, unit)


def test_lazy_index_builds_once_and_keeps_its_error(sentiment, sentiment_run, tmp_path):
    lazy = LazyUnitIndex(sentiment)
    assert lazy.get() is lazy.get()
    assert {gate for _, gate in lazy.get().top} == set(GATE_NAMES)
    moved = inspector_for(lstmlab.load(sentiment_run))
    moved.config.data.train_file = str(tmp_path / "gone.tsv")  # the data has moved away
    lazy = LazyUnitIndex(moved)
    with pytest.raises(LstmlabError, match=r"gone\.tsv"):
        lazy.get()
    with pytest.raises(LstmlabError, match=r"gone\.tsv"):
        lazy.get()


def test_pos_unit_search_shows_the_words_as_written(pos_run):
    index = UnitIndex.build(inspector_for(lstmlab.load(pos_run)))
    assert len(index.examples) == 16  # 10 % of the 160 training sentences
    words = {match.token for match in index.search(0, "fwd", "h", 0)}
    words |= {t for e in index.examples for t in e.tokens}
    assert {"The", "A", "."} <= words  # capitalised, as in the file
