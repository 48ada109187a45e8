"""benchmarks/gpu_imdb.sh (the full-scale IMDb recipe for a GPU) names real settings only."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lstmlab.tasks import get_task
from lstmlab.training.config import TrainConfig

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "gpu_imdb.sh"


def settings(task: str) -> set[str]:
    spec = get_task(task)
    sections = {"data": spec.data_config, "model": spec.model_config, "train": TrainConfig}
    return {f"{s}.{f.name}" for s, cls in sections.items() for f in dataclasses.fields(cls)}


def test_every_set_item_of_the_script_is_a_setting_of_its_task() -> None:
    text = SCRIPT.read_text()
    names = set(re.findall(r"--set (\w+\.\w+)=", text))
    assert {"data.max_documents", "model.hidden_size", "model.init_from"} <= names
    known = settings("lm") | settings("sentiment")
    assert names <= known, sorted(names - known)
    assert "model.init_from" in settings("sentiment") and "data.max_documents" in settings("lm")


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_script_parses_and_says_it_never_ran_on_a_gpu() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    assert "NEVER RUN ON A GPU YET" in SCRIPT.read_text()
