"""The casing classes of words."""

from __future__ import annotations

import pytest

from lstmlab.models.features import NUM_CASING_CLASSES, Casing, casing_class


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("the", Casing.LOWER),
        ("don't", Casing.LOWER),
        ("The", Casing.INITIAL_UPPER),
        ("Élan", Casing.INITIAL_UPPER),
        ("USA", Casing.ALL_UPPER),
        ("I", Casing.ALL_UPPER),
        ("1999", Casing.NUMERIC),
        ("3.5", Casing.NUMERIC),
        ("1,000", Casing.NUMERIC),
        ("-2", Casing.NUMERIC),
        ("A4", Casing.HAS_DIGIT),
        ("1990s", Casing.HAS_DIGIT),
        ("iPhone", Casing.MIXED),
        ("McDonald", Casing.MIXED),
        (",", Casing.OTHER),
        ("--", Casing.OTHER),
        ("", Casing.OTHER),
    ],
)
def test_casing_class(word: str, expected: Casing) -> None:
    assert casing_class(word) == expected


def test_classes_leave_zero_for_padding() -> None:
    assert Casing.PAD == 0
    assert len({int(c) for c in Casing}) == NUM_CASING_CLASSES
    words = ["the", "The", "USA", "1999", "A4", "iPhone", ","]
    assert {casing_class(w) for w in words} == set(range(1, NUM_CASING_CLASSES))
