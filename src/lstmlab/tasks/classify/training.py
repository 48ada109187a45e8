"""Training a text classifier: cross-entropy over texts (a sigmoid per label when
multi-label); one unit = one text.

Examples are ``{"ids": LongTensor[T], "label": int}`` (single-label) or ``{"ids",
"targets": FloatTensor[C]}`` (multi-label 0/1 rows); the model is
:class:`lstmlab.models.classifier.TextClassifier` with one output per class.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmlab.data.labelled import (
    LabelledFormat,
    LabelledText,
    check_known_labels,
    label_counts,
    label_names,
    read_labelled,
)
from lstmlab.data.memory import save_labelled_memory
from lstmlab.data.registry import locate
from lstmlab.data.splits import seeded_subset, train_val_split
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.trec import read_trec
from lstmlab.data.vocab import Vocab
from lstmlab.errors import ConfigError, DataError
from lstmlab.models.classifier import TextClassifier, TextClassifierConfig
from lstmlab.tasks.base import Example, Prepared, StepResult, TaskTraining
from lstmlab.tasks.classify.codec import TextCodec
from lstmlab.tasks.classify.config import ClassifyData
from lstmlab.tasks.classify.metrics import class_counts, multi_label_report, scores
from lstmlab.tasks.lm.finetune import StartsFromLanguageModel
from lstmlab.tasks.vectors import freeze
from lstmlab.training.config import RunConfig
from lstmlab.training.metrics import (
    averaged_probabilities,
    classification_report,
    probability_metrics,
)


def reading(cfg: ClassifyData) -> LabelledFormat:
    """How the run reads labelled files (format, columns, multi-label)."""
    return LabelledFormat(
        format=cfg.format,
        text_column=cfg.text_column,
        label_column=cfg.label_column,
        multi_label=cfg.multi_label,
        label_delimiter=cfg.label_delimiter,
    )


def read_splits(
    cfg: ClassifyData, data_dir: str | None, seed: int
) -> tuple[list[LabelledText], list[LabelledText], list[LabelledText]]:
    """(train, validation, test) examples: TREC or the files, validation carved from train
    unless given, each cut to its ``data.max_*`` seeded subset."""
    if cfg.corpus == "trec":
        qc = locate("trec", data_dir)
        train = read_trec(qc, "train", cfg.trec_labels)
        valid, test = None, read_trec(qc, "test", cfg.trec_labels)
    else:
        how = reading(cfg)
        train = read_labelled(cfg.train_file, how)
        valid = read_labelled(cfg.valid_file, how) if cfg.valid_file else None
        test = read_labelled(cfg.test_file, how) if cfg.test_file else []
    if valid is None:
        train_index, val_index = train_val_split(len(train), cfg.val_fraction, seed)
        train, valid = [train[i] for i in train_index], [train[i] for i in val_index]

    def cut(examples: list[LabelledText], size: int) -> list[LabelledText]:
        return [examples[i] for i in seeded_subset(len(examples), size, seed)]

    return cut(train, cfg.max_train), cut(valid, cfg.max_valid), cut(test, cfg.max_test)


class ClassifyTraining(StartsFromLanguageModel, TaskTraining):
    """Classification of texts into the training data's classes (or labels)."""

    model_config = TextClassifierConfig
    pretrained_embedding = ("embedding", "model.embedding_dim")

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        # Set by build_model (training, evaluation and loading all build the model first):
        # a step's counts name classes by id, and multi-label steps threshold sigmoids.
        self.num_classes = 0
        self.multi_label = False
        self.threshold = 0.5

    @property
    def select(self) -> str:  # type: ignore[override]
        """The default ``train.select``: validation accuracy, or micro-F1 when multi-label
        (set when the model is built)."""
        return "val_micro_f1" if self.multi_label else "val_accuracy"

    # ------------------------------------------------------------------ data and model
    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: ClassifyData = config.data
        train, valid, test = read_splits(cfg, data_dir, config.train.seed)
        labels = label_names(train)
        if len(labels) < 2:
            raise DataError(
                f"the training data has {len(labels)} label{'s' * (len(labels) != 1)} "
                f"({', '.join(labels) or 'none'}); a classifier needs at least two"
            )
        left_out = 0
        if cfg.max_train:  # a quick subset may miss a rare class: its examples are left out
            known = set(labels)
            kept = [[e for e in split if set(e.labels) <= known] for split in (valid, test)]
            left_out = len(valid) + len(test) - sum(map(len, kept))
            valid, test = kept
        check_known_labels(valid, labels)
        check_known_labels(test, labels)
        vocab = self._vocab(config, train)
        vocabs = {"vocab": vocab.to_dict(), "classes": {"tokens": labels}}
        codec = TextCodec(cfg, vocabs)
        counts = label_counts(train)
        return Prepared(
            train=[example(codec, e) for e in train],
            val=[example(codec, e) for e in valid],
            test=[example(codec, e) for e in test],
            vocabs=vocabs,
            info={
                "train": len(train),
                "validation": len(valid),
                "test": len(test),
                "vocabulary": len(vocab),
                "classes": len(labels),
                # The class balance of the training data, most frequent first.
                "train per class": ", ".join(f"{k} {n:,}" for k, n in counts.most_common()),
                **({"left out (labels not in the training subset)": left_out} if left_out else {}),
            },
        )

    def _vocab(self, config: RunConfig, train: list[LabelledText]) -> Vocab:
        """The words a run reads: a language model's (``model.init_from``), else the
        training texts'."""
        cfg: ClassifyData = config.data
        given = self.language_model_vocab(config, cfg)
        if given is not None:
            return given
        tokenize = get_tokenizer(cfg.tokenizer)
        return Vocab.build(
            [tokenize(e.text) for e in train], min_freq=cfg.min_freq, max_size=cfg.max_size or None
        )

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> TextClassifier:
        self.num_classes = len(vocabs["classes"]["tokens"])
        self.multi_label = bool(config.data.multi_label)
        self.threshold = float(config.data.threshold)
        model = TextClassifier.from_config(
            config.model, len(vocabs["vocab"]["tokens"]), self.num_classes
        )
        if config.model.freeze_embeddings:
            freeze(model.embedding)
        return model

    # ---------------------------------------------------------------------- the step
    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        logits = model(batch["ids"], batch["lengths"])
        if self.multi_label:
            targets = batch["targets"]
            loss_sum = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
            probabilities = torch.sigmoid(logits.detach().float())
            predicted = (probabilities >= self.threshold).cpu().numpy()
            true = targets.cpu().numpy() > 0.5
            counts = class_counts(true, predicted, self.num_classes)
            counts["subset_correct"] = float((true == predicted).all(axis=1).sum())
        else:
            labels = batch["label"]
            loss_sum = F.cross_entropy(logits, labels, reduction="sum")
            probabilities = torch.softmax(logits.detach().float(), dim=-1)
            predicted = probabilities.argmax(dim=-1)
            counts = class_counts(labels.cpu().numpy(), predicted.cpu().numpy(), self.num_classes)
            counts["correct"] = float((predicted == labels).sum())
        counts["units"] = float(logits.size(0))
        outputs = None if model.training else list(probabilities.cpu().numpy())
        return StepResult(loss_sum, counts, outputs)

    def metrics(self, totals: Mapping[str, float]) -> dict[str, float]:
        """Loss per text (multi-label: summed over its labels); accuracy and macro-F1, or
        subset accuracy, micro- and macro-F1."""
        units = max(totals.get("units", 0.0), 1.0)
        return {
            "loss": totals.get("loss", 0.0) / units,
            **scores(totals, self.num_classes, self.multi_label),
        }

    # -------------------------------------------------------------------- evaluation
    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        """Per-class precision/recall/F1 and the n x n confusion matrix (``confusion.png``);
        multi-label: per-label scores, micro/macro-F1 and subset accuracy."""
        labels = list(vocabs["classes"]["tokens"])
        if not examples:
            return {"labels": labels}
        probabilities = np.stack(outputs)
        if self.multi_label:
            true = np.stack([e["targets"].numpy() for e in examples]) > 0.5
            return multi_label_report(true, probabilities >= self.threshold, labels)
        true = np.array([e["label"] for e in examples], dtype=np.int64)
        return classification_report(
            true, probabilities.argmax(axis=1), labels, run_dir, "test: confusion matrix"
        )

    def average_outputs(
        self,
        examples: list[list[Example]],
        outputs: list[list[Any]],
        vocabs: list[dict[str, Any]],
    ) -> list[Any]:
        """The runs' class probabilities averaged: single-label runs over the same classes
        (in the same order) that read the same texts."""
        if self.multi_label:
            raise ConfigError("an ensemble of multi-label runs is not supported yet")
        classes = [run["classes"]["tokens"] for run in vocabs]
        if any(names != classes[0] for names in classes):
            raise ConfigError("the ensemble's runs were trained on different classes")
        labels = [np.array([e["label"] for e in run], dtype=np.int64) for run in examples]
        return averaged_probabilities(labels, outputs)

    def output_metrics(self, examples: list[Example], outputs: list[Any]) -> dict[str, float]:
        """Loss and accuracy of (averaged) class probabilities (macro-F1: the report)."""
        labels = np.array([e["label"] for e in examples], dtype=np.int64)
        return probability_metrics(labels, outputs)

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a labelled file in any format the run reads, with its columns;
        a label never seen in training is an error naming file, line and label."""
        codec = TextCodec(config.data, vocabs)
        examples = read_labelled(path, reading(config.data))
        check_known_labels(examples, codec.labels)
        return [example(codec, e) for e in examples]

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        if "subset_accuracy" in metrics:
            lines = [
                f"subset accuracy  {metrics['subset_accuracy']:.4f}",
                f"micro-F1         {metrics['micro_f1']:.4f}",
                f"macro-F1         {metrics['macro_f1']:.4f}",
            ]
        else:
            lines = [
                f"accuracy   {metrics['accuracy']:.4f}",
                f"macro-F1   {metrics['macro_f1']:.4f}",
            ]
        if "loss" in metrics:
            lines.append(f"loss       {metrics['loss']:.4f}")
        width = max((len(label) for label in metrics.get("per_class", {})), default=4)
        for label, s in metrics.get("per_class", {}).items():
            lines.append(
                f"{label:<{width}} precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
                f"F1 {s['f1']:.3f}  ({s['support']:,})"
            )
        return lines

    # ------------------------------------------------------------------ data in memory
    def memory_files(self, data: dict[str, Any], folder: Path) -> list[str]:
        """In-memory splits (``train``, ``valid``, ``test``: lists of pairs or of dicts,
        dicts of columns, data frames) saved as JSON-lines files under ``folder``, named by
        their content; the ``--set`` items that read them."""
        items = ["data.corpus=files", "data.format=jsonl"]
        for split, rows in data.items():
            path, pairs = save_labelled_memory(split, rows, folder)
            items.append(f"data.{split}_file={path}")
            if pairs:  # (text, label) pairs are saved under the default names
                items += ["data.text_column=text", "data.label_column=label"]
        return items


def example(codec: TextCodec, item: LabelledText) -> Example:
    """One text's example: its ids as the run truncates them, and its class or 0/1 row."""
    ids = torch.tensor(codec.encode(item.text).features["ids"], dtype=torch.long)
    target = codec.target(item.labels)
    if codec.multi_label:
        return {"ids": ids, "targets": torch.tensor(target, dtype=torch.float32)}
    return {"ids": ids, "label": int(target)}
