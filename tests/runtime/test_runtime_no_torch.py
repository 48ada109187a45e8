"""An ONNX bundle predicts in a Python where torch cannot be imported, as PyTorch does."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lstmlab
from bundles import random_reviews, random_sentences
from lstmlab.runtime import load_bundle
from lstmlab.runtime.predictor import viterbi

# Put first on sys.path as sitecustomize: any import of torch then fails.
BLOCK_TORCH = """
import sys

class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            # as where torch is not installed: "No module named 'torch'"
            raise ModuleNotFoundError(f"torch is blocked in this test ({name})", name=name)
        return None

sys.meta_path.insert(0, BlockTorch())
"""

SCRIPT = """
import json, sys
from lstmlab.runtime import load_bundle
bundle = load_bundle(sys.argv[1])
items = json.loads(sys.stdin.read())
if bundle.task == "sentiment":
    result = bundle.predict(items)
else:
    result = {"tags": bundle.tag(items), "emissions": [e.tolist() for e in bundle.emissions(items)]}
print(json.dumps({"result": result, "torch": "torch" in sys.modules}))
"""


def run_without_torch(tmp_path: Path, args: list[str], stdin: str) -> subprocess.CompletedProcess:
    blocker = tmp_path / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCK_TORCH)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(blocker), str(Path(lstmlab.__file__).parents[1])]),
    }
    return subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_the_blocker_blocks_torch(tmp_path):
    result = run_without_torch(tmp_path, ["-c", "import torch"], "")
    assert result.returncode != 0 and "torch is blocked" in result.stderr


def test_sentiment_bundle_without_torch(sentiment_run, sentiment_bundle, tmp_path):
    texts = random_reviews(45, seed=9)  # batch and lengths the export never saw
    result = run_without_torch(tmp_path, ["-c", SCRIPT, str(sentiment_bundle)], json.dumps(texts))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["torch"] is False
    expected = lstmlab.load(sentiment_run).predict(texts)
    assert [r["label"] for r in out["result"]] == [r["label"] for r in expected]
    np.testing.assert_allclose(
        [r["p_pos"] for r in out["result"]], [r["p_pos"] for r in expected], atol=1e-5, rtol=0
    )


@pytest.mark.parametrize("which", ["pos", "crf_pos"])
def test_pos_bundle_without_torch(request, which, tmp_path):
    run = request.getfixturevalue(f"{which}_run")
    bundle = request.getfixturevalue(f"{which}_bundle")
    sentences = random_sentences(13, seed=5)
    result = run_without_torch(tmp_path, ["-c", SCRIPT, str(bundle)], json.dumps(sentences))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["torch"] is False
    assert [[tuple(p) for p in s] for s in out["result"]["tags"]] == lstmlab.load(run).tag(
        sentences
    )
    for got, expected in zip(
        out["result"]["emissions"], load_bundle(bundle).emissions(sentences), strict=True
    ):
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_runtime_command_without_torch(sentiment_bundle, pos_bundle, tmp_path):
    result = run_without_torch(
        tmp_path, ["-m", "lstmlab.runtime", str(sentiment_bundle), "--json", "a wonderful film"], ""
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] in ("pos", "neg")
    result = run_without_torch(
        tmp_path, ["-m", "lstmlab.runtime", str(pos_bundle)], "The cat sat on the mat .\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The/")
    missing = run_without_torch(tmp_path, ["-m", "lstmlab.runtime", str(tmp_path)], "")
    assert missing.returncode == 2
    assert missing.stderr.startswith("lstmlab: error: ") and "not an lstmlab bundle" in (
        missing.stderr
    )


def test_viterbi_is_the_best_path_and_the_crf_uses_it(crf_pos_run):
    """The one Viterbi (numpy): the best of all K^T paths, per sentence of a padded batch,
    and what the PyTorch CRF decodes with."""
    import itertools

    import torch

    rng = np.random.default_rng(0)
    start, end, transitions = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(3, 3))
    emissions = rng.normal(size=(2, 4, 3))
    mask = np.array([[True] * 4, [True, True, False, False]])

    def score(path, scores):
        total = start[path[0]] + end[path[-1]] + sum(scores[t, k] for t, k in enumerate(path))
        return total + sum(transitions[a, b] for a, b in itertools.pairwise(path))

    decoded = viterbi(emissions, start, transitions, end, mask)
    for row, length in enumerate(mask.sum(axis=1)):
        best = max(
            itertools.product(range(3), repeat=int(length)), key=lambda p: score(p, emissions[row])
        )
        assert decoded[row, :length].tolist() == list(best)
    crf = lstmlab.load(crf_pos_run).model.crf
    scores = torch.randn(1, 9, crf.num_tags)
    expected = viterbi(
        scores[0].numpy(),
        crf.start_transitions.detach().numpy(),
        crf.transitions.detach().numpy(),
        crf.end_transitions.detach().numpy(),
    )
    assert crf.viterbi_decode(scores, torch.ones(1, 9, dtype=torch.bool))[0].tolist() == (
        expected.tolist()
    )


def test_wrong_method_for_the_task(sentiment_bundle, pos_bundle):
    from lstmlab.errors import ConfigError

    sentiment, pos = load_bundle(sentiment_bundle), load_bundle(pos_bundle)
    assert hasattr(sentiment, "predict") and not hasattr(sentiment, "tag")
    assert hasattr(pos, "tag") and not hasattr(pos, "predict") and "tag" in dir(pos)
    with pytest.raises(ConfigError, match=r"a sentiment model; it offers predict, .*not tag"):
        sentiment.tag("The cat sat .")
    with pytest.raises(ConfigError, match=r"a pos model; it offers .*tag.*, not predict"):
        pos.predict("Great film.")


def test_runtime_reads_texts_from_a_file(sentiment_bundle, tmp_path):
    texts = tmp_path / "texts.txt.gz"
    texts.write_bytes(gzip.compress(b"a wonderful film\n\nboring and dull\n"))
    result = run_without_torch(
        tmp_path, ["-m", "lstmlab.runtime", str(sentiment_bundle), "--file", str(texts)], ""
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[2] for line in lines] == ["a wonderful film", "boring and dull"]


def test_lstmlab_predict_on_a_bundle_without_torch(sentiment_run, sentiment_bundle, tmp_path):
    # A bundle-only install (no torch): the prediction command works on an ONNX bundle ...
    result = run_without_torch(
        tmp_path, ["-m", "lstmlab", "predict", str(sentiment_bundle), "a wonderful film"], ""
    )
    assert result.returncode == 0, result.stderr
    label, probability, text = result.stdout.rstrip("\n").split("\t")
    expected = lstmlab.load(sentiment_run).predict(["a wonderful film"])[0]
    assert (label, text) == (expected["label"], "a wonderful film")
    assert abs(float(probability) - expected["probability"]) < 2e-3
    # ... and anything that needs torch says so in one line.
    for argv in (
        ["predict", str(sentiment_run), "a wonderful film"],
        ["tag", str(sentiment_bundle), "The cat sat ."],
        ["train", "sentiment"],
        ["evaluate", str(sentiment_bundle)],
    ):
        failed = run_without_torch(tmp_path, ["-m", "lstmlab", *argv], "")
        assert failed.returncode == 2, (argv, failed.stderr)
        assert failed.stderr.startswith("lstmlab: error: "), (argv, failed.stderr)
        assert len(failed.stderr.splitlines()) == 1, (argv, failed.stderr)


def test_stdout_on_a_full_device_is_one_line(sentiment_bundle, tmp_path):
    # (without torch: the same command path, in a second rather than ten)
    run_without_torch(tmp_path, ["-c", ""], "")  # writes the blocker
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path / "blocker"), str(Path(lstmlab.__file__).parents[1])]
        ),
    }
    argv = [sys.executable, "-m", "lstmlab", "predict", str(sentiment_bundle), "a good film"]
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            argv, stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120
        )
    assert result.returncode == 2
    assert result.stderr == "lstmlab: error: cannot write the output: no space left on device\n"
