"""The predictor base: a trained run (or an exported bundle) loaded for use. Imports no torch.

``lstmlab.load(RUN)`` and :func:`lstmlab.runtime.load_bundle` both return the task's
predictor (a :class:`Predictor` subclass with typed methods such as ``predict``, ``tag`` or
``generate``). What differs is the *backend* that runs the model on a padded batch: the
PyTorch model, or ONNX Runtime on the bundle's graph. Everything around it — text to ids,
batches of similar lengths, answers back in input order — is the task's codec and
:func:`predict_in_batches`, the same code on both paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from lstmlab.errors import ConfigError

Item = TypeVar("Item")
Row = TypeVar("Row")


class Backend(Protocol):
    """Runs the model's graph: named numpy inputs of a padded batch -> its first output."""

    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray: ...


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices sorted by (length, index), in chunks of ``batch_size``: the evaluation's batches
    (``BucketBatchSampler(shuffle=False)`` makes the same ones)."""
    if batch_size < 1:
        raise ConfigError(f"the batch size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def predict_in_batches(
    items: Sequence[Item],
    lengths: Sequence[int],
    batch_size: int,
    run: Callable[[list[Item]], Sequence[Row]],
) -> list[Row]:
    """``run`` over batches of similar lengths; its rows put back in the items' order."""
    out: list[Any] = [None] * len(items)
    for order in length_batches(lengths, batch_size):
        rows = run([items[i] for i in order])
        for index, row in zip(order, rows, strict=True):
            out[index] = row
    return out


# Set in __init__: never answered by __getattr__ (e.g. while unpickling, or half-built).
OWN_ATTRIBUTES = ("spec", "task", "codec", "backend", "vocabs", "config", "preprocess")


class NotOffered(AttributeError, ConfigError):
    """A method this task's predictor does not have: ``hasattr`` is False, and calling it
    gives one line saying what the model offers."""


class Predictor:
    """A trained model of one task, ready to use; subclasses add the task's methods.

    Attributes: ``task`` (its name), ``config`` (the run's :class:`RunConfig`), ``vocabs``
    (the vocabularies and label sets by name), ``codec`` (the task's codec for them),
    ``preprocess`` and ``backend``; with PyTorch also ``model`` (eval mode).
    """

    batch_size = 256  # the batches predictions run in (as the evaluation's)

    def __init__(
        self,
        spec: Any,
        config: Any,
        vocabs: dict[str, Any],
        backend: Backend,
        preprocess: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.task: str = spec.name
        self.config = config
        self.vocabs = vocabs
        self.backend = backend
        # What happens around the graph (a bundle's bundle.json "preprocess"; for a run,
        # what its export part would write), e.g. a CRF's transition scores.
        self.preprocess = preprocess or {}
        self.codec = spec.part("codec")(config.data, vocabs) if spec.codec else None

    @property
    def model(self) -> Any:
        """The PyTorch model (not there for an ONNX bundle)."""
        model = getattr(self.backend, "model", None)
        if model is None:
            raise NotOffered(f"this {self.task} predictor runs an ONNX graph, not a PyTorch model")
        return model

    @property
    def state(self) -> dict[str, Any]:
        """The vocabularies (the name older notebooks used; see ``vocabs``)."""
        return self.vocabs

    def offers(self) -> list[str]:
        """The task's own public methods (``predict``, ``tag`` ...)."""
        base = set(dir(Predictor))
        return sorted(
            name
            for name in dir(type(self))
            if not name.startswith("_") and name not in base and callable(getattr(self, name))
        )

    def command_output(self, texts: list[str], *, as_json: bool, **options: Any) -> Iterator[str]:
        """What the task's prediction command prints for ``texts``, in pieces (a piece ends
        with a newline where a line ends; a language model streams its words)."""
        raise NotOffered(f"the {self.task} task has no prediction command")

    def file_output(self, path: Path, *, as_json: bool, **options: Any) -> Iterator[str] | None:
        """What the prediction command prints for ``--file FILE`` when the task reads the
        file itself (a tagger run with feature columns reads a CoNLL file); None: the file
        holds one text a line, as :meth:`command_output` takes them."""
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in (
            "spec",
            "codec",
            "backend",
            "vocabs",
            "config",
            "preprocess",
        ):
            raise AttributeError(name)
        offered = ", ".join(self.offers()) or "no methods"
        raise NotOffered(f"this is a {self.task} model; it offers {offered}, not {name}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(task={self.task!r})"

    def run_rows(self, encoded: Sequence[Any], lengths: Sequence[int]) -> list[np.ndarray]:
        """The model's output row of each encoded item, in their order (padded batches of
        similar lengths through the backend; ``codec.pad`` makes the feeds)."""

        def run(batch: list[Any]) -> list[np.ndarray]:
            output = self.backend.run(self.codec.pad(batch))
            return [self.codec.unpad(output, row, item) for row, item in enumerate(batch)]

        return predict_in_batches(encoded, lengths, self.batch_size, run)
