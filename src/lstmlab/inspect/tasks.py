"""Per-task glue between a trained run and the inspection tools.

An :class:`Inspector` knows, for one task, how text becomes the model's input tensors, what
the LSTM reads (``lstm_input``), what the model predicts (``predict``: a JSON-ready dict,
the task's panel on the web page) and which validation sentences the unit search looks in.
Tasks register a class in :data:`INSPECTORS`; :func:`inspector_for` picks it from
``trained.task``. A new task (the language model) adds one subclass and one entry.
"""

from __future__ import annotations

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
    """Base class: the task-independent parts. Subclasses fill in the ``NotImplemented`` ones."""

    task: ClassVar[str] = ""

    def __init__(self, trained: Any) -> None:
        self.trained = trained
        self.model = trained.model.eval()
        self.config = trained.config
        self.state = trained.state
        self._lstm: LSTM | None = None

    # --- task-specific ----------------------------------------------------------------------

    def encode(self, text: str) -> Encoded:
        """Text -> tokens and tensors, exactly as the task's predict command encodes it."""
        raise NotImplementedError

    def lstm_input(self, batch: Example) -> Tensor:
        """What ``model.lstm`` reads: batch tensors (``ids`` [B, T], ...) -> ``(B, T, F)``."""
        raise NotImplementedError

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        """The task's answer for ``text`` as a JSON-ready dict (with ``"tokens"``).

        ``evidence``: also say which words the answer rests on, where the task can (sentiment:
        leave-one-out evidence, one more forward pass per token); False is faster.
        ``progress(done, total)`` is called as the evidence is computed.
        """
        raise NotImplementedError

    def validation_examples(self, data_dir: str | None) -> list[Encoded]:
        """The run's validation split (same seed and split as training), encoded."""
        from lstmlab.tasks import get_task

        try:
            prepared = get_task(self.task).prepare(self.config, data_dir)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the run's validation data: {error}") from None
        tokens = self.state["vocab"]["tokens"]
        return [
            Encoded([tokens[i] for i in example["ids"].tolist()], example)
            for example in prepared.val
        ]

    # --- shared -------------------------------------------------------------------------------

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
        """Task and LSTM shape, for listings."""
        return {
            "task": self.task,
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


class SentimentInspector(Inspector):
    task = "sentiment"

    def __init__(self, trained: Any) -> None:
        super().__init__(trained)
        from lstmlab.data.review_files import LABEL_NAMES
        from lstmlab.data.tokenize import get_tokenizer
        from lstmlab.data.vocab import Vocab

        self.labels = list(LABEL_NAMES)
        self.vocab = Vocab.from_dict(self.state["vocab"])
        self.tokenize = get_tokenizer(self.config.data.tokenizer)

    def encode(self, text: str) -> Encoded:
        from lstmlab.data.batching import truncate

        tokens = self.tokenize(text) or [self.vocab.tokens[self.vocab.unk_index]]
        cfg = self.config.data
        kept = truncate(list(range(len(tokens))), cfg.max_len or None, cfg.truncate)
        ids = torch.tensor(self.vocab.encode([tokens[i] for i in kept]), dtype=torch.long)
        return Encoded([tokens[i] for i in kept], {"ids": ids}, len(tokens) - len(kept))

    def lstm_input(self, batch: Example) -> Tensor:
        return self.model.embedding(batch["ids"])

    @torch.no_grad()
    def probabilities(self, ids: Tensor) -> Tensor:
        """Class probabilities of equally long id rows: ``[B, T]`` -> ``[B, C]``."""
        lengths = torch.full((ids.size(0),), ids.size(1), dtype=torch.long)
        return torch.softmax(self.model(ids, lengths), dim=-1)

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        from lstmlab.inspect.evidence import occlusion_evidence

        encoded = self.encode(text)
        ids = encoded.example["ids"]
        probabilities = self.probabilities(ids.unsqueeze(0))[0]
        label = int(probabilities.argmax())
        answer = {
            "task": self.task,
            "label": self.labels[label],
            "probability": float(probabilities[label]),
            "p_pos": float(probabilities[1]),
            "tokens": encoded.tokens,
            "unseen": (ids == self.vocab.unk_index).tolist(),
            "truncated": encoded.dropped,
        }
        if evidence:
            values = occlusion_evidence(
                self.probabilities,
                ids,
                positive_class=1,
                unk_index=self.vocab.unk_index,
                progress=progress,
            )
            answer["evidence"] = [round(float(value), 5) for value in values]
        return answer


class PosInspector(Inspector):
    task = "pos"

    def __init__(self, trained: Any) -> None:
        super().__init__(trained)
        from lstmlab.tasks.pos import SentenceEncoder

        self.encoder = SentenceEncoder(self.state, self.config.data)

    def encode(self, text: str) -> Encoded:
        from lstmlab.tasks.pos import split_words

        words = split_words(text)
        if not words:
            raise ConfigError("the sentence holds no words")
        return Encoded(words, self.encoder.example(words))

    def validation_examples(self, data_dir: str | None) -> list[Encoded]:
        """The run's validation sentences with their words as written (not lowercased)."""
        from lstmlab.tasks.pos import read_corpus

        try:
            _, val, _ = read_corpus(self.config.data, data_dir, self.config.train.seed)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the run's validation data: {error}") from None
        return [Encoded(s.words, self.encoder.example(s.words)) for s in val if s.words]

    def lstm_input(self, batch: Example) -> Tensor:
        # The tagger's forward up to its LSTM (see lstmlab.models.tagger), in eval mode.
        model = self.model
        features = [model.word_embedding(batch["ids"])]
        if model.char_encoder is not None:
            features.append(model.char_encoder(batch["chars"]))
        if model.casing_embedding is not None:
            features.append(model.casing_embedding(batch["casing"]))
        return torch.cat(features, dim=2)

    @torch.no_grad()
    def tag_probabilities(self, example: Example) -> tuple[Tensor, Tensor]:
        """Predicted tags ``[T]`` and each tag's probability ``[T]`` for one sentence.

        Softmax head: the softmax of the emissions. CRF head: the Viterbi path's tags with
        their marginal probabilities ``P(y_t = tag | sentence)``, the gradient of ``log Z``
        with respect to the emissions.
        """
        batch = {key: value.unsqueeze(0) for key, value in example.items()}
        lengths = torch.tensor([batch["ids"].size(1)])
        mask = torch.ones_like(batch["ids"], dtype=torch.bool)
        emissions = self.model(
            batch["ids"], lengths, chars=batch.get("chars"), casing=batch.get("casing")
        )
        tags = self.model.decode(emissions, mask)[0]
        if self.model.crf is None:
            marginals = torch.softmax(emissions[0], dim=-1)
        else:
            with torch.enable_grad():
                scores = emissions.detach().requires_grad_(True)
                (marginals,) = torch.autograd.grad(
                    self.model.crf.log_partition(scores, mask), scores
                )
            marginals = marginals[0]
        return tags, marginals.gather(1, tags.unsqueeze(1)).squeeze(1)

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        encoded = self.encode(text)
        tags, probabilities = self.tag_probabilities(encoded.example)
        names = self.encoder.tags.tokens
        unk = self.encoder.vocab.unk_index
        return {
            "task": self.task,
            "tokens": encoded.tokens,
            "tags": [names[t] for t in tags.tolist()],
            "probabilities": [round(float(p), 5) for p in probabilities],
            "unseen": (encoded.example["ids"] == unk).tolist(),
        }


class LmInspector(Inspector):
    """Language models: the next-word distribution after a text, and generation."""

    task = "lm"
    TOP_WORDS = 10

    def __init__(self, trained: Any) -> None:
        super().__init__(trained)
        from lstmlab.data.tokenize import get_tokenizer
        from lstmlab.data.vocab import Vocab
        from lstmlab.tasks.lm import EOS, SPECIALS

        self.vocab = Vocab.from_dict(self.state["vocab"])
        self.tokenize = get_tokenizer(self.config.data.tokenizer)
        self.eos = EOS
        self.never = [self.vocab.index(t) for t in SPECIALS if t in self.vocab]

    def encode(self, text: str) -> Encoded:
        """``<eos>`` (a document start, as the model was trained) and then the text's tokens."""
        tokens = [self.eos, *self.tokenize(text)]
        return Encoded(tokens, {"ids": torch.tensor(self.vocab.encode(tokens))})

    def lstm_input(self, batch: Example) -> Tensor:
        return self.model.embedding(batch["ids"])

    @torch.no_grad()
    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        """The likeliest next words, and how likely each word of the text was in its place."""
        encoded = self.encode(text)
        ids = encoded.example["ids"]
        features, _ = self.model(ids.unsqueeze(0))
        log_probs = self.model.log_probs(features[0])  # [T, V]: the word after each position
        last = log_probs[-1].clone()
        last[self.never] = float("-inf")
        top = last.topk(min(self.TOP_WORDS, last.numel() - len(self.never)))
        seen = log_probs[:-1].gather(1, ids[1:].unsqueeze(1)).squeeze(1).exp()
        return {
            "task": self.task,
            "tokens": encoded.tokens,
            "unseen": (ids == self.vocab.unk_index).tolist(),
            "next_words": [
                {"word": self.vocab.tokens[i], "probability": round(float(p), 5)}
                for i, p in zip(top.indices.tolist(), top.values.exp().tolist(), strict=True)
            ],
            # P(token t | the tokens before it); none for the <eos> the model starts from.
            "token_probabilities": [None, *(round(float(p), 5) for p in seen)],
        }

    def generate(
        self, text: str, tokens: int, temperature: float, top_k: int, seed: int
    ) -> dict[str, Any]:
        """``tokens`` words sampled after ``text`` (see :func:`lstmlab.tasks.lm.generate`)."""
        from lstmlab.tasks.lm import generate

        words = list(
            generate(
                self.model,
                self.config,
                self.state,
                text,
                tokens=tokens,
                temperature=temperature,
                top_k=top_k,
                seed=seed,
            )
        )
        return {"task": self.task, "prompt": self.tokenize(text), "words": words}


INSPECTORS: dict[str, type[Inspector]] = {
    SentimentInspector.task: SentimentInspector,
    PosInspector.task: PosInspector,
    LmInspector.task: LmInspector,
}


def inspector_for(trained: Any) -> Inspector:
    """The inspector of a loaded run (``lstmlab.load(run_dir)``)."""
    try:
        return INSPECTORS[trained.task](trained)
    except KeyError:
        raise ConfigError(f"lstmlab cannot look inside {trained.task} runs yet") from None


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
