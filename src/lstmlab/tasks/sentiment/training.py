"""Training a sentiment classifier: cross-entropy over reviews; one unit = one review.

Examples are ``{"ids": LongTensor[T], "label": int}``; the model is
:class:`lstmlab.models.classifier.TextClassifier`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.data.review_files import LABEL_NAMES, read_review_file
from lstmlab.data.splits import seeded_subset, train_val_split
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError
from lstmlab.models.classifier import TextClassifier, TextClassifierConfig
from lstmlab.tasks.base import Example, Prepared, StepResult, TaskTraining
from lstmlab.tasks.lm.finetune import StartsFromLanguageModel
from lstmlab.tasks.sentiment.codec import ReviewCodec
from lstmlab.tasks.sentiment.config import SentimentData
from lstmlab.tasks.vectors import freeze
from lstmlab.training.config import RunConfig
from lstmlab.training.metrics import (
    averaged_probabilities,
    classification_report,
    probability_metrics,
)


class SentimentTraining(StartsFromLanguageModel, TaskTraining):
    """Sentiment classification of reviews (IMDb or labelled review files)."""

    model_config = TextClassifierConfig
    pretrained_embedding = ("embedding", "model.embedding_dim")
    select = "val_accuracy"

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        logits = model(batch["ids"], batch["lengths"])
        labels = batch["label"]
        loss_sum = F.cross_entropy(logits, labels, reduction="sum")
        correct = int((logits.argmax(dim=-1) == labels).sum())
        outputs = None
        if not model.training:  # the evaluation keeps each review's probabilities
            outputs = list(torch.softmax(logits.detach().float(), dim=-1).cpu().numpy())
        return StepResult(loss_sum, {"units": labels.numel(), "correct": correct}, outputs)

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: SentimentData = config.data
        given = self.language_model_vocab(config, cfg)  # fine-tuning: the LM's words
        vocab, (train_ids, train_labels), (test_ids, test_labels) = _load_encoded(
            cfg, data_dir, given
        )
        codec = ReviewCodec(cfg, {"vocab": vocab.to_dict()})
        seed = config.train.seed
        train_index, val_index = train_val_split(len(train_ids), cfg.val_fraction, seed)
        # Quick seeded subsets (data.max_train ...): a tiny run of seconds.
        train_index = cut(train_index, cfg.max_train, seed)
        val_index = cut(val_index, cfg.max_valid, seed)
        test_index = cut(list(range(len(test_ids))), cfg.max_test, seed)

        def examples(ids: list[Tensor], labels: list[int], index: range | list[int]):
            return [example(codec, ids[i], labels[i]) for i in index]

        return Prepared(
            train=examples(train_ids, train_labels, train_index),
            val=examples(train_ids, train_labels, val_index),
            test=examples(test_ids, test_labels, test_index),
            vocabs={"vocab": vocab.to_dict()},
            info={
                "train": len(train_index),
                "validation": len(val_index),
                "test": len(test_index),
                "vocabulary": len(vocab),
            },
        )

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> TextClassifier:
        model = TextClassifier.from_config(
            config.model, len(vocabs["vocab"]["tokens"]), len(LABEL_NAMES)
        )
        if config.model.freeze_embeddings:
            freeze(model.embedding)
        return model

    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        """Confusion matrix and per-class scores; with a run folder, ``confusion.png``."""
        predicted = np.array([int(np.argmax(row)) for row in outputs], dtype=np.int64)
        true = np.array([e["label"] for e in examples], dtype=np.int64)
        return classification_report(
            true, predicted, list(LABEL_NAMES), run_dir, "IMDb test: confusion matrix"
        )

    def average_outputs(
        self,
        examples: list[list[Example]],
        outputs: list[list[Any]],
        vocabs: list[dict[str, Any]],
    ) -> list[Any]:
        """The runs' probabilities averaged (each run read the same reviews)."""
        labels = [np.array([e["label"] for e in run], dtype=np.int64) for run in examples]
        return averaged_probabilities(labels, outputs)

    def output_metrics(self, examples: list[Example], outputs: list[Any]) -> dict[str, float]:
        """Loss and accuracy of (averaged) probabilities."""
        labels = np.array([e["label"] for e in examples], dtype=np.int64)
        return probability_metrics(labels, outputs)

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a labelled review file, encoded with a trained run's vocabulary."""
        codec = ReviewCodec(config.data, vocabs)
        texts, labels = read_review_file(path)
        return [
            example(codec, torch.tensor(codec.encode_tokens(codec.tokenize(t))), y)
            for t, y in zip(texts, labels, strict=True)
        ]

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        lines = [f"accuracy   {metrics['accuracy']:.4f}", f"loss       {metrics['loss']:.4f}"]
        for label, scores in metrics["per_class"].items():
            lines.append(
                f"{label:<4} precision {scores['precision']:.3f}  recall "
                f"{scores['recall']:.3f}  F1 {scores['f1']:.3f}  ({scores['support']:,})"
            )
        return lines


def cut(index: list[int], size: int, seed: int) -> list[int]:
    """A seeded subset of ``size`` of the indices (all of them for 0)."""
    return [index[i] for i in seeded_subset(len(index), size, seed)]


def example(codec: ReviewCodec, ids: Tensor, label: int) -> Example:
    """One review's example: its ids as the model reads them (truncated; reversed with
    ``data.reverse``), and its label."""
    return {"ids": codec.as_read(ids), "label": int(label)}


def _load_encoded(cfg: SentimentData, data_dir: str | None, vocab: Vocab | None = None):
    """(vocab, (train ids, labels), (test ids, labels)) from IMDb's cache or review files.

    With ``vocab`` (a language model's), that vocabulary encodes both splits; else it is
    built from the training reviews.
    """
    if not cfg.train_file:
        encoded = load_imdb_encoded(
            data_dir,
            tokenizer=cfg.tokenizer,
            min_freq=cfg.min_freq,
            max_size=cfg.max_size or None,
            vocab=vocab,
        )
        return (
            encoded.vocab,
            (encoded.train.ids, encoded.train.labels.tolist()),
            (encoded.test.ids, encoded.test.labels.tolist()),
        )
    tokenize = get_tokenizer(cfg.tokenizer)
    train_texts, train_labels = read_review_file(Path(cfg.train_file))
    if len(set(train_labels)) < 2:
        only = LABEL_NAMES[train_labels[0]]
        raise DataError(
            f"{cfg.train_file} holds only {only} reviews; a classifier needs "
            "both pos and neg examples to learn from"
        )
    test_texts, test_labels = read_review_file(Path(cfg.test_file))
    train_tokens = [tokenize(text) for text in train_texts]
    if vocab is None:
        vocab = Vocab.build(train_tokens, min_freq=cfg.min_freq, max_size=cfg.max_size or None)
    codec = ReviewCodec(cfg, {"vocab": vocab.to_dict()})

    def ids(tokens: list[str]) -> Tensor:
        return torch.tensor(codec.encode_tokens(tokens), dtype=torch.long)

    return (
        vocab,
        ([ids(tokens) for tokens in train_tokens], train_labels),
        ([ids(tokenize(text)) for text in test_texts], test_labels),
    )
