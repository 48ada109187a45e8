"""Classification metrics from a confusion matrix (rows: true class, columns: predicted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lstmlab.errors import ConfigError


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


def averaged_probabilities(labels: list[np.ndarray], outputs: list[list[Any]]) -> list[np.ndarray]:
    """Several runs' class probabilities, each ``N`` rows of ``[C]``, averaged (an ensemble).

    ``labels[r]`` are run ``r``'s true labels ``[N]``: every run must read the same examples
    in the same order (each encodes them with its own vocabulary), else a ConfigError.
    """
    for run, run_labels in enumerate(labels[1:], start=2):
        if run_labels.shape != labels[0].shape or not np.array_equal(run_labels, labels[0]):
            raise ConfigError(
                f"run {run} of the ensemble reads other examples (or another order) than "
                "run 1: an ensemble needs the same data"
            )
    shapes = {np.shape(rows[0]) for rows in outputs if rows}
    if len(shapes) > 1:
        raise ConfigError(f"the ensemble's runs predict different numbers of classes: {shapes}")
    mean = np.mean([np.stack(rows) for rows in outputs], axis=0)  # [N, C]
    return list(mean)


def probability_metrics(labels: np.ndarray, probabilities: list[np.ndarray]) -> dict[str, float]:
    """Cross-entropy (mean negative log-probability of the true label) and accuracy of
    class probabilities ``N`` x ``[C]`` against ``labels`` ``[N]``."""
    if not len(labels):
        return {"loss": 0.0, "accuracy": 0.0}
    table = np.stack(probabilities).astype(np.float64)  # [N, C]
    true = table[np.arange(len(labels)), labels]
    return {
        "loss": float(-np.log(np.clip(true, 1e-12, None)).mean()),
        "accuracy": float((table.argmax(axis=1) == labels).mean()),
    }
