"""Backward language models (``data.reverse``): each document read right to left, ``generate``
refused, and classifiers fine-tuned from an LM reading as it does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import lstmlab
from lstmlab.cli.main import main
from lstmlab.errors import ConfigError
from lstmlab.tasks import get_task
from lstmlab.tasks.lm.codec import EOS, SPECIALS

DOCUMENTS = ["the cat sat on the mat", "a dog ran", "good film , really good", "bad plot"]
SIZES = {"model.embedding_dim": 8, "model.hidden_size": 12}


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lm-reverse")
    (folder / "text.txt").write_text("\n".join(DOCUMENTS * 10) + "\n")
    (folder / "train.tsv").write_text(
        "".join(f"{'pos' if 'good' in d else 'neg'}\tgood {d} bad\n" for d in DOCUMENTS * 5)
    )
    (folder / "test.tsv").write_text("pos\tgood good film\nneg\tbad bad film\n")
    return folder


def lm_config(texts: Path, **extra):
    settings = {
        "data.corpus": "files",
        "data.train_file": str(texts / "text.txt"),
        "data.valid_file": str(texts / "text.txt"),
        "data.bptt": 6,
        **SIZES,
        "train.epochs": 1,
        "train.batch_size": 4,
        "train.threads": 1,
        **extra,
    }
    return settings


@pytest.fixture(scope="module")
def forward_lm(texts: Path) -> Path:
    lstmlab.train("lm", out=texts / "fwd", **lm_config(texts))
    return texts / "fwd"


@pytest.fixture(scope="module")
def backward_lm(texts: Path) -> Path:
    lstmlab.train("lm", out=texts / "bwd", **lm_config(texts, **{"data.reverse": True}))
    return texts / "bwd"


def resolved(task: str, settings: dict):
    overrides = [
        f"{k}={json.dumps(v) if isinstance(v, str) else str(v).lower()}"
        for k, v in settings.items()
    ]
    return get_task(task).resolve_config(None, overrides)


def stream(training, examples, config) -> torch.Tensor:
    """The training loader's ids, window after window (one strip)."""
    loader = training.make_loader(examples, 1, config, shuffle=True, seed=3)
    return torch.cat([batch["ids"][0] for batch in loader])


def test_the_stream_is_the_forward_one_with_each_document_reversed(texts: Path) -> None:
    training = get_task("lm").trainer()
    forward_config = resolved("lm", lm_config(texts))
    backward_config = resolved("lm", lm_config(texts, **{"data.reverse": True}))
    forward = training.prepare(forward_config, None)
    backward = training.prepare(backward_config, None)
    assert backward.vocabs == forward.vocabs
    for split in ("train", "val", "test"):
        got = [e["ids"].tolist() for e in getattr(backward, split)]
        assert got == [e["ids"].flip(0).tolist() for e in getattr(forward, split)]
    flipped = [{"ids": e["ids"].flip(0)} for e in forward.train]
    backward_stream = stream(training, backward.train, backward_config)
    assert torch.equal(backward_stream, stream(training, flipped, forward_config))
    assert not torch.equal(backward_stream, stream(training, forward.train, forward_config))
    # Every document still starts with <eos>: the stream's <eos> are where they were.
    eos = SPECIALS.index(EOS)
    assert torch.equal(
        backward_stream == eos, stream(training, forward.train, forward_config) == eos
    )
    # evaluate --file reads a file's documents reversed too.
    examples = training.labelled_examples(backward_config, forward.vocabs, texts / "text.txt")
    assert [e["ids"].tolist() for e in examples[:4]] == [
        e["ids"].flip(0).tolist() for e in forward.train[:4]
    ]


def test_generate_refuses_a_backward_lm_in_one_line(backward_lm, forward_lm, capsys) -> None:
    assert main(["generate", str(backward_lm), "the cat", "--tokens", "3"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0
    assert "backward language model (data.reverse" in captured.err
    assert "generate needs a forward one" in captured.err
    with pytest.raises(ConfigError, match=re.escape("(data.reverse = true)")):
        lstmlab.load(backward_lm).generate("the cat", tokens=3)
    assert main(["generate", str(forward_lm), "the cat", "--tokens", "3"]) == 0


def test_explain_reads_a_backward_lm_as_it_was_trained(backward_lm: Path) -> None:
    from lstmlab.inspect import inspector_for

    trained = lstmlab.load(backward_lm)
    answer = inspector_for(trained).predict("the cat sat")
    assert answer["tokens"] == [EOS, "sat", "cat", "the"]
    assert "last word first" in answer["note"]
    ids = torch.tensor([trained.codec.vocab.encode(answer["tokens"])])
    with torch.no_grad():
        features, _ = trained.model(ids)
        log_probs = trained.model.log_probs(features[0])
    by_hand = log_probs[:-1].gather(1, ids[0, 1:].unsqueeze(1)).squeeze(1).exp()
    assert answer["token_probabilities"][1:] == pytest.approx(by_hand.tolist(), abs=1e-5)


def classifier(texts: Path, lm: Path, **extra):
    spec = get_task("sentiment").trainer()
    settings = {
        **SIZES,
        "model.num_layers": 1,
        "model.bidirectional": False,
        "model.init_from": str(lm),
        "data.train_file": str(texts / "train.tsv"),
        "data.test_file": str(texts / "test.tsv"),
        **extra,
    }
    return spec, resolved("sentiment", settings)


def test_fine_tuning_needs_the_lm_reading_direction(texts, forward_lm, backward_lm) -> None:
    spec, config = classifier(texts, backward_lm)
    message = "data.reverse is false but the language model's is true; set --set data.reverse=true"
    with pytest.raises(ConfigError, match=re.escape(message)):
        spec.prepare(config, None)
    spec, config = classifier(texts, forward_lm, **{"data.reverse": True})
    with pytest.raises(ConfigError, match=re.escape("set --set data.reverse=false")):
        spec.prepare(config, None)
    spec, config = classifier(texts, backward_lm, **{"data.reverse": True})
    prepared = spec.prepare(config, None)
    vocab = prepared.vocabs["vocab"]["tokens"]
    first = [vocab[i] for i in prepared.train[0]["ids"].tolist()]
    assert first[0] == "bad" and first[-1] == "good"  # "good ... bad", read right to left
    assert get_task("sentiment").resolve_config("pretrained", []).data.reverse is False
