"""PNG plots for a run folder: learning curves and confusion matrices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Known metrics' titles and files; any other validation metric gets "<name>.png".
PLOTTED = {
    "loss": ("Loss", "loss.png"),
    "acc": ("Accuracy", "accuracy.png"),
    "perplexity": ("Perplexity", "perplexity.png"),
}


def _pyplot() -> Any:
    """matplotlib's pyplot, imported on first use: it takes a second or two, and every
    command that loads a run (predict, tag, evaluate) would pay for it otherwise."""
    import matplotlib

    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    return plt


def plot_history(
    history: list[dict[str, float]], run_dir: Path, best_epoch: int | None = None
) -> list[Path]:
    """One plot per validation metric recorded (``loss.png``, ``accuracy.png``,
    ``perplexity.png``, ``<metric>.png``), its training curve beside it when measured.

    The best epoch (the one whose checkpoint is kept) is marked with a dotted line.
    """
    epochs = [record["epoch"] for record in history]
    written = []
    metrics = [key[4:] for key in (history[0] if history else {}) if key.startswith("val_")]
    for metric in metrics:
        title, name = PLOTTED.get(metric, (metric.replace("_", " "), f"{metric}.png"))
        plt = _pyplot()
        figure, axes = plt.subplots(figsize=(6, 4))
        if all(f"train_{metric}" in r for r in history):
            axes.plot(epochs, [r[f"train_{metric}"] for r in history], "o-", label="train")
        axes.plot(epochs, [r[f"val_{metric}"] for r in history], "s-", label="validation")
        if best_epoch:
            axes.axvline(
                best_epoch, color="grey", linestyle=":", label=f"best (epoch {best_epoch})"
            )
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_xlabel("epoch")
        axes.set_ylabel(title.lower())
        axes.set_title(title)
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
        path = Path(run_dir) / name
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


def plot_confusion(confusion: np.ndarray, labels: list[str], path: Path, title: str) -> Path:
    """A heatmap of ``confusion`` (rows true, columns predicted), row-normalised colours."""
    size = max(4.0, 0.45 * len(labels) + 2)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(size + 1.2, size), layout="constrained")
    rows = confusion.sum(axis=1, keepdims=True)
    shares = np.divide(confusion, rows, out=np.zeros(confusion.shape), where=rows > 0)
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    bar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    bar.set_label("share of the true class (row); cells: counts")
    axes.set_xticks(range(len(labels)), labels, rotation=90 if len(labels) > 4 else 0)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    if len(labels) <= 20:
        for row in range(len(labels)):
            for col in range(len(labels)):
                colour = "white" if shares[row, col] > 0.5 else "black"
                axes.text(
                    col,
                    row,
                    str(confusion[row, col]),
                    ha="center",
                    va="center",
                    fontsize=7 if len(labels) > 8 else 10,
                    color=colour,
                )
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return Path(path)
