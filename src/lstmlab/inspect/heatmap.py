"""Heatmap PNGs of an LSTM's gates and states: units x tokens, one panel each for c, h, i, f, g, o.

Readable at any size: each panel is at least about an inch high (one unit is one readable
band, not a sliver), small grids print every value in its cell, large ones label only
every n-th token and unit, and the figure's size is bounded (long texts get narrow cells,
not a 5-metre-wide image). Gates live in (0, 1) (viridis, 0..1); g, c and h are signed
(coolwarm, centred on zero).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstmlab.errors import ConfigError
from lstmlab.nn import LSTMGates

PANEL_ORDER = ("c", "h", "i", "f", "g", "o")
TITLES = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
MAX_LABELS = 40  # tick labels per axis
ANNOTATE_CELLS = 160  # print values in the cells of grids up to this many cells


def _ticks(count: int) -> list[int]:
    step = max(1, int(np.ceil(count / MAX_LABELS)))
    return list(range(0, count, step))


def _colour_scale(name: str, values: np.ndarray) -> tuple[str, float, float]:
    if name in ("i", "f", "o"):
        return "viridis", 0.0, 1.0
    high = 1.0 if name in ("g", "h") else max(float(np.abs(values).max()), 1e-6)
    return "coolwarm", -high, high


def plot_heatmaps(
    gates: LSTMGates, tokens: list[str], path: Path, title: str = "", units: list[int] | None = None
) -> None:
    """Write the six panels of ``gates`` (tensors ``(T, H)``) for ``tokens`` to a PNG.

    Args:
        units: the units (rows) to draw, in this order; None: all of them.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    steps, hidden = gates.h.shape
    rows = list(range(hidden)) if units is None else units
    annotate = steps * len(rows) <= ANNOTATE_CELLS
    width = float(np.clip(2.5 + 0.45 * steps, 6.0, 22.0))
    panel_height = float(np.clip(0.6 + 0.22 * len(rows), 1.1, 4.5))
    # Constrained layout makes room for the title above the first panel (tight_layout
    # ignores a suptitle and drew it over the panel) and for each colour bar.
    figure, axes = plt.subplots(
        len(PANEL_ORDER),
        1,
        squeeze=False,
        figsize=(width, 0.6 + panel_height * len(PANEL_ORDER)),
        layout="constrained",
    )
    for axis, name in zip(axes[:, 0], PANEL_ORDER, strict=True):
        values = getattr(gates, name).detach().cpu().numpy()[:, rows].T  # (units, T)
        cmap, low, high = _colour_scale(name, values)
        image = axis.imshow(
            values, aspect="auto", cmap=cmap, vmin=low, vmax=high, interpolation="nearest"
        )
        axis.set_title(TITLES[name], fontsize=10, loc="left")
        axis.set_ylabel("unit", fontsize=8)
        y_ticks = _ticks(len(rows))
        axis.set_yticks(y_ticks, [str(rows[r]) for r in y_ticks], fontsize=7)
        x_ticks = _ticks(steps)
        axis.set_xticks(
            x_ticks,
            [tokens[t] for t in x_ticks],
            fontsize=8,
            rotation=60 if steps > 8 else 0,
            ha="right" if steps > 8 else "center",
        )
        if annotate:
            for (row, step), value in np.ndenumerate(values):
                shade = (value - low) / (high - low)
                colour = (
                    "white"
                    if (shade < 0.35 if cmap == "viridis" else abs(shade - 0.5) > 0.3)
                    else "black"
                )
                axis.text(
                    step, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour
                )
        bar = figure.colorbar(image, ax=axis, fraction=0.025, pad=0.01, aspect=8)
        bar.ax.tick_params(labelsize=7)
    if title:
        figure.suptitle(title, fontsize=11)
    try:
        figure.savefig(path, format="png", dpi=110)
    except OSError as error:
        raise ConfigError(f"cannot write the plot to {path}: {error.strerror}") from None
    finally:
        plt.close(figure)
