"""lstmlab export: bundles whose ONNX graph equals the PyTorch model at unseen shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import lstmlab
from bundles import random_reviews, random_sentences
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.export import export_run
from lstmlab.runtime import load_bundle
from lstmlab.tasks.pos.training import example
from lstmlab.training.loader import make_loader

QUIET = {"say": lambda *_: None}


@pytest.mark.parametrize("batch", [1, 7, 300])  # the export traced batch 3, length 7
def test_sentiment_bundle_equals_pytorch(sentiment_run, sentiment_bundle, batch):
    texts = random_reviews(batch, seed=batch)
    trained = lstmlab.load(sentiment_run)
    expected = trained.predict(texts)
    got = load_bundle(sentiment_bundle).predict(texts)
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    np.testing.assert_allclose(
        [g["p_pos"] for g in got], [e["p_pos"] for e in expected], atol=1e-5, rtol=0
    )


def _emissions(trained, sentences):
    """PyTorch emissions [T_i, K] of each sentence, one padded batch (the training path)."""
    loader = make_loader(
        [example(trained.codec, s) for s in sentences], len(sentences), shuffle=False, seed=0
    )
    batch, order = next(iter(loader)), next(iter(loader.batch_sampler))
    with torch.no_grad():
        scores = trained.model(
            batch["ids"], batch["lengths"], chars=batch["chars"], casing=batch["casing"]
        )
    out = [None] * len(sentences)
    for row, index in enumerate(order):
        out[index] = scores[row, : len(sentences[index])].numpy()
    return out


@pytest.mark.parametrize("run_name", ["pos_bundle", "crf_pos_bundle"])
@pytest.mark.parametrize("batch", [1, 11])
def test_pos_bundle_equals_pytorch(request, run_name, batch):
    bundle_dir = request.getfixturevalue(run_name)
    run = request.getfixturevalue(run_name.replace("bundle", "run"))
    sentences = random_sentences(batch, seed=batch)
    trained = lstmlab.load(run)
    bundle = load_bundle(bundle_dir)
    for got, expected in zip(
        bundle.emissions(sentences), _emissions(trained, sentences), strict=True
    ):
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    assert bundle.tag(sentences) == trained.tag(sentences)
    assert bundle.tag("The cat sat on the mat .") == trained.tag("The cat sat on the mat .")


def test_crf_bundle_records_the_transitions(crf_pos_bundle):
    manifest = json.loads((crf_pos_bundle / "bundle.json").read_text())
    crf = manifest["preprocess"]["crf"]
    assert len(crf["transitions"]) == len(crf["start"]) == len(crf["end"]) > 1


def test_lstmlab_load_reads_a_bundle_and_the_cli_accepts_one(
    sentiment_run, sentiment_bundle, pos_bundle, pos_run
):
    texts = ["a wonderful moving film", "boring and awful"]
    assert lstmlab.load(sentiment_bundle).predict(texts) == lstmlab.load(sentiment_run).predict(
        texts
    )
    assert lstmlab.load(pos_bundle).tag("A dog sat .") == lstmlab.load(pos_run).tag("A dog sat .")
    result = subprocess.run(
        [sys.executable, "-m", "lstmlab", "predict", str(sentiment_bundle), "--json", *texts],
        capture_output=True,
        text=True,
        check=True,
    )
    labels = [json.loads(line)["label"] for line in result.stdout.splitlines()]
    assert labels == [r["label"] for r in lstmlab.load(sentiment_run).predict(texts)]


def test_bundle_files_and_model_card(sentiment_bundle):
    names = {p.name for p in sentiment_bundle.iterdir()}
    assert {
        "bundle.json",
        "model.onnx",
        "model.safetensors",
        "config.json",
        "vocab.json",
        "README.md",
    } <= names
    card = (sentiment_bundle / "README.md").read_text()
    for part in (
        "sentiment",
        "## Test metrics",
        "test_accuracy",
        "## Intended use",
        "## Limits",
        "torch 2.",
        "lstmlab 0.",
        "[model]",
        "## Why these files",
        "the weights are here twice",
    ):
        assert part in card
    manifest = json.loads((sentiment_bundle / "bundle.json").read_text())
    assert manifest["check"]["max_abs_diff"] < 1e-5
    assert manifest["preprocess"]["tokenizer"] == "review"


def test_the_graph_alone_runs_as_the_card_says(sentiment_bundle, tmp_path):
    import shutil

    from lstmlab.runtime import load_bundle

    graph_only = tmp_path / "graph-only"
    shutil.copytree(sentiment_bundle, graph_only)
    (graph_only / "model.safetensors").unlink()  # "delete it where only the graph is run"
    texts = ["a wonderful film", "dull and boring"]
    assert load_bundle(graph_only).predict(texts) == load_bundle(sentiment_bundle).predict(texts)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")
def test_torchscript_bundle_traces_dynamic_shapes(sentiment_run, tmp_path):
    export_run(sentiment_run, tmp_path / "ts", "torchscript", **QUIET)
    traced = torch.jit.load(str(tmp_path / "ts" / "model.torchscript.pt"))
    model = lstmlab.load(sentiment_run).model
    ids = torch.randint(1, 10, (6, 17))
    lengths = torch.tensor([17, 1, 5, 9, 16, 2])
    with torch.no_grad():
        torch.testing.assert_close(traced(ids, lengths), model(ids, lengths), atol=1e-5, rtol=0)
    with pytest.raises(ConfigError, match="holds no ONNX model"):
        load_bundle(tmp_path / "ts")


def test_safetensors_bundle_loads_with_lstmlab(pos_run, tmp_path):
    export_run(pos_run, tmp_path / "st", "safetensors", **QUIET)
    assert not (tmp_path / "st" / "model.onnx").exists()
    assert lstmlab.load(tmp_path / "st").tag("The cat sat .") == lstmlab.load(pos_run).tag(
        "The cat sat ."
    )


def test_language_model_exports_weights_only(lm_run, tmp_path):
    with pytest.raises(ConfigError, match="cannot be exported as onnx"):
        export_run(lm_run, tmp_path / "lm", "onnx", **QUIET)
    assert not (tmp_path / "lm").exists()
    export_run(lm_run, tmp_path / "lm", "safetensors", **QUIET)
    assert lstmlab.load(tmp_path / "lm").task == "lm"


def test_export_refuses_a_non_empty_folder(sentiment_run, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="new or empty folder"):
        export_run(sentiment_run, tmp_path, "onnx", **QUIET)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_damaged_bundle_is_a_one_line_error(sentiment_bundle, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "vocab.json", "bundle.json"):
        (broken / name).write_bytes((sentiment_bundle / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="not the file exported with this bundle"):
        lstmlab.load(broken)
    manifest = json.loads((broken / "bundle.json").read_text())
    del manifest["files"]  # a bundle from before the checksums: the file itself is checked
    (broken / "bundle.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="cannot read the bundle's weights"):
        lstmlab.load(broken)
    (broken / "bundle.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_bundle(broken)


def test_export_command(sentiment_run, tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lstmlab",
            "export",
            str(sentiment_run),
            "--out",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "ONNX Runtime matches PyTorch" in result.stdout
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "lstmlab",
            "export",
            str(sentiment_run),
            "--out",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2
    assert again.stderr.startswith("lstmlab: error: ") and again.stderr.count("\n") == 1


def test_gru_run_exports_to_torchscript_not_onnx(tmp_path, sentiment_run):
    config = json.loads((sentiment_run / "config.json").read_text())
    lstmlab.train(
        "sentiment",
        out=tmp_path / "gru",
        train={"epochs": 1, "threads": 1},
        data={k: config["data"][k] for k in ("train_file", "test_file")},
        model={"embedding_dim": 4, "hidden_size": 4, "cell": "gru"},
    )
    with pytest.raises(ConfigError, match=r"GRU cells .* cannot be exported to ONNX"):
        export_run(tmp_path / "gru", tmp_path / "bundle", "onnx", **QUIET)
    assert not (tmp_path / "bundle").exists()
    export_run(tmp_path / "gru", tmp_path / "bundle", "torchscript", **QUIET)
    assert lstmlab.load(tmp_path / "bundle").predict("a wonderful film")["label"] in ("pos", "neg")


def test_a_failed_export_leaves_no_half_bundle(sentiment_run, tmp_path, monkeypatch):
    import lstmlab.export.bundle as bundle

    def fail(*args, **kwargs):
        raise ConfigError("this model cannot be exported to ONNX: simulated")

    monkeypatch.setattr(bundle, "_export_onnx", fail)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="simulated"):
        export_run(sentiment_run, tmp_path / "empty", "onnx", **QUIET)
    assert list((tmp_path / "empty").iterdir()) == []  # the given folder stays, empty


@pytest.mark.parametrize("which", ["sentiment", "pos"])
def test_evaluate_a_bundle_as_its_run(request, which, capsys):
    from lstmlab.cli.main import main

    run = request.getfixturevalue(f"{which}_run")
    bundle = request.getfixturevalue(f"{which}_bundle")
    labelled = json.loads((run / "config.json").read_text())["data"]["test_file"]
    results = []
    for folder in (run, bundle):
        capsys.readouterr()
        assert main(["evaluate", str(folder), "--file", labelled, "--json"]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert results[0] == results[1] and results[0]["examples"] > 0
    # Without --file: refused (a bundle never reads the data files its config names).
    assert main(["evaluate", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evaluate it on a labelled file" in err
