"""Checking a bundle against its own graph when the runtime loads it, before any text is read.

A bundle's files may have been edited, truncated or mixed with another bundle's. Every
check here turns what would later be a wrong answer or an ONNX Runtime traceback into one
:class:`~lstmlab.errors.CheckpointError` line at load:

- the task is one this runtime runs (its codec describes its graph: ``runtime``), and its
  preprocessing settings have the right types
  and ranges (batch size, labels, tokenizer, truncation, word length, CRF shapes);
- the vocabularies the task needs are there and are vocabularies;
- the graph reads only inputs the runtime feeds (int64, of the right rank) and has one
  output;
- one probe batch, made of the largest id of every vocabulary, runs: a vocabulary larger
  than the graph's embedding fails here, and the output's size must be the label or tag
  count; the id one past each vocabulary's end must fail (an embedding has one row per
  word): a smaller vocabulary, such as another bundle's, is refused too.

Imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmlab.data.tokenize import TOKENIZERS
from lstmlab.data.truncation import TRUNCATE_MODES
from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError, DataError


@dataclass(frozen=True)
class RuntimeTask:
    """What the runtime feeds a task's graph and what it reads back."""

    inputs: dict[str, int]  # input name -> rank
    states: tuple[str, ...]  # vocabularies it needs
    output_rank: int
    classes: str  # what the output's last axis counts: preprocess.labels or a vocabulary
    # Vocabularies the graph looks up in an embedding of their size, with the input that
    # carries their ids (checked when the graph reads that input).
    embedded: tuple[tuple[str, str], ...] = (("vocab", "ids"),)


# A task's codec describes its graph for these checks: ``runtime`` (a RuntimeTask),
# ``check_preprocess(where, pre)`` (its own preprocess settings) and ``probe_inputs(top)``
# (its feeds beyond ids and lengths for one two-token text, from each vocabulary's top id).


def runtime_task(where: str, codec: Any) -> RuntimeTask | None:
    """The runtime's description of a task's graph (its codec's ``runtime``), or None when
    the codec gives none (its bundles are then read without these checks)."""
    spec = getattr(codec, "runtime", None)
    return spec if isinstance(spec, RuntimeTask) else None


def positive_int(where: str, key: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CheckpointError(
            f"{where}: preprocess.{key} must be an integer >= {minimum}, got {value!r}"
        )
    return value


def check_preprocess(where: str, codec: Any, pre: dict[str, Any]) -> None:
    """Types and ranges of the manifest's ``preprocess`` settings: the batch size, then the
    task's own (its codec's ``check_preprocess``)."""
    positive_int(where, "batch_size", pre.get("batch_size", 256))
    own = getattr(codec, "check_preprocess", None)
    if own is not None:
        own(where, pre)


def check_labels(where: str, labels: Any) -> None:
    """``preprocess.labels``: two or more distinct label names."""
    if (
        not isinstance(labels, list)
        or len(labels) < 2
        or not all(isinstance(label, str) and label for label in labels)
        or len(set(labels)) != len(labels)
    ):
        raise CheckpointError(
            f"{where}: preprocess.labels must list two or more distinct label names, got {labels!r}"
        )


def check_tokenizing(where: str, pre: dict[str, Any]) -> None:
    """``preprocess.tokenizer``, ``max_len`` and ``truncate``."""
    tokenizer = pre.get("tokenizer")
    if not isinstance(tokenizer, str) or tokenizer not in TOKENIZERS:
        raise CheckpointError(
            f"{where}: unknown tokenizer {tokenizer!r}; "
            f"this lstmlab has {', '.join(sorted(TOKENIZERS))}"
        )
    if pre.get("max_len") is not None:
        positive_int(where, "max_len", pre["max_len"], minimum=0)
    if pre.get("truncate", "head") not in TRUNCATE_MODES:
        raise CheckpointError(
            f"{where}: preprocess.truncate must be one of {', '.join(TRUNCATE_MODES)}, "
            f"got {pre.get('truncate')!r}"
        )


def check_vocabs(where: str, spec: RuntimeTask, state: dict[str, Any]) -> dict[str, Vocab]:
    """The vocabularies the task's graph needs, each checked to be one."""
    vocabs = {}
    for name in spec.states:
        if name not in state:
            raise CheckpointError(f"{where} has no {name!r} vocabulary (its {name}.json)")
    for name in spec.states:  # other state files are the task's own (its codec reads them)
        value = state[name]
        try:
            vocabs[name] = Vocab.from_dict(value)
        except DataError as error:
            raise CheckpointError(f"{where}: {name}.json is not a vocabulary: {error}") from None
        if not vocabs[name].tokens:
            raise CheckpointError(f"{where}: {name}.json is an empty vocabulary")
    return vocabs


def class_count(spec: RuntimeTask, pre: dict[str, Any], vocabs: dict[str, Vocab]) -> int:
    """How many scores the graph gives per text or token: labels, or tags."""
    return len(pre["labels"]) if spec.classes == "labels" else len(vocabs[spec.classes])


def check_crf(where: str, crf: Any, tags: int) -> None:
    """A CRF's start [K], end [K] and transitions [K, K] scores: finite numbers, K = tags."""
    if crf is None:
        return
    shapes = {"start": (tags,), "end": (tags,), "transitions": (tags, tags)}
    if not isinstance(crf, dict):
        raise CheckpointError(f"{where}: preprocess.crf must be a table of scores")
    for key, shape in shapes.items():
        try:
            values = np.asarray(crf.get(key), dtype=np.float64)
        except (TypeError, ValueError):
            values = np.empty(0)
        if values.shape != shape or not np.isfinite(values).all():
            raise CheckpointError(
                f"{where}: preprocess.crf.{key} must be {' x '.join(map(str, shape))} finite "
                f"numbers (the tag set has {tags} tags)"
            )


def check_graph_inputs(where: str, task: str, spec: RuntimeTask, session: Any) -> None:
    """The graph reads only what the runtime feeds a ``task`` bundle, and has one output."""
    for item in session.get_inputs():
        rank = spec.inputs.get(item.name)
        if rank is None:
            raise CheckpointError(
                f"{where}: the graph needs an input {item.name!r} that a {task} bundle does not "
                f"have (it feeds {', '.join(spec.inputs)})"
            )
        if item.type != "tensor(int64)" or len(item.shape) != rank:
            raise CheckpointError(
                f"{where}: the graph's input {item.name!r} is {item.type} of rank "
                f"{len(item.shape)}; the runtime feeds int64 of rank {rank}"
            )
    if "ids" not in {item.name for item in session.get_inputs()}:
        raise CheckpointError(f"{where}: the graph does not read the token ids ('ids')")
    outputs = session.get_outputs()
    if len(outputs) != 1 or len(outputs[0].shape) != spec.output_rank:
        raise CheckpointError(
            f"{where}: the graph must have one output of rank {spec.output_rank}, "
            f"it has {len(outputs)}"
        )


def probe_feeds(
    codec: Any, vocabs: dict[str, Vocab], beyond: str | None = None
) -> dict[str, np.ndarray]:
    """One batch of two tokens: the largest id of every vocabulary, so an embedding smaller
    than its vocabulary fails now rather than on some later word. ``beyond``: that
    vocabulary's id one past its end instead (which must fail: an embedding has exactly
    one row per word).

    Returns ``ids`` [1, 2] and ``lengths`` [1], int64, and the task's other inputs for one
    text of two tokens (its codec's ``probe_inputs``).
    """
    top = {name: len(vocab) - 1 + (name == beyond) for name, vocab in vocabs.items()}
    ids = np.array([[top["vocab"], 0]], dtype=np.int64)
    feeds = {"ids": ids, "lengths": np.array([2], dtype=np.int64)}
    more = getattr(codec, "probe_inputs", None)
    if more is not None:
        feeds.update(more(top))
    return feeds


def embedded_vocabularies(spec: RuntimeTask, input_names: set[str]) -> list[str]:
    """The vocabularies whose ids the graph looks up in an embedding of their size."""
    return [name for name, carried_by in spec.embedded if carried_by in input_names]


def check_probe(where: str, spec: RuntimeTask, output: np.ndarray, classes: int) -> None:
    """The probe's output: finite, with ``classes`` scores per row or token."""
    if output.ndim != spec.output_rank or output.shape[-1] != classes:
        raise CheckpointError(
            f"{where}: the graph gives {output.shape[-1] if output.ndim else 0} scores per "
            f"{'token' if spec.output_rank == 3 else 'text'} but the bundle has {classes} "
            f"{spec.classes} (its files do not belong together)"
        )
    if not np.isfinite(output).all():
        raise CheckpointError(f"{where}: the graph's output is not finite (broken weights?)")


def first_line(error: BaseException, limit: int = 200) -> str:
    """An ONNX Runtime error's first line, shortened: what a one-line message can quote."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"
