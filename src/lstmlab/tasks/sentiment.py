"""Sentiment classification of reviews (IMDb, or labelled review files).

Examples are ``{"ids": LongTensor[T], "label": int}``; the model is
:class:`lstmlab.models.sentiment.SentimentClassifier`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.data.batching import TRUNCATE_MODES, truncate
from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.data.review_files import LABEL_NAMES, read_review_file
from lstmlab.data.splits import train_val_split
from lstmlab.data.tokenize import TOKENIZERS, get_tokenizer
from lstmlab.data.vocab import DEFAULT_SPECIALS, Vocab
from lstmlab.errors import ConfigError, DataError
from lstmlab.models.sentiment import SentimentClassifier, SentimentClassifierConfig
from lstmlab.tasks.registry import register_task
from lstmlab.tasks.vectors import freeze, init_from_vectors
from lstmlab.training.config import RunConfig, check
from lstmlab.training.metrics import confusion_matrix, per_class_scores
from lstmlab.training.plots import plot_confusion
from lstmlab.training.task import Example, Prepared, StepResult, Task, file_overrides
from lstmlab.training.trainer import make_loader, to_device


@dataclass
class SentimentData:
    """Where reviews come from and how they become ids."""

    train_file: str = ""  # labelled review file (label<TAB>text); empty: IMDb
    test_file: str = ""
    tokenizer: str = "review"
    min_freq: int = 1
    max_size: int = 0  # vocabulary size limit, <pad> and <unk> included; 0 = no limit
    max_len: int = 0  # tokens kept per review; 0 = all
    truncate: str = "head"  # "head", "tail" or "head+tail"
    val_fraction: float = 0.1

    def validate(self) -> None:
        check(self.tokenizer in TOKENIZERS, f"data.tokenizer must be one of {sorted(TOKENIZERS)}")
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(self.max_size >= 0 and self.max_len >= 0, "data.max_size/max_len must be >= 0")
        check(
            self.max_size == 0 or self.max_size > len(DEFAULT_SPECIALS),
            f"data.max_size must be 0 (no limit) or more than {len(DEFAULT_SPECIALS)} "
            "(<pad> and <unk> count)",
        )
        check(
            self.truncate in TRUNCATE_MODES,
            f"data.truncate must be one of {', '.join(TRUNCATE_MODES)}",
        )
        check(0 < self.val_fraction < 1, "data.val_fraction must be in (0, 1)")
        check(
            bool(self.train_file) == bool(self.test_file),
            "data.train_file and data.test_file go together",
        )


class SentimentTask(Task):
    """Sentiment classification: cross-entropy over reviews; one unit = one review."""

    name = "sentiment"
    help = "sentiment classification: IMDb (or your own labelled reviews)"
    data_cls = SentimentData
    model_cls = SentimentClassifierConfig
    predict_command = "predict"
    predict_help = "label reviews with a trained sentiment run"

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        logits = model(batch["ids"], batch["lengths"])
        labels = batch["label"]
        loss_sum = F.cross_entropy(logits, labels, reduction="sum")
        correct = int((logits.argmax(dim=-1) == labels).sum())
        return StepResult(loss_sum, labels.numel(), correct)

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: SentimentData = config.data
        given = None
        if config.model.init_from:  # fine-tuning: the language model's words and tokenizer
            from lstmlab.tasks.finetune import check_compatible, read_lm_run

            lm_config, given = read_lm_run(config.model.init_from)
            check_compatible(config.model, cfg.tokenizer, lm_config)
        vocab, (train_ids, train_labels), (test_ids, test_labels) = _load_encoded(
            cfg, data_dir, given
        )
        train_index, val_index = train_val_split(
            len(train_ids), cfg.val_fraction, config.train.seed
        )

        def examples(ids: list[Tensor], labels: list[int], index: range | list[int]):
            return [make_example(ids[i], labels[i], cfg) for i in index]

        return Prepared(
            train=examples(train_ids, train_labels, train_index),
            val=examples(train_ids, train_labels, val_index),
            test=examples(test_ids, test_labels, range(len(test_ids))),
            state={"vocab": vocab.to_dict()},
            info={
                "train": len(train_index),
                "validation": len(val_index),
                "test": len(test_ids),
                "vocabulary": len(vocab),
            },
        )

    def build_model(self, config: RunConfig, state: dict[str, Any]) -> SentimentClassifier:
        model = SentimentClassifier.from_config(
            config.model, len(state["vocab"]["tokens"]), len(LABEL_NAMES)
        )
        if config.model.freeze_embeddings:
            freeze(model.embedding)
        return model

    def init_weights(
        self, model: nn.Module, config: RunConfig, state: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Start from a language-model run's embedding and LSTM (``model.init_from``), or
        from pretrained word vectors (``model.pretrained_vectors``)."""
        if config.model.init_from:
            from lstmlab.tasks.finetune import load_encoder_weights

            load_encoder_weights(model, config.model)
        if config.model.pretrained_vectors and state is not None:
            return {
                "pretrained_vectors": init_from_vectors(
                    model.embedding,
                    config.model.pretrained_vectors,
                    state["vocab"]["tokens"],
                    "model.embedding_dim",
                )
            }
        return None

    def param_groups(self, model: nn.Module) -> list[list[nn.Parameter]] | None:
        """Embedding, each LSTM layer, head (see SentimentClassifier.param_groups)."""
        groups = getattr(model, "param_groups", None)
        return groups() if groups else None

    def report(
        self,
        model: nn.Module,
        examples: list[Example],
        state: dict[str, Any],
        run_dir: Path | None,
        device: torch.device,
    ) -> dict[str, Any]:
        """Confusion matrix and per-class scores; with a run folder, ``confusion.png``."""
        predicted, _ = predict_examples(model, examples, device)
        true = np.array([example["label"] for example in examples])
        confusion = confusion_matrix(true, predicted, len(LABEL_NAMES))
        if run_dir is not None:
            plot_confusion(
                confusion,
                list(LABEL_NAMES),
                run_dir / "confusion.png",
                "IMDb test: confusion matrix",
            )
        return {
            "confusion": confusion.tolist(),
            "labels": list(LABEL_NAMES),
            "per_class": per_class_scores(confusion, list(LABEL_NAMES)),
        }

    def labelled_examples(
        self, config: RunConfig, state: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a labelled review file, encoded with a trained run's vocabulary."""
        vocab = Vocab.from_dict(state["vocab"])
        tokenize = get_tokenizer(config.data.tokenizer)
        texts, labels = read_review_file(path)
        return [
            make_example(encode(vocab, tokenize(t)), y, config.data)
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

    def add_train_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--train",
            dest="train_file",
            help="your own training file ('pos<TAB>text' / 'neg<TAB>text' lines)",
        )
        parser.add_argument("--test", dest="test_file", help="your own test file")

    def train_overrides(self, args: argparse.Namespace) -> list[str]:
        return file_overrides(args, ("train_file", "test_file"))

    def api_predict(self, trained: Any, texts: str | list[str]) -> Any:
        """Label and probability of one review (a dict) or of each review in a list."""
        if not isinstance(texts, str) and not all(isinstance(t, str) for t in texts):
            raise ConfigError("predict() takes a review (a string) or a list of reviews")
        results = predict_texts(
            trained.model,
            trained.config,
            trained.state,
            [texts] if isinstance(texts, str) else list(texts),
        )
        return results[0] if isinstance(texts, str) else results

    def run_predict(self, trained: Any, texts: list[str], args: argparse.Namespace) -> None:
        for result in predict_texts(trained.model, trained.config, trained.state, texts):
            if args.json:
                print(json.dumps(result))
            else:
                print(f"{result['label']}\t{result['probability']:.3f}\t{result['text']}")


def make_example(ids: Tensor, label: int, cfg: SentimentData) -> Example:
    return {"ids": truncate(ids, cfg.max_len or None, cfg.truncate), "label": int(label)}


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
    return (
        vocab,
        ([encode(vocab, tokens) for tokens in train_tokens], train_labels),
        ([encode(vocab, tokenize(text)) for text in test_texts], test_labels),
    )


def encode(vocab: Vocab, tokens: list[str]) -> Tensor:
    """Token ids [T]; an empty review becomes a single ``<unk>`` so it still has a step."""
    return torch.tensor(vocab.encode(tokens) or [vocab.unk_index], dtype=torch.long)


@torch.no_grad()
def predict_examples(
    model: nn.Module, examples: list[Example], device: torch.device, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class and class probabilities ``[N, C]`` for ``examples``, in their order."""
    model.eval()
    loader = make_loader(examples, batch_size, shuffle=False, seed=0)
    order = [i for batch in loader.batch_sampler for i in batch]
    chunks = [
        torch.softmax(model(b["ids"], b["lengths"]), dim=-1).cpu()
        for b in (to_device(batch, device) for batch in loader)
    ]
    probabilities = np.empty((len(examples), len(LABEL_NAMES)), dtype=np.float64)
    if chunks:
        probabilities[order] = torch.cat(chunks).numpy()
    return probabilities.argmax(axis=1), probabilities


def predict_texts(
    model: nn.Module, config: RunConfig, state: dict[str, Any], texts: list[str]
) -> list[dict[str, Any]]:
    """Label and probability of each review text (used by ``lstmlab predict``)."""
    cfg: SentimentData = config.data
    vocab = Vocab.from_dict(state["vocab"])
    tokenize = get_tokenizer(cfg.tokenizer)
    examples = [make_example(encode(vocab, tokenize(text)), 0, cfg) for text in texts]
    device = next(model.parameters()).device
    predicted, probabilities = predict_examples(model, examples, device)
    return [
        {
            "text": text,
            "label": LABEL_NAMES[label],
            "probability": float(probabilities[i, label]),
            "p_pos": float(probabilities[i, 1]),
        }
        for i, (text, label) in enumerate(zip(texts, predicted, strict=True))
    ]


SENTIMENT = register_task(SentimentTask())
