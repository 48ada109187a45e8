"""Fine-tuning a classifier (sentiment, classify) from a language-model run (model.init_from)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import lstmlab
from lstmlab.cli.main import main
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.export import export_run
from lstmlab.tasks import get_task
from lstmlab.training.checkpoint import load_checkpoint

LM_SIZES = {"model.embedding_dim": 8, "model.hidden_size": 12}
CLASSIFIER = {
    "model.embedding_dim": 8,
    "model.hidden_size": 12,
    "model.num_layers": 1,
    "model.bidirectional": False,
    "model.pooling": "concat",
}


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finetune")
    lines = [
        "a good film , really good",
        "a bad film , really bad",
        "good acting and a good plot",
        "bad acting and a bad plot",
    ] * 15
    (folder / "text.txt").write_text("\n".join(lines) + "\n")
    (folder / "train.tsv").write_text(
        "".join(f"{'pos' if 'good' in line else 'neg'}\t{line} wonderful\n" for line in lines)
    )
    (folder / "test.tsv").write_text("pos\tgood good film\nneg\tbad bad film\n")
    # Three classes for the classify task: a CSV with a header and quoted texts.
    rows = [f'"{line}",{"up" if "good" in line else "down"}' for line in lines]
    rows += ['"a film , really a film",flat', '"acting and a plot , a film",flat'] * 15
    (folder / "train3.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def lm_run(texts: Path) -> Path:
    lstmlab.train(
        "lm",
        out=texts / "lm",
        **{
            "data.corpus": "files",
            "data.train_file": str(texts / "text.txt"),
            "data.valid_file": str(texts / "text.txt"),
            "data.bptt": 8,
            **LM_SIZES,
            "train.epochs": 1,
            "train.batch_size": 4,
        },
    )
    return texts / "lm"


def classifier_config(texts: Path, lm_run: Path, **extra):
    spec = get_task("sentiment").trainer()
    settings = {
        **CLASSIFIER,
        "model.init_from": str(lm_run),
        "data.train_file": str(texts / "train.tsv"),
        "data.test_file": str(texts / "test.tsv"),
        **extra,
    }
    overrides = [
        f"{k}={json.dumps(v) if isinstance(v, str) else str(v).lower()}"
        for k, v in settings.items()
    ]
    return spec, get_task("sentiment").resolve_config(None, overrides)


def test_encoder_weights_and_vocabulary_come_from_the_lm(texts, lm_run) -> None:
    spec, config = classifier_config(texts, lm_run)
    prepared = spec.prepare(config, None)
    assert prepared.vocabs["vocab"] == json.loads((lm_run / "vocab.json").read_text())
    model = spec.build_model(config, prepared.vocabs)
    spec.init_weights(model, config, prepared.vocabs)
    lm_weights = load_checkpoint(lm_run / "best.pt", "lm")["model"]
    copied = 0
    for name, tensor in model.state_dict().items():
        if name.startswith(("embedding.", "lstm.")):
            assert torch.equal(tensor, lm_weights[name]), name
            copied += 1
    assert copied == 5  # embedding + the LSTM's four tensors


def test_fine_tuning_trains_and_keeps_predict_and_evaluate(texts, lm_run, capsys) -> None:
    run = texts / "classifier"
    args = [
        "train",
        "sentiment",
        "--train",
        str(texts / "train.tsv"),
        "--test",
        str(texts / "test.tsv"),
        "--out",
        str(run),
        "--set",
        f"model.init_from={lm_run}",
        "--set",
        "train.epochs=3",
        "--set",
        "train.lr_decay=2.6",
        "--set",
        "train.gradual_unfreezing=true",
    ]
    for key, value in CLASSIFIER.items():
        args += ["--set", f"{key}={str(value).lower()}"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["predict", str(run), "a good film"]) == 0
    assert capsys.readouterr().out.startswith("pos")
    assert main(["evaluate", str(run), "--file", str(texts / "test.tsv")]) == 0


def test_gradual_unfreezing_trains_only_the_top_group_first(texts, lm_run) -> None:
    from lstmlab.training.optim import RunOptimizer

    spec, config = classifier_config(
        texts, lm_run, **{"train.gradual_unfreezing": True, "train.lr_decay": 2.0}
    )
    prepared = spec.prepare(config, None)
    model = spec.build_model(config, prepared.vocabs)
    optimizer = RunOptimizer(model, config.train)
    rates = [group["lr"] for group in optimizer.optimizer.param_groups]
    assert rates == pytest.approx([config.train.lr / 4, config.train.lr / 2, config.train.lr])
    optimizer.start_epoch(0)
    assert [all(p.requires_grad for p in g) for g in optimizer.groups] == [False, False, True]
    optimizer.start_epoch(1)
    assert [all(p.requires_grad for p in g) for g in optimizer.groups] == [False, True, True]
    optimizer.start_epoch(5)
    assert all(p.requires_grad for p in model.parameters())


def test_size_or_vocabulary_mismatch_is_a_one_line_error(texts, lm_run, tmp_path) -> None:
    spec, config = classifier_config(texts, lm_run, **{"model.hidden_size": 20})
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "model.hidden_size is 20 but the language model's is 12; set --set model.hidden_size=12"
        ),
    ):
        spec.prepare(config, None)
    spec, config = classifier_config(texts, lm_run, **{"model.bidirectional": True})
    with pytest.raises(ConfigError, match="bidirectional"):
        spec.prepare(config, None)
    spec, config = classifier_config(texts, lm_run)
    prepared = spec.prepare(config, None)
    vocab = dict(prepared.vocabs["vocab"])
    vocab["tokens"] = [*vocab["tokens"], "extra"]  # a vocabulary one word larger
    model = spec.build_model(config, {"vocab": vocab})
    with pytest.raises(CheckpointError, match=r"embedding.weight has shape"):
        spec.init_weights(model, config, prepared.vocabs)


def test_init_from_something_else_is_refused(texts, lm_run, tmp_path) -> None:
    spec, config = classifier_config(texts, lm_run, **{"model.init_from": str(tmp_path)})
    with pytest.raises(Exception, match="not an lstmlab run folder"):
        spec.prepare(config, None)


@pytest.mark.parametrize("setting", ["data.min_freq=2", "data.max_size=50"])
def test_vocabulary_limits_are_refused_with_init_from(texts, lm_run, setting) -> None:
    # The fine-tuned classifier reads the LM's words: a limit would be silently ignored.
    name, value = setting.split("=")
    spec, config = classifier_config(texts, lm_run, **{name: int(value)})
    with pytest.raises(ConfigError, match=rf"{name} = {value} has no effect with model.init_from"):
        spec.prepare(config, None)
    spec, config = classify_config(texts, lm_run, **{name: int(value)})
    with pytest.raises(ConfigError, match="leave " + re.escape(name)):
        spec.prepare(config, None)


# ---------------------------------------------------------------- the classify task
def classify_config(texts: Path, lm_run: Path, **extra):
    settings = {
        **CLASSIFIER,
        "model.init_from": str(lm_run),
        "data.train_file": str(texts / "train3.csv"),
        **extra,
    }
    overrides = [
        f"{k}={json.dumps(v) if isinstance(v, str) else str(v).lower()}"
        for k, v in settings.items()
    ]
    return get_task("classify").trainer(), get_task("classify").resolve_config(None, overrides)


def test_classify_starts_from_the_lm_words_and_encoder(texts, lm_run) -> None:
    spec, config = classify_config(texts, lm_run)
    prepared = spec.prepare(config, None)
    assert prepared.vocabs["vocab"] == json.loads((lm_run / "vocab.json").read_text())
    assert prepared.vocabs["classes"]["tokens"] == ["down", "flat", "up"]
    model = spec.build_model(config, prepared.vocabs)
    spec.init_weights(model, config, prepared.vocabs)
    lm_weights = load_checkpoint(lm_run / "best.pt", "lm")["model"]
    encoder = [n for n in model.state_dict() if n.startswith(("embedding.", "lstm."))]
    assert len(encoder) == 5
    for name in encoder:
        assert torch.equal(model.state_dict()[name], lm_weights[name]), name
    # Without init_from the vocabulary is the training texts' own (no LM's <eos> in it).
    spec, config = classify_config(texts, lm_run, **{"model.init_from": ""})
    own = spec.prepare(config, None).vocabs["vocab"]["tokens"]
    assert "<eos>" in prepared.vocabs["vocab"]["tokens"] and "<eos>" not in own


def test_classify_fine_tunes_three_classes_from_the_cli(texts, lm_run, capsys) -> None:
    run = texts / "classify"
    args = ["train", "classify", "--train", str(texts / "train3.csv"), "--out", str(run)]
    settings = {
        **CLASSIFIER,
        "model.init_from": lm_run,
        "train.epochs": 10,
        "train.lr": 0.02,
    }
    for key, value in settings.items():
        args += ["--set", f"{key}={str(value).lower() if isinstance(value, bool) else value}"]
    assert main(args) == 0
    capsys.readouterr()
    for text, label in [("a good film , really good", "up"), ("a bad film , really bad", "down")]:
        assert main(["predict", str(run), text]) == 0
        assert capsys.readouterr().out.startswith(label), text
    assert json.loads((run / "config.json").read_text())["model"]["init_from"] == str(lm_run)
    export_run(run, texts / "classify-bundle", "safetensors", say=lambda *_: None)
    card = (texts / "classify-bundle" / "README.md").read_text()
    assert f"fine-tuned from the language-model run `{lm_run}`" in card


def test_classify_reads_a_backward_lm_s_direction_only(texts, lm_run, tmp_path) -> None:
    """Other sizes are refused; a backward LM needs data.reverse, and with it the classifier
    reads every text right to left: in training, in predict and in the exported bundle."""
    spec, config = classify_config(texts, lm_run, **{"model.embedding_dim": 16})
    with pytest.raises(ConfigError, match=r"model\.embedding_dim is 16 but the language model.s"):
        spec.prepare(config, None)
    backward = tmp_path / "backward"
    lstmlab.train(
        "lm",
        out=backward,
        **{
            "data.corpus": "files",
            "data.train_file": str(texts / "text.txt"),
            "data.valid_file": str(texts / "text.txt"),
            "data.reverse": True,
            "data.bptt": 8,
            **LM_SIZES,
            "train.epochs": 1,
            "train.batch_size": 4,
        },
    )
    spec, config = classify_config(texts, backward)
    with pytest.raises(ConfigError, match=r"data\.reverse is false but the language model.s is tr"):
        spec.prepare(config, None)
    spec, config = classify_config(texts, lm_run, **{"data.reverse": True})
    with pytest.raises(ConfigError, match=r"data\.reverse is true but the language model.s is fal"):
        spec.prepare(config, None)
    spec, config = classify_config(texts, backward, **{"data.reverse": True})
    prepared = spec.prepare(config, None)
    tokens = prepared.vocabs["vocab"]["tokens"]
    read = {" ".join(tokens[i] for i in e["ids"]) for e in prepared.train + prepared.val}
    rows = (texts / "train3.csv").read_text().splitlines()[1:]
    written = {row.rsplit(",", 1)[0].strip('"') for row in rows}
    assert read == {" ".join(text.split()[::-1]) for text in written}
    run = tmp_path / "classify-backward"
    lstmlab.train(
        "classify",
        out=run,
        **{
            **CLASSIFIER,
            "model.init_from": str(backward),
            "data.train_file": str(texts / "train3.csv"),
            "data.reverse": True,
            "train.epochs": 2,
        },
    )
    trained = lstmlab.load(run)
    text = "good acting and a bad plot"
    ids = torch.tensor([trained.codec.vocab.encode(text.split()[::-1])])
    with torch.no_grad():
        by_hand = torch.softmax(trained.model.eval()(ids, torch.tensor([6])), dim=-1)[0]
    got = trained.predict(text)["probabilities"]
    assert list(got.values()) == pytest.approx(by_hand.tolist(), abs=1e-6)
    export_run(run, tmp_path / "bundle", "safetensors", say=lambda *_: None)
    manifest = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    assert manifest["preprocess"]["reverse"] is True
