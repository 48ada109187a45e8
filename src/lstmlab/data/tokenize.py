"""Tokenizers: a string → a list of token strings.

Two are provided, chosen by name with :func:`get_tokenizer`:

- ``"whitespace"``: ``text.split()``, exactly what the original lab did.
- ``"review"``: the default for IMDb reviews (see :func:`review_tokenize`).

Both are plain regex/str operations, because 50,000 reviews are tokenized.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lstmlab.errors import DataError

Tokenizer = Callable[[str], list[str]]

# IMDb reviews contain literal HTML line breaks: "<br />", "<br/>", "<br>".
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A word: letters/digits with inner apostrophes or hyphens ("don't", "well-made");
# anything else that is not a space is a token of its own, one character each.
_REVIEW_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")


def whitespace_tokenize(text: str) -> list[str]:
    """Split on runs of whitespace; case and punctuation are kept (``text.split()``)."""
    return text.split()


def review_tokenize(text: str) -> list[str]:
    """Tokenize a review: lowercase, drop ``<br />``, split punctuation off, keep contractions.

    Exactly:

    1. lowercase; typographic apostrophes ``’`` become ``'``;
    2. HTML line breaks ``<br />``, ``<br/>``, ``<br>`` become spaces;
    3. tokens are maximal runs of word characters (letters, digits, ``_``, any script)
       joined by single inner apostrophes or hyphens — ``don't``, ``it's``, ``movie's``,
       ``rock'n'roll``, ``well-made`` stay one token;
    4. every other non-space character is a token by itself: ``"great!!"`` →
       ``["great", "!", "!"]``, ``"(7/10)"`` → ``["(", "7", "/", "10", ")"]``;
       a leading or trailing apostrophe is punctuation (``'quoted'``, ``students'``).
    """
    text = _HTML_BREAK.sub(" ", text.lower().replace("\u2019", "'"))
    return _REVIEW_TOKEN.findall(text)


# A sentence to tag: clitics split off as in the Penn Treebank ("do n't", "cat 's").
_WORD = re.compile(r"\w+(?=n't)|n't|'\w+|\w+(?:[-.]\w+)*|[^\w\s]")


def split_words(text: str) -> list[str]:
    """A simple Penn-Treebank-like tokenizer for tagging raw text (``lstmlab tag``).

    Words keep inner hyphens and dots (``well-known``, ``3.5``); punctuation is split off;
    clitics become tokens of their own as in the Treebank (``cat's`` -> ``cat 's``,
    ``don't`` -> ``do n't``). Use ``--tokenized`` to tag text already split on spaces.
    """
    return _WORD.findall(text)


def sentence_batch(sentences: str | list[str] | list[list[str]]) -> tuple[list[list[str]], bool]:
    """The word lists of ``sentences`` to tag, and whether one sentence was given.

    A sentence is a string (split with :func:`split_words`) or a list of words; a list of
    strings is a list of sentences when one of them holds a space, else one sentence's words.
    """
    one = isinstance(sentences, str) or (
        bool(sentences)
        and all(isinstance(w, str) for w in sentences)
        and not any(" " in str(item).strip() for item in sentences)
    )
    batch = [sentences] if one else list(sentences)
    words = [split_words(s) if isinstance(s, str) else list(s) for s in batch]
    if not all(isinstance(word, str) for sentence in words for word in sentence):
        raise DataError("a sentence is a string or a list of words (strings)")
    if not all(word.strip() for sentence in words for word in sentence):
        raise DataError("a word is empty or blank; a sentence's words are what it splits into")
    return words, one


TOKENIZERS: dict[str, Tokenizer] = {
    "whitespace": whitespace_tokenize,
    "review": review_tokenize,
}


def get_tokenizer(name: str) -> Tokenizer:
    """The tokenizer called ``name`` (one of :data:`TOKENIZERS`)."""
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}"
        ) from None
