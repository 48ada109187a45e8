"""The inspection tools' view of a trained run: the base of every task's inspector part.

An :class:`Inspector` knows how text becomes the model's input tensors (the task's codec),
what the LSTM reads (the model's ``lstm_inputs``), what the model answers (``predict``: a
JSON-ready dict that names its ``panel``, the renderer the page uses for it) and which
validation texts the unit search looks in. Each task package holds its subclass (its
``inspector`` part); :func:`inspector_for` finds it through the task registry.

Panels the page knows: ``classes`` (a label, class probabilities, per-word evidence),
``tags`` (a tag and its probability per word) and ``next-words`` (a language model's next
words, with a generate button). A new task picks one of them, or gets its answer shown as
JSON.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor

from lstmlab.errors import ConfigError, DataError
from lstmlab.inspect.trace import Trace, batch_gates, trace_inputs, transparent_copy
from lstmlab.nn import LSTM, LSTMGates

Example = dict[str, Tensor]
Progress = Callable[[int, int], None]  # (tokens done, tokens in all)


@dataclass
class Encoded:
    """One text as the model sees it: display tokens and the example's tensors (``ids`` [T])."""

    tokens: list[str]
    example: Example
    dropped: int = 0  # tokens cut by the run's max_len truncation


class Inspector:
    """Base class: the task-independent parts; a task overrides :meth:`predict` (and
    :meth:`validation_texts` when its validation data keeps other tokens than it shows)."""

    panel: ClassVar[str] = ""  # the page's renderer of predict()'s answer

    def __init__(self, trained: Any) -> None:
        self.trained = trained
        self.task: str = trained.task
        self.model = trained.model.eval()
        self.config = trained.config
        self.vocabs = trained.vocabs
        self.codec = trained.codec
        self._lstm: LSTM | None = None

    # --- the task's -------------------------------------------------------------------------

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        """The task's answer for ``text`` as a JSON-ready dict (with ``"tokens"``).

        ``evidence``: also say which words the answer rests on, where the task can (one
        more forward pass per token); False is faster. ``progress(done, total)`` is called
        as the evidence is computed.
        """
        raise NotImplementedError

    def answer(self, **fields: Any) -> dict[str, Any]:
        """An answer dict: the task, the panel that shows it, then ``fields``."""
        return {"task": self.task, "panel": self.panel, **fields}

    def validation_texts(self, data_dir: str | None) -> list[Encoded]:
        """The run's validation split (same seed and split as training), encoded; its
        tokens as the vocabulary spells them."""
        from lstmlab.tasks import get_task

        try:
            prepared = get_task(self.task).trainer().prepare(self.config, data_dir)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the run's validation data: {error}") from None
        tokens = self.vocabs["vocab"]["tokens"]
        return [
            Encoded([tokens[i] for i in example["ids"].tolist()], example)
            for example in prepared.val
        ]

    # --- shared -------------------------------------------------------------------------------

    def encode(self, text: str) -> Encoded:
        """Text -> tokens and tensors, exactly as the task's predictor encodes it (its codec)."""
        encoded = self.codec.encode(text)
        if not encoded.tokens:
            raise ConfigError("the text holds no words")
        example = {name: torch.tensor(value) for name, value in encoded.features.items()}
        return Encoded(encoded.tokens, example, encoded.dropped)

    def validation_examples(self, data_dir: str | None) -> list[Encoded]:
        """What the unit search looks in (see :meth:`validation_texts`)."""
        return self.validation_texts(data_dir)

    def lstm_input(self, batch: Example) -> Tensor:
        """What ``model.lstm`` reads: batch tensors (``ids`` [B, T], ...) -> ``(B, T, F)``."""
        wanted = inspect.signature(self.model.lstm_inputs).parameters
        return self.model.lstm_inputs(**{k: v for k, v in batch.items() if k in wanted})

    @property
    def lstm(self) -> LSTM:
        """The transparent copy of ``model.lstm`` (made once)."""
        if self._lstm is None:
            self._lstm = transparent_copy(self.model.lstm)
        return self._lstm

    @property
    def num_layers(self) -> int:
        return self.lstm.num_layers

    @property
    def directions(self) -> list[str]:
        return ["fwd", "bwd"] if self.lstm.bidirectional else ["fwd"]

    @property
    def hidden_size(self) -> int:
        return self.lstm.hidden_size

    def describe(self) -> dict[str, Any]:
        """Task, panel and LSTM shape, for listings."""
        return {
            "task": self.task,
            "panel": self.panel,
            "generates": callable(getattr(self, "generate", None)),
            "layers": self.num_layers,
            "directions": self.directions,
            "hidden_size": self.hidden_size,
        }

    @torch.no_grad()
    def trace(self, encoded: Encoded) -> Trace:
        """Every gate of the run's LSTM over one encoded text."""
        batch = {
            key: value.unsqueeze(0)
            for key, value in encoded.example.items()
            if isinstance(value, Tensor)
        }
        return trace_inputs(self.lstm, self.lstm_input(batch), encoded.tokens)

    @torch.no_grad()
    def batch_trace(self, examples: list[Encoded]) -> tuple[dict[str, LSTMGates], Tensor]:
        """Gates of a batch of examples, right-padded: tensors ``(B, T, H)``, lengths ``(B,)``."""
        from lstmlab.data.batching import collate

        batch = collate([e.example for e in examples])
        return batch_gates(self.lstm, self.lstm_input(batch), batch["lengths"]), batch["lengths"]


def inspector_for(trained: Any) -> Inspector:
    """The inspector of a loaded run (``lstmlab.load(run_dir)``), from its task's registry entry."""
    from lstmlab.tasks import get_task

    spec = get_task(trained.task)
    if not spec.supports("inspector"):
        raise ConfigError(f"lstmlab cannot look inside {trained.task} runs yet")
    return spec.part("inspector")(trained)


def sample(
    examples: list[Encoded], max_examples: int, max_tokens: int, seed: int = 0
) -> list[Encoded]:
    """A seeded sample of at most ``max_examples`` examples and about ``max_tokens`` tokens."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    chosen, total = [], 0
    for index in order[:max_examples]:
        if chosen and total + len(examples[index].tokens) > max_tokens:
            continue
        chosen.append(examples[index])
        total += len(examples[index].tokens)
    return chosen
