"""Readers for POS-tagged text: one :class:`TaggedSentence` per sentence.

Formats:

- ``conll``: one token a line, whitespace-separated columns (CoNLL-2000: ``word POS chunk``),
  a blank line ends a sentence, ``-DOCSTART-`` lines are skipped; plain or ``.gz``.
- ``two_column``: the same layout with exactly ``word tag`` (the lab's files).
- ``conllu``: Universal Dependencies' CoNLL-U: ten tab-separated fields a word
  (``ID FORM LEMMA UPOS XPOS ...``), ``#`` comment lines, a blank line ends a sentence.
  The syntactic words are tagged: multi-word token lines (``ID`` ``3-4``, the surface
  form "don't" over the words "do" "n't") and empty nodes (``ID`` ``5.1``) are skipped.
  The tag is UPOS or XPOS.
- ``brown``: NLTK's ``brown.zip``: one sentence a line, ``word/tag`` tokens.

All readers accept CRLF line ends, a missing final blank line and plain or ``.gz`` files;
the column formats also tabs or spaces between columns and trailing blanks. A malformed
line raises :class:`DataError` naming file and line.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lstmlab.data.textfile import (
    QUOTE_CHARS,
    check_readable,
    os_reason,
    place,
    quote,
    read_lines,
)
from lstmlab.errors import DataError

PathLike = str | os.PathLike[str]
DOCSTART = "-DOCSTART-"
FORMATS = ("conll", "two_column", "conllu", "brown")
CONLLU_TAGS = ("upos", "xpos")
# CoNLL-U word ids: "7" a word, "7-8" a multi-word token, "7.1" an empty node.
_CONLLU_WORD_ID = re.compile(r"[1-9]\d*")
_CONLLU_SKIPPED_ID = re.compile(r"[1-9]\d*-[1-9]\d*|\d+\.[1-9]\d*")
# The 12 universal tags of Petrov et al. (2012).
UNIVERSAL_TAGS = frozenset(
    ["ADJ", "ADP", "ADV", "CONJ", "DET", "NOUN", "NUM", "PRON", "PRT", "VERB", ".", "X"]
)
# NLTK's corpus reader takes these members of brown.zip as the corpus (not README, cats.txt).
_BROWN_MEMBER = re.compile(r"brown/c[a-z]\d\d")
_BROWN_MAP_MEMBER = "universal_tagset/en-brown.map"


@dataclass
class TaggedSentence:
    """One sentence: ``words[i]`` has tag ``tags[i]``; when a reader was asked for feature
    columns, ``features[i]`` holds word i's values of them, in the columns' order."""

    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    features: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) for every line of ``path``, read as every reader reads."""
    return read_lines(path)


# What a line parser says of a non-blank line that is not a token.
_SKIP = "skip"  # not part of any sentence (a CoNLL-U comment or multi-word token line)
_END = "end"  # ends the current sentence, as a blank line does (``-DOCSTART-``)
# A token: (word, tag), or (word, tag, feature values); the tag None: not read.
LineParser = Callable[[str, str], tuple | str]


def _token_line_sentences(
    path: Path,
    parse: LineParser,
    finish: Callable[[str], None] | None = None,
    lines: Iterable[tuple[int, str]] | None = None,
) -> list[TaggedSentence]:
    """Sentences from a one-token-a-line file: a blank line ends a sentence.

    ``parse(line, where)`` turns every other line into ``(word, tag)`` (or ``(word, tag,
    feature values)``; a tag of None is not kept), :data:`_SKIP` or :data:`_END`, or raises
    :class:`DataError` (``where`` names file and line).
    ``finish(where)``, if given, is called wherever a sentence may end (it may raise too).
    ``lines`` are the numbered lines to read instead of ``path``'s (a zip member's).
    """
    sentences: list[TaggedSentence] = []
    current = TaggedSentence()
    number = 0
    for number, line in _numbered_lines(path) if lines is None else lines:
        token = _END if not line.strip() else parse(line, place(path, number))
        if token == _END:
            if finish is not None:
                finish(place(path, number))
            if current.words:
                sentences.append(current)
                current = TaggedSentence()
        elif token != _SKIP:
            current.words.append(token[0])
            if token[1] is not None:
                current.tags.append(token[1])
            if len(token) > 2:
                current.features.append(token[2])
    if finish is not None:
        finish(place(path, number))
    if current.words:  # a file may end without the final blank line
        sentences.append(current)
    return sentences


def _read_columns(
    path: Path,
    word_column: int,
    tag_column: int | None,
    n_columns: int | None,
    lines: Iterable[tuple[int, str]] | None = None,
    feature_columns: Sequence[int] = (),
):
    """Sentences from a one-token-a-line file, taking the word and tag from the given columns.

    ``n_columns`` is the exact number of columns required on every token line (None: at
    least ``max(word_column, tag_column) + 1``). ``lines``: see :func:`_token_line_sentences`.
    ``feature_columns``: columns whose values each word also gets (``features``); one that
    is the line's tag column (the last, for ``tag_column`` -1) is refused. ``tag_column``
    None reads no tags (a file to tag: words and feature columns only).
    """
    tag = -1 if tag_column is None else tag_column
    needed = max(word_column, tag, 1, *feature_columns) + 1  # -1 (the last) needs two

    def parse(line: str, where: str) -> tuple | str:
        fields = line.split()
        if fields[0] == DOCSTART:
            return _END
        if len(fields) < needed or (n_columns is not None and len(fields) != n_columns):
            expected = f"{n_columns}" if n_columns is not None else f"at least {needed}"
            raise DataError(
                f"{where}: expected {expected} columns, found {len(fields)}: {quote(line.rstrip())}"
            )
        if tag_column is None:
            return fields[word_column], None, [fields[c] for c in feature_columns]
        if not feature_columns:
            return fields[word_column], fields[tag_column]
        if tag_column % len(fields) in feature_columns:  # the tag is not an input
            raise DataError(
                f"{where}: feature column {tag_column % len(fields)} is this line's tag "
                f"column (data.column={tag_column}); a feature column must be another one"
            )
        return fields[word_column], fields[tag_column], [fields[c] for c in feature_columns]

    return _token_line_sentences(path, parse, lines=lines)


def read_conll(
    path: PathLike, column: int | None = 1, feature_columns: Sequence[int] = ()
) -> list[TaggedSentence]:
    """Read a CoNLL file (``word POS chunk``); ``column`` picks the tag (1 = POS, 2 = chunk,
    -1 = the last column, where NER files keep their entity tags; None: no tags, a file to
    tag). ``feature_columns`` (each >= 1) give every word its values of those columns too
    (``features``: CoNLL-2000's POS column 1 as an input for chunking)."""
    if column is not None and column < 1 and column != -1:
        raise ValueError(f"column must be >= 1 or -1 (column 0 holds the words), got {column}")
    if any(c < 1 for c in feature_columns):
        raise ValueError("feature columns must be >= 1 (column 0 holds the words)")
    return _read_columns(
        Path(path),
        word_column=0,
        tag_column=column,
        n_columns=None,
        feature_columns=tuple(feature_columns),
    )


def read_two_column(path: PathLike) -> list[TaggedSentence]:
    """Read a ``word tag`` file (exactly two columns on every token line)."""
    return _read_columns(Path(path), word_column=0, tag_column=1, n_columns=2)


def read_conllu(path: PathLike, tag: str = "upos") -> list[TaggedSentence]:
    """Read a CoNLL-U file: each sentence's syntactic words with their UPOS or XPOS tag."""
    if tag not in CONLLU_TAGS:
        raise ValueError(f"tag must be one of {CONLLU_TAGS}, got {tag!r}")
    tag_field = 3 if tag == "upos" else 4

    ids = _ConlluIds()

    def parse(line: str, where: str) -> tuple[str, str] | str:
        if line.startswith("#"):
            return _SKIP
        fields = line.split("\t")  # FORM may hold spaces ("New York" in some treebanks)
        if len(fields) != 10:
            raise DataError(
                f"{where}: expected 10 tab-separated fields, found {len(fields)}: {quote(line)}"
            )
        if not ids.is_word(fields[0], where):
            return _SKIP
        if fields[tag_field] == "_":
            raise DataError(
                f"{where}: the word {quote(fields[1])} has no {tag.upper()} tag "
                "('_')" + ("; data.conllu_tag=upos reads the UPOS column" if tag == "xpos" else "")
            )
        return fields[1], fields[tag_field]

    return _token_line_sentences(Path(path), parse, ids.finish)


class _ConlluIds:
    """Checks the ID column of one sentence after another, as CoNLL-U defines it.

    Words are numbered 1, 2, 3, ... in order; a multi-word token ``m-n`` (m < n) comes just
    before its first word m and must not reach past the sentence's last word; an empty node
    ``n.k`` follows word n (``0.k`` comes before word 1).
    """

    def __init__(self) -> None:
        self.next_word = 1
        self.range_end = 0

    def is_word(self, text: str, where: str) -> bool:
        """True for a word id; False for a token or node id to skip; DataError if wrong."""
        if _CONLLU_WORD_ID.fullmatch(text):
            if int(text) != self.next_word:
                raise DataError(
                    f"{where}: word id {text} out of order (expected "
                    f"{self.next_word}: ids count 1, 2, 3, ... in each sentence)"
                )
            self.next_word += 1
            return True
        if not _CONLLU_SKIPPED_ID.fullmatch(text):
            raise DataError(f"{where}: bad word id {quote(text)}")
        if "-" in text:
            first, last = (int(part) for part in text.split("-"))
            if first != self.next_word or last <= first:
                raise DataError(
                    f"{where}: multi-word token {text} must span words "
                    f"{self.next_word} to a later one"
                )
            self.range_end = last
        elif int(text.split(".")[0]) != self.next_word - 1:
            raise DataError(f"{where}: empty node {text} must follow word {self.next_word - 1}")
        return False

    def finish(self, where: str) -> None:
        """End of a sentence: every multi-word token must lie within it; start the next."""
        if self.range_end >= self.next_word:
            raise DataError(
                f"{where}: a multi-word token of the sentence ending here reaches "
                f"word {self.range_end}, but the sentence has {self.next_word - 1}"
            )
        self.next_word, self.range_end = 1, 0


CONLL2002_LANGUAGES = {"esp": "Spanish", "ned": "Dutch"}
CONLL2002_SPLITS = {"train": "train", "validation": "testa", "test": "testb"}


def read_conll2002(
    zip_path: PathLike,
    language: str,
    split: str,
    column: int = 2,
    feature_columns: Sequence[int] = (),
):
    """CoNLL-2002 NER sentences from NLTK's ``conll2002.zip``: ``word POS NE`` lines.

    ``language`` is ``esp`` (Spanish) or ``ned`` (Dutch); ``split`` is ``train``,
    ``validation`` (the ``testa`` file) or ``test`` (``testb``). ``column`` 2 gives the
    named-entity tags (IOB2 over PER, LOC, ORG, MISC), 1 the POS tags. ``-DOCSTART-``
    lines end a sentence, as in every CoNLL file. ``feature_columns``: as
    :func:`read_conll`'s (``[1]``: the POS tags as an input).
    """
    if language not in CONLL2002_LANGUAGES:
        raise ValueError(f"language must be one of {list(CONLL2002_LANGUAGES)}, got {language!r}")
    if split not in CONLL2002_SPLITS:
        raise ValueError(f"split must be one of {list(CONLL2002_SPLITS)}, got {split!r}")
    member = f"conll2002/{language}.{CONLL2002_SPLITS[split]}"
    text = _read_zip_member(Path(zip_path), member)
    lines = enumerate(text.splitlines(), start=1)
    return _read_columns(
        Path(f"{zip_path}:{member}"),
        0,
        column,
        None,
        lines=lines,
        feature_columns=tuple(feature_columns),
    )


def read_universal_map(map_zip: PathLike) -> dict[str, str]:
    """Brown tag → universal tag, from ``en-brown.map`` inside NLTK's ``universal_tagset.zip``."""
    text = _read_zip_member(Path(map_zip), _BROWN_MAP_MEMBER)
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or fields[1] not in UNIVERSAL_TAGS:
            raise DataError(
                f"{map_zip}:{_BROWN_MAP_MEMBER}, line {number}: "
                f"expected 'brown_tag universal_tag', found {quote(line)}"
            )
        mapping[fields[0]] = fields[1]
    return mapping


# What a corrupt, foreign or unreadable zip file raises while it is read.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    UnicodeDecodeError,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,
    ValueError,
)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return os_reason(error)
    text = str(error) or type(error).__name__
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "..."


def _read_zip_member(zip_path: Path, member: str) -> str:
    check_readable(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            return archive.read(member).decode("utf-8")
    except KeyError:
        raise DataError(f"{zip_path}: has no member {member}; is it the NLTK package?") from None
    except _ZIP_ERRORS as error:
        raise DataError(f"{zip_path}: cannot read {member}: {_reason(error)}") from None


def _parse_slash_line(line: str, where: str) -> TaggedSentence:
    """``The/at jury/nn ...`` → a sentence; tags upper-cased as NLTK does."""
    sentence = TaggedSentence()
    for token in line.split():
        word, slash, tag = token.rpartition("/")  # the word itself may contain '/'
        if not slash or not word or not tag:
            raise DataError(f"{where}: token {quote(token)} is not 'word/tag'")
        sentence.words.append(word)
        sentence.tags.append(tag.upper())
    return sentence


def read_brown(
    zip_path: PathLike, universal_map_zip: PathLike | None = None
) -> list[TaggedSentence]:
    """Read NLTK's ``brown.zip``: 500 files, one sentence a non-blank line, ``word/tag`` tokens.

    Files are read in sorted order (as NLTK's reader does). Tags are the Brown tags,
    upper-cased (``NN-TL``); with ``universal_map_zip`` (NLTK's ``universal_tagset.zip``)
    they are mapped to the 12 universal tags, unknown tags to ``X`` (as NLTK does).
    """
    zip_path = Path(zip_path)
    mapping = read_universal_map(universal_map_zip) if universal_map_zip is not None else None
    check_readable(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = sorted(n for n in archive.namelist() if _BROWN_MEMBER.fullmatch(n))
            if not members:
                raise DataError(f"{zip_path}: no brown/cXNN files; is it NLTK's brown.zip?")
            texts = [(m, archive.read(m).decode("utf-8")) for m in members]
    except _ZIP_ERRORS as error:
        raise DataError(f"{zip_path}: cannot read: {_reason(error)}") from None
    sentences = []
    for member, text in texts:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                sentences.append(_parse_slash_line(line, f"{zip_path}:{member}, line {number}"))
    if mapping is not None:
        for sentence in sentences:
            sentence.tags = [mapping.get(tag, "X") for tag in sentence.tags]
    return sentences


def sniff_format(path: PathLike) -> str:
    """Guess the format from the file name and the first token line.

    ``.zip`` → brown, ``.conllu`` → conllu; else the first line that is neither blank nor
    a ``#`` comment decides: ten tab-separated fields starting with a word id → conllu,
    two columns → two_column, three or more → conll.
    """
    path = Path(path)
    if path.suffix == ".zip":
        return "brown"
    if path.name.removesuffix(".gz").endswith(".conllu"):
        return "conllu"
    for number, line in _numbered_lines(path):
        fields = line.split()
        if not fields or fields[0] == DOCSTART or line.startswith("#"):
            continue
        tab_fields = line.rstrip("\r\n").split("\t")
        if len(tab_fields) == 10 and (
            _CONLLU_WORD_ID.fullmatch(tab_fields[0]) or _CONLLU_SKIPPED_ID.fullmatch(tab_fields[0])
        ):
            return "conllu"
        if len(fields) == 2:
            return "two_column"
        if len(fields) >= 3:
            return "conll"
        raise DataError(
            f"{place(path, number)}: cannot tell the format from {quote(line.rstrip())}"
        )
    raise DataError(f"{path}: has no tokens")


def read_tagged_file(
    path: PathLike,
    fmt: str = "auto",
    *,
    column: int | None = 1,
    conllu_tag: str = "upos",
    feature_columns: Sequence[int] = (),
) -> list[TaggedSentence]:
    """Read ``path`` in format ``fmt`` (one of :data:`FORMATS`, or ``"auto"`` to sniff it).

    ``column`` is the tag column of a ``conll`` file (see :func:`read_conll`; None: a file
    to tag, without tags); ``conllu_tag`` picks UPOS or XPOS in a ``conllu`` file.
    ``feature_columns``: a ``conll`` file's columns that every word also gets as values
    (``features``); DataError for a file of another format.
    """
    if fmt == "auto":
        fmt = sniff_format(path) if column is not None or not feature_columns else "conll"
    if feature_columns and fmt != "conll":
        raise DataError(
            f"{path}: data.feature_columns reads the columns of a CoNLL file "
            f"(word, its features and tag on each line); this file reads as {fmt}"
        )
    if fmt == "conll":
        return read_conll(path, column, feature_columns)
    if fmt == "two_column":
        return read_two_column(path)
    if fmt == "conllu":
        return read_conllu(path, conllu_tag)
    if fmt == "brown":
        return read_brown(path)
    raise DataError(f"unknown tagged-file format {fmt!r}; choose auto or one of {FORMATS}")
