"""Hand-made word features for the tagger: the word's casing class.

Word embeddings are usually trained on lower-cased words, which throws away a
strong part-of-speech cue ("Apple" vs "apple", "USA", "1999"). The tagger can
embed this small casing class next to the word (Reimers & Gurevych, 2017).
"""

from __future__ import annotations

from enum import IntEnum

_NUMBER_PUNCTUATION = frozenset(".,-+/:%")


class Casing(IntEnum):
    """Casing classes; 0 is reserved for padding."""

    PAD = 0
    LOWER = 1  # every cased letter lower: "the", "don't", "e-mail"
    INITIAL_UPPER = 2  # first letter upper, the other letters lower: "The", "Smith-jones"
    ALL_UPPER = 3  # every cased letter upper, incl. one-letter words: "USA", "I", "A."
    NUMERIC = 4  # digits and number punctuation only: "1999", "3.5", "1,000", "-2", "50%"
    HAS_DIGIT = 5  # some digit, but not a number: "A4", "1990s", "2nd"
    MIXED = 6  # any other mix of upper and lower: "iPhone", "McDonald"
    OTHER = 7  # no cased letter and no digit: ",", "--", "", non-cased scripts


NUM_CASING_CLASSES = len(Casing)


def casing_class(word: str) -> int:
    """The :class:`Casing` class of a word, as an int in [1, NUM_CASING_CLASSES)."""
    has_digit = any(char.isdigit() for char in word)
    if has_digit and all(char.isdigit() or char in _NUMBER_PUNCTUATION for char in word):
        return Casing.NUMERIC
    if has_digit:
        return Casing.HAS_DIGIT
    letters = [char for char in word if char.islower() or char.isupper()]
    if not letters:
        return Casing.OTHER
    if all(char.islower() for char in letters):
        return Casing.LOWER
    if all(char.isupper() for char in letters):
        return Casing.ALL_UPPER
    if letters[0].isupper() and all(char.islower() for char in letters[1:]):
        return Casing.INITIAL_UPPER
    return Casing.MIXED
