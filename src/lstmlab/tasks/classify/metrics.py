"""Classification metrics from summable counts (imports no torch).

A training step counts, per batch, what the epoch's metrics need, as numbers that add up
over batches and processes (the trainer sums them):

- single-label: ``correct`` and, per class k, ``tp/k``, ``fp/k``, ``fn/k``;
- multi-label: per class the same three, and ``subset_correct`` (examples whose whole label
  set was predicted exactly).

:func:`scores` turns the totals into accuracy (single-label) or subset accuracy, macro-F1
(the mean F1 of the classes; single-label, of those with an example or a prediction: as
scikit-learn's ``f1_score(average="macro")`` with its default labels) and micro-F1
(multi-label: all classes' decisions pooled). ``units`` is the number of examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def class_counts(true: np.ndarray, predicted: np.ndarray, num_classes: int) -> dict[str, float]:
    """Per-class ``tp/k``, ``fp/k``, ``fn/k`` of a batch.

    Single-label: ``true`` and ``predicted`` are class ids ``[N]``. Multi-label: 0/1
    matrices ``[N, C]``. Classes with all three zero are left out (they add nothing).
    """
    true, predicted = np.asarray(true), np.asarray(predicted)
    if true.ndim == 1:
        true = np.eye(num_classes, dtype=bool)[true]
        predicted = np.eye(num_classes, dtype=bool)[predicted]
    true, predicted = true.astype(bool), predicted.astype(bool)
    tp = (true & predicted).sum(axis=0)
    fp = (~true & predicted).sum(axis=0)
    fn = (true & ~predicted).sum(axis=0)
    counts: dict[str, float] = {}
    for k in range(num_classes):
        for name, values in (("tp", tp), ("fp", fp), ("fn", fn)):
            if values[k]:
                counts[f"{name}/{k}"] = float(values[k])
    return counts


def per_class(totals: Mapping[str, float], labels: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support (tp + fn) of each class from the counts."""
    result = {}
    for k, label in enumerate(labels):
        tp, fp, fn = (totals.get(f"{name}/{k}", 0.0) for name in ("tp", "fp", "fn"))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": int(tp + fn),
        }
    return result


def scores(totals: Mapping[str, float], num_classes: int, multi_label: bool) -> dict[str, float]:
    """Accuracy (or subset accuracy), macro-F1 and, multi-label, micro-F1 from the counts."""
    units = max(totals.get("units", 0.0), 1.0)
    occurring = [  # single-label: classes with an example or a prediction
        k
        for k in range(num_classes)
        if multi_label or any(f"{name}/{k}" in totals for name in ("tp", "fp", "fn"))
    ]
    classes = per_class(totals, [str(k) for k in range(num_classes)])
    f1s = [classes[str(k)]["f1"] for k in occurring]
    result = {"macro_f1": float(np.mean(f1s)) if f1s else 0.0}
    if multi_label:
        tp, fp, fn = (
            sum(v for key, v in totals.items() if key.startswith(f"{name}/"))
            for name in ("tp", "fp", "fn")
        )
        result["micro_f1"] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        result["subset_accuracy"] = totals.get("subset_correct", 0.0) / units
    else:
        result["accuracy"] = totals.get("correct", 0.0) / units
    return result


def multi_label_report(
    true: np.ndarray, predicted: np.ndarray, labels: list[str]
) -> dict[str, Any]:
    """A multi-label test report: scores, per-class P/R/F1, each label's support.

    ``true`` and ``predicted``: 0/1 matrices ``[N, C]``.
    """
    totals = class_counts(true, predicted, len(labels))
    totals["units"] = float(len(true))
    totals["subset_correct"] = float((np.asarray(true) == np.asarray(predicted)).all(axis=1).sum())
    return {
        **scores(totals, len(labels), multi_label=True),
        "labels": list(labels),
        "per_class": per_class(totals, labels),
    }
