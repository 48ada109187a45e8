"""benchmarks/trec_ensemble.sh (issue #20's TREC ensemble) runs end to end on a tiny qc.zip:
every seed's run is trained, the ensemble is evaluated and the training time summed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "trec_ensemble.sh"
QUESTIONS = {
    "NUM:count": "How many {} are there ?",
    "HUM:ind": "Who wrote the {} ?",
    "LOC:other": "Where is the {} ?",
}
THINGS = ["book", "song", "film", "play", "poem", "city", "river", "lake", "tree", "bridge"]


def tiny_qc(path: Path) -> None:
    lines = [f"{label} {form.format(t)}" for label, form in QUESTIONS.items() for t in THINGS]
    test = [f"{label} {form.format('house')}" for label, form in QUESTIONS.items()]
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("qc/train.txt", "\n".join(lines * 2) + "\n")
        archive.writestr("qc/test.txt", "\n".join(test) + "\n")


def run_script(tmp_path: Path, **knobs: str) -> subprocess.CompletedProcess:
    """The script on the tiny qc.zip with the smoke sizes and ``knobs`` (its environment)."""
    tiny_qc(tmp_path / "data" / "nltk" / "qc.zip")
    env = {
        **os.environ,
        "LSTMLAB_DATA": str(tmp_path / "data"),
        "RUNS": str(tmp_path / "runs"),
        "THREADS": "1",
        "LSTMLAB": f"{sys.executable} -m lstmlab",
        "SETS": "train.epochs=2 model.embedding_dim=8 model.hidden_size=8",
        **knobs,
    }
    done = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_ensemble_script_trains_each_seed_and_evaluates_them_together(tmp_path) -> None:
    done = run_script(tmp_path, SEEDS="0 1")
    assert "ensemble" in done.stdout and "accuracy" in done.stdout
    runs = [tmp_path / "runs" / f"trec-s{seed}" for seed in (0, 1)]
    seconds = [json.loads((run / "test_metrics.json").read_text())["train_seconds"] for run in runs]
    assert f"training, all 2 runs: {sum(seconds):.0f} s" in done.stdout
    for run in runs:  # each seed its own run, with the smoke sizes
        assert json.loads((run / "config.json").read_text())["model"]["hidden_size"] == 8
    assert json.loads((runs[1] / "config.json").read_text())["train"]["seed"] == 1


def tiny_lm(run: Path, text: Path, reverse: bool) -> None:
    """A language model of the smoke sizes on ``text`` (one epoch, a second or two)."""
    sets = ["model.embedding_dim=8", "model.hidden_size=8", "model.softmax=full"]
    sets += [
        "data.corpus=files",
        "data.bptt=6",
        "train.epochs=1",
        f"data.reverse={str(reverse).lower()}",
    ]
    argv = [sys.executable, "-m", "lstmlab", "--no-progress", "train", "lm", "--threads", "1"]
    argv += ["--train", str(text), "--valid", str(text), "--out", str(run)]
    argv += [item for s in sets for item in ("--set", s)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_script_fine_tunes_from_forward_and_backward_language_models(tmp_path) -> None:
    text = tmp_path / "questions.txt"
    text.write_text("".join(form.format(t) + "\n" for form in QUESTIONS.values() for t in THINGS))
    tiny_lm(tmp_path / "lm-fwd", text, reverse=False)
    tiny_lm(tmp_path / "lm-bwd", text, reverse=True)
    done = run_script(
        tmp_path,
        SEEDS="0",
        SCRATCH="0",  # the fine-tuned runs alone
        LM_RUN=str(tmp_path / "lm-fwd"),
        LM_RUN_BACKWARD=str(tmp_path / "lm-bwd"),
    )
    assert not (tmp_path / "runs" / "trec-s0").exists()  # SCRATCH=0: no run from scratch
    forward, backward = tmp_path / "runs" / "trec-lm-s0", tmp_path / "runs" / "trec-lm-bwd-s0"
    for run, reverse, lm in ((forward, False, "lm-fwd"), (backward, True, "lm-bwd")):
        config = json.loads((run / "config.json").read_text())
        assert config["data"]["reverse"] is reverse
        assert config["model"]["init_from"] == str(tmp_path / lm)
    assert "training, all 2 runs:" in done.stdout
