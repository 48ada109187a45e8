"""Heatmap PNGs stay readable from 1 unit and 4 tokens to 64 units and 200 tokens."""

from __future__ import annotations

import matplotlib.image
import pytest
import torch

from lstmlab.inspect.heatmap import PANEL_ORDER, plot_heatmaps
from lstmlab.nn import LSTMGates


def gates(steps: int, units: int) -> LSTMGates:
    torch.manual_seed(0)
    signed = torch.randn(steps, units)
    return LSTMGates(
        signed.sigmoid(),
        signed.sigmoid(),
        signed.tanh(),
        signed.sigmoid(),
        signed * 2,
        signed.tanh() / 2,
    )


@pytest.mark.parametrize(("steps", "units"), [(4, 1), (12, 8), (200, 64)])
def test_panels_have_a_readable_size(tmp_path, steps, units):
    path = tmp_path / "gates.png"
    plot_heatmaps(gates(steps, units), [f"token{t}" for t in range(steps)], path, "title")
    height, width, _ = matplotlib.image.imread(path).shape
    # At least ~1 inch (110 px) per panel, even for one unit; never more than 22 x 28 inches.
    assert height >= len(PANEL_ORDER) * 110
    assert width <= 22 * 110 and height <= 28 * 110


def test_unit_subset_and_bad_path(tmp_path):
    path = tmp_path / "some.png"
    plot_heatmaps(gates(5, 20), list("abcde"), path, units=[3, 1])
    assert path.read_bytes()[:4] == b"\x89PNG"
    from lstmlab.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot write the plot"):
        plot_heatmaps(gates(2, 1), ["a", "b"], tmp_path / "no" / "such.png")


@pytest.mark.parametrize(("steps", "units"), [(4, 1), (30, 16)])
def test_the_title_sits_above_the_first_panel(tmp_path, monkeypatch, steps, units):
    from matplotlib.figure import Figure

    seen = {}
    save = Figure.savefig

    def capture(figure, *args, **kwargs):
        save(figure, *args, **kwargs)  # lays the figure out, then look where things went
        renderer = figure.canvas.get_renderer()
        seen["title"] = figure._suptitle.get_window_extent(renderer)
        seen["panels"] = [axis.get_tightbbox(renderer) for axis in figure.axes]

    monkeypatch.setattr(Figure, "savefig", capture)
    plot_heatmaps(gates(steps, units), [f"w{t}" for t in range(steps)], tmp_path / "g.png", "t")
    for panel in seen["panels"]:  # the panels and their colour bars, titles and ticks
        assert panel.y1 <= seen["title"].y0 + 1, (panel, seen["title"])
