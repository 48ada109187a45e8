"""docs/lab.ipynb, the lab as a notebook: committed without outputs, in step with its
jupytext source docs/lab.py, and run top to bottom on the real data with its small
settings (skipped when ``$LSTMLAB_DATA`` is absent)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra")

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOTEBOOK = DOCS / "lab.ipynb"
SOURCE = DOCS / "lab.py"
# h_t of the lab's worked example (input size 3, hidden 1, seed 20) at steps 0..3.
WORKED_EXAMPLE_H = ["-0.0976", "+0.0470", "+0.0490", "+0.1372"]
SECTIONS = 6
MIN_IMAGES = 8  # worked example 1, lab 3, task1 2, POS confusion 1, tagger gates 1


def read_notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_committed_notebook_has_no_outputs():
    code = [cell for cell in read_notebook().cells if cell.cell_type == "code"]
    assert code, "the notebook has no code cells"
    with_outputs = [i for i, cell in enumerate(code) if cell.outputs or cell.execution_count]
    assert not with_outputs, (
        f"code cells {with_outputs} of {NOTEBOOK.name} hold outputs: regenerate it with "
        "`jupytext --to ipynb --update docs/lab.py`"
    )


def test_notebook_is_its_jupytext_source():
    jupytext = pytest.importorskip("jupytext", reason="the notebook tests need the test extra")
    source = jupytext.read(SOURCE)
    cells = [(cell.cell_type, cell.source) for cell in read_notebook().cells]
    assert cells == [(cell.cell_type, cell.source) for cell in source.cells], (
        "docs/lab.ipynb differs from docs/lab.py: run `jupytext --to ipynb --update docs/lab.py`"
    )


def test_first_cell_sets_huge_pages_and_every_section_is_small():
    code = [cell.source for cell in read_notebook().cells if cell.cell_type == "code"]
    assert code[0].strip() == "%env THP_MEM_ALLOC_ENABLE=1"
    headings = [
        line
        for cell in read_notebook().cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert [h.split(".")[0] for h in headings] == [f"## {n}" for n in range(1, SECTIONS + 1)]
    switches = re.findall(r"^SMALL = (\w+)", "\n".join(code), flags=re.MULTILINE)
    assert switches == ["True"] * 4  # sections 2, 3, 4 and 6 train


def _stream(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _printed_floats(text: str, label: str) -> list[float]:
    return [float(value) for value in re.findall(rf"{re.escape(label)}(-?\d+\.\d+)", text)]


@pytest.mark.realdata
def test_notebook_runs_top_to_bottom(real_data_root, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra")
    pytest.importorskip("ipykernel", reason="the notebook tests need the test extra")
    # The kernel inherits this environment and runs in tmp_path (its runs/ go there).
    monkeypatch.setenv("LSTMLAB_DATA", str(real_data_root.resolve()))
    notebook = read_notebook()
    start = time.perf_counter()
    nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()  # raises CellExecutionError on the first cell that fails
    seconds = time.perf_counter() - start
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]

    # Section 1: the lab's worked example by hand prints the lab's h_t values, in order.
    (worked,) = [cell for cell in code if "worked-example" in cell.metadata.get("tags", [])]
    printed = re.findall(r"h_t=([+-]\d\.\d{4})", _stream(worked))
    assert printed == WORKED_EXAMPLE_H

    # Plots are shown inline.
    images = sum("image/png" in o.get("data", {}) for cell in code for o in cell.outputs)
    assert images >= MIN_IMAGES

    # Section 2: padding moves the lab pooling's prediction and never last pooling's.
    text = "\n".join(_stream(cell) for cell in code)
    lab = _printed_floats(text, "pads: p(pos) = ")
    last = _printed_floats(text, "pads: last pooling p(pos) = ")
    assert len(lab) == len(last) == 4
    assert len(set(last)) == 1
    assert len(set(lab)) > 1

    # Section 4: the lab's padding-inclusive figure flatters the tagger.
    (pos_run,) = tmp_path.glob("runs/lab-*/pos-lab")
    metrics = json.loads((pos_run / "test_metrics.json").read_text())
    assert metrics["lab_padding_inclusive_accuracy"] > metrics["token_accuracy"]

    # Section 6: the language model generated text after its prompt.
    generated = re.findall(r"temperature \d\.\d: this movie( \S+)+", text)
    assert len(generated) == 2
    print(f"notebook executed in {seconds:.1f} s")
