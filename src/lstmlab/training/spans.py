"""Spans (chunks, entities) in tag sequences, and their precision, recall and F1 as conlleval.

Tags name a position in a span and its type: ``B-PER`` begins a span of type PER, ``I-PER``
continues one, ``O`` is outside every span; BIOES adds ``E-`` (ends a span) and ``S-`` (a
span of one token). The schemes (:data:`SCHEMES`) differ in where ``B-`` is written:

- ``iob2``: every span starts with ``B-`` (CoNLL-2000, CoNLL-2002).
- ``iob1``: spans start with ``I-``; ``B-`` only starts a span right after one of the same
  type (the original CoNLL-2003 files).
- ``bioes``: ``B-`` ``I-``... ``E-`` for longer spans, ``S-`` for one token.

Spans are read with the rules of the CoNLL shared tasks' ``conlleval`` script (its
``startOfChunk``/``endOfChunk``), so a malformed sequence reads as conlleval reads it: an
``I-X`` after ``O`` or after another type starts a span, a change of type ends one.
conlleval predates ``S-``; for ``E-``/``S-`` the rules are those of its BIOES variants and
of seqeval's default mode (a span ends after every ``E-`` and ``S-``). On ``B-``/``I-``/``O``
sequences they are exactly conlleval's.

Scores are conlleval's: a predicted span is correct when a gold span has the same type,
start and end; precision = correct / predicted, recall = correct / gold, F1 their harmonic
mean (0 where undefined), overall and per type. No sentence's span crosses into the next.

This module needs no PyTorch: the allowed transitions (:func:`allowed_transitions`) are
plain lists that :class:`lstmlab.models.crf.CRF` turns into masks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMES = ("iob1", "iob2", "bioes")
OUTSIDE = "O"
_SPAN_PREFIXES = frozenset("BIES")


@dataclass(frozen=True, order=True)
class Span:
    """A span of ``type`` over tokens ``start`` to ``end`` - 1 (``end`` is exclusive)."""

    start: int
    end: int
    type: str

    def __len__(self) -> int:
        return self.end - self.start


def split_tag(tag: str) -> tuple[str, str]:
    """(prefix, type) of a tag as conlleval splits it: at the first ``-``; none: no type.

    ``B-PER`` -> (B, PER); ``I-NP`` -> (I, NP); ``O`` -> (O, ""); ``B-a-b`` -> (B, a-b).
    """
    prefix, dash, kind = tag.partition("-")
    return (prefix, kind) if dash else (tag, "")


def _ends(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    """conlleval's endOfChunk: does a span end between the previous token and this one?"""
    if prev in ("E", "S", "[", "]"):
        return True
    if prev in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev not in ("O", ".") and prev_type != kind


def _starts(prev: str, tag: str, prev_type: str, kind: str) -> bool:
    """conlleval's startOfChunk: does a span start at this token?"""
    if tag in ("B", "S", "[", "]"):
        return True
    if tag in ("I", "E") and prev in ("O", "E", "S"):
        return True
    return tag not in ("O", ".") and prev_type != kind


def spans(tags: Sequence[str]) -> list[Span]:
    """The spans of one sentence's tags, in order (see the module's rules)."""
    found: list[Span] = []
    prev, prev_type, begin = OUTSIDE, "", 0
    for i, tag in enumerate([*tags, OUTSIDE]):  # the sentence's end ends any open span
        prefix, kind = split_tag(tag)
        if _ends(prev, prefix, prev_type, kind):
            found.append(Span(begin, i, prev_type))
        if _starts(prev, prefix, prev_type, kind):
            begin = i
        prev, prev_type = prefix, kind
    return found


def is_span_tag(tag: str) -> bool:
    """``O`` or a prefix B/I/E/S with a type (``B-PER``): a tag of a span scheme."""
    prefix, kind = split_tag(tag)
    return tag == OUTSIDE or (prefix in _SPAN_PREFIXES and bool(kind))


def detect_scheme(sequences: Iterable[Sequence[str]]) -> str | None:
    """The scheme of gold tag sequences: ``bioes``, ``iob1``, ``iob2``, or None if the tags
    are no span tags (POS tags, say, or no span at all).

    ``E-``/``S-`` anywhere: bioes. Else the spans' first tags decide (leaving out a ``B-``
    right after a span of its type, which both write): mostly ``I-`` iob1, else iob2 (a
    corpus with a stray error, e.g. one span in CoNLL-2002 Spanish that starts with
    ``I-``, is still iob2).
    """
    starts = {"B": 0, "I": 0}
    for tags in sequences:
        for tag in tags:
            if not is_span_tag(tag):
                return None
            if tag[0] in "ES":
                return "bioes"
        previous: Span | None = None
        for span in spans(tags):
            after_same = previous is not None and previous.end == span.start
            after_same = after_same and previous.type == span.type
            if not (after_same and tags[span.start][0] == "B"):  # such a B- fits both
                starts[tags[span.start][0]] += 1
            previous = span
    if not starts["B"] + starts["I"]:
        return None
    return "iob1" if starts["I"] > starts["B"] else "iob2"


def to_scheme(tags: Sequence[str], scheme: str) -> list[str]:
    """The same spans (as :func:`spans` reads ``tags``) written in ``scheme``: a malformed
    sequence becomes a valid one with the spans conlleval would score."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    out = [OUTSIDE] * len(tags)
    previous: Span | None = None
    for span in spans(tags):

        def tag(prefix: str, kind: str = span.type) -> str:
            return f"{prefix}-{kind}" if kind else prefix

        if scheme == "iob2":
            out[span.start : span.end] = [tag("B")] + [tag("I")] * (len(span) - 1)
        elif scheme == "iob1":
            touching = previous is not None and previous.end == span.start
            first = "B" if touching and previous.type == span.type else "I"
            out[span.start : span.end] = [tag(first)] + [tag("I")] * (len(span) - 1)
        elif len(span) == 1:
            out[span.start] = tag("S")
        else:
            out[span.start : span.end] = [tag("B")] + [tag("I")] * (len(span) - 2) + [tag("E")]
        previous = span
    return out


def allowed_transitions(
    tags: Sequence[str], scheme: str
) -> tuple[list[bool], list[list[bool]], list[bool]]:
    """Which tags may start a sentence, follow each tag, end a sentence, under ``scheme``.

    Returns ``(start[K], transitions[K][K], end[K])``: ``transitions[i][j]`` is whether tag
    ``j`` may follow tag ``i``. A tag that is not of the scheme (neither ``O`` nor a
    prefixed tag) is left unconstrained. Valid sequences never need a forbidden step:

    - iob2: ``I-X`` only after ``B-X`` or ``I-X`` (so never first);
    - iob1: ``B-X`` only after ``B-X`` or ``I-X`` (so never first);
    - bioes: after ``B-X`` or ``I-X`` only ``I-X`` or ``E-X``; ``I-X``/``E-X`` only after
      those; the last tag is ``O``, ``E-`` or ``S-``.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    parts = [split_tag(tag) if is_span_tag(tag) and tag != OUTSIDE else None for tag in tags]

    def may_follow(before: tuple[str, str] | None, after: tuple[str, str] | None) -> bool:
        """``before`` None: the sentence's start, or O; ``after`` None: its end, or O."""
        if scheme == "iob2":
            return (
                after is None or after[0] != "I" or (before is not None and before[1] == after[1])
            )
        if scheme == "iob1":
            return (
                after is None or after[0] != "B" or (before is not None and before[1] == after[1])
            )
        inside = before is not None and before[0] in "BI"  # bioes: a span is open
        if inside:
            return after is not None and after[0] in "IE" and after[1] == before[1]
        return after is None or after[0] in "BS"

    def free(tag_parts: tuple[str, str] | None, tag: str) -> bool:
        return tag_parts is None and tag != OUTSIDE  # a tag outside the scheme

    start = [free(p, t) or may_follow(None, p) for p, t in zip(parts, tags, strict=True)]
    end = [free(p, t) or may_follow(p, None) for p, t in zip(parts, tags, strict=True)]
    transitions = [
        [free(p, t) or free(q, u) or may_follow(p, q) for q, u in zip(parts, tags, strict=True)]
        for p, t in zip(parts, tags, strict=True)
    ]
    return start, transitions, end


def is_valid(tags: Sequence[str], scheme: str) -> bool:
    """Whether one sentence's tags break none of ``scheme``'s transitions."""
    names = sorted(set(tags))
    index = {tag: i for i, tag in enumerate(names)}
    start, transitions, end = allowed_transitions(names, scheme)
    ids = [index[tag] for tag in tags]
    if not ids:
        return True
    steps = all(transitions[a][b] for a, b in itertools.pairwise(ids))
    return start[ids[0]] and end[ids[-1]] and steps


@dataclass
class SpanCounts:
    """Gold, predicted and correct spans per type; add sentences, then read the scores.

    Counts add up (``a + b``), so batches, epochs or processes can be counted apart.
    """

    gold: dict[str, int] = field(default_factory=dict)
    predicted: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)

    def add(self, gold_tags: Sequence[str], predicted_tags: Sequence[str]) -> None:
        """Count one sentence's gold and predicted tags (of equal length)."""
        if len(gold_tags) != len(predicted_tags):
            raise ValueError(
                f"gold and predicted tags differ in length: {len(gold_tags)} vs "
                f"{len(predicted_tags)}"
            )
        gold, predicted = set(spans(gold_tags)), set(spans(predicted_tags))
        for counts, found in (
            (self.gold, gold),
            (self.predicted, predicted),
            (self.correct, gold & predicted),
        ):
            for span in found:
                counts[span.type] = counts.get(span.type, 0) + 1

    def __add__(self, other: SpanCounts) -> SpanCounts:
        total = SpanCounts()
        for name in ("gold", "predicted", "correct"):
            merged = dict(getattr(self, name))
            for kind, n in getattr(other, name).items():
                merged[kind] = merged.get(kind, 0) + n
            setattr(total, name, merged)
        return total

    def scores(self) -> dict[str, Any]:
        """Overall precision/recall/F1 (fractions) and counts, and the same per type.

        As conlleval prints them: the overall figures count every span, the per-type
        table leaves out spans without a type (tags ``B``, ``I`` alone).
        """
        types = sorted((set(self.gold) | set(self.predicted)) - {""})
        result = _prf(
            sum(self.correct.values()), sum(self.predicted.values()), sum(self.gold.values())
        )
        result["per_type"] = {
            kind: _prf(
                self.correct.get(kind, 0), self.predicted.get(kind, 0), self.gold.get(kind, 0)
            )
            for kind in types
        }
        return result


def _prf(correct: int, predicted: int, gold: int) -> dict[str, Any]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "gold": gold,
        "predicted": predicted,
        "correct": correct,
    }


def span_scores(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]
) -> dict[str, Any]:
    """conlleval's precision, recall and F1 of ``predicted`` tag sequences against ``gold``
    (one sequence a sentence): see :meth:`SpanCounts.scores`."""
    counts = SpanCounts()
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        counts.add(gold_tags, predicted_tags)
    return counts.scores()
