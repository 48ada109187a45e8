"""Classification metrics from a confusion matrix (rows: true class, columns: predicted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``[num_classes, num_classes]``; ``true`` and ``predicted`` are 1-d int arrays."""
    true = np.asarray(true, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(true * num_classes + predicted, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def per_class_scores(confusion: np.ndarray, labels: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each class (0 where undefined)."""
    true_positive = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(
        true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0
    )
    recall = np.divide(true_positive, support, out=np.zeros_like(true_positive), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(
        2 * precision * recall, denominator, out=np.zeros_like(true_positive), where=denominator > 0
    )
    return {
        label: {
            "precision": float(precision[k]),
            "recall": float(recall[k]),
            "f1": float(f1[k]),
            "support": int(support[k]),
        }
        for k, label in enumerate(labels)
    }


def accuracy(confusion: np.ndarray) -> float:
    total = confusion.sum()
    return float(np.trace(confusion) / total) if total else 0.0


def most_confused(confusion: np.ndarray, labels: list[str], top: int) -> list[int]:
    """Indices of the ``top`` classes most involved in errors, for a readable plot."""
    errors = confusion - np.diag(np.diag(confusion))
    involvement = errors.sum(axis=0) + errors.sum(axis=1)
    order = np.argsort(-involvement, kind="stable")
    return sorted(order[: min(top, len(labels))].tolist())


def classification_report(
    true: np.ndarray,
    predicted: np.ndarray,
    labels: list[str],
    run_dir: Path | None = None,
    title: str = "test: confusion matrix",
) -> dict[str, Any]:
    """Confusion matrix and per-class scores of any number of classes (plus macro-F1);
    with a run folder, ``confusion.png`` (the classes most involved in errors, at most 15)."""
    confusion = confusion_matrix(true, predicted, len(labels))
    scores = per_class_scores(confusion, labels)
    if run_dir is not None:
        from lstmlab.training.plots import plot_confusion

        keep = most_confused(confusion, labels, top=15) if len(labels) > 15 else range(len(labels))
        keep = list(keep)
        plot_confusion(
            confusion[np.ix_(keep, keep)],
            [labels[k] for k in keep],
            run_dir / "confusion.png",
            title,
        )
    return {
        "confusion": confusion.tolist(),
        "labels": list(labels),
        "per_class": scores,
        "macro_f1": float(np.mean([s["f1"] for s in scores.values()])) if scores else 0.0,
    }
