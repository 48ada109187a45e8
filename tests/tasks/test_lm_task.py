"""The language-model task: training on text, perplexity, generation, what data it reads.

``lm_run`` (tests/tiny_runs.py) is a tiny LM trained on a repeating pattern.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import lstmlab
from lstmlab.cli.main import main
from lstmlab.errors import ConfigError

PATTERN = "the cat sat on the mat . a dog ran in the park ."  # what tiny_runs' lm_run learnt


def test_a_repeating_pattern_is_learnt_to_near_zero_loss(lm_run: Path) -> None:
    history = [json.loads(line) for line in (lm_run / "metrics.jsonl").read_text().splitlines()]
    assert history[-1]["val_loss"] < 0.1 < history[0]["train_loss"]
    assert history[-1]["val_acc"] > 0.95
    # Next-word accuracy is measured in evaluation only: training records none (not 0.0).
    assert all("train_acc" not in record for record in history)


def test_perplexity_is_exp_of_the_mean_loss_and_selects_the_best_epoch(lm_run: Path) -> None:
    history = [json.loads(line) for line in (lm_run / "metrics.jsonl").read_text().splitlines()]
    for record in history:
        assert record["val_perplexity"] == pytest.approx(math.exp(record["val_loss"]))
    metrics = json.loads((lm_run / "test_metrics.json").read_text())
    best = min(history, key=lambda r: r["val_perplexity"])
    assert metrics["best_epoch"] == best["epoch"]
    assert metrics["best_val_perplexity"] == pytest.approx(best["val_perplexity"])
    assert metrics["test_perplexity"] == pytest.approx(math.exp(metrics["test_loss"]))
    assert (lm_run / "perplexity.png").is_file()


def test_generation_is_deterministic_with_a_seed_and_continues_the_pattern(lm_run) -> None:
    model = lstmlab.load(lm_run)
    first = model.generate("the cat sat", tokens=8, seed=1, top_k=1)
    assert first == model.generate("the cat sat", tokens=8, seed=1, top_k=1)
    assert first.startswith("the cat sat on the mat .")
    sampled = {model.generate("", tokens=12, seed=s, temperature=3.0) for s in range(4)}
    assert len(sampled) > 1  # different seeds, different text at a high temperature


def test_generate_command_streams_words_and_validates_options(lm_run, capsys) -> None:
    assert main(["generate", str(lm_run), "a dog", "--tokens", "5", "--top-k", "1"]) == 0
    assert capsys.readouterr().out.strip() == "a dog ran in the park ."
    assert main(["generate", str(lm_run), "zebra xylophone", "--tokens", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["words"]) == 3  # unknown words read as <unk>
    for option, value in (("--temperature", "0"), ("--top-k", "-1"), ("--tokens", "-2")):
        assert main(["generate", str(lm_run), "the", option, value]) == 2
        assert option.lstrip("-").split("-")[0] in capsys.readouterr().err


def test_special_tokens_are_never_generated(lm_run) -> None:
    words = lstmlab.load(lm_run).generate("", tokens=60, seed=0, temperature=5.0).split()
    assert not {"<pad>", "<unk>", "<eos>"} & set(words)


def test_an_lm_run_given_to_predict_says_what_it_is(lm_run, capsys) -> None:
    assert main(["predict", str(lm_run), "a good film"]) == 2
    assert "is a run of the 'lm' task" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="offers generate"):
        lstmlab.load(lm_run).predict("a good film")


def test_evaluate_on_a_text_file_reports_perplexity(lm_run, tmp_path, capsys) -> None:
    text = tmp_path / "more.txt"
    text.write_text(PATTERN + "\n")
    assert main(["evaluate", str(lm_run), "--file", str(text), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]))
    assert metrics["perplexity"] < 1.5


def test_imdb_pretraining_never_reads_the_test_reviews(
    tmp_path, make_imdb_archive, monkeypatch
) -> None:
    """The test reviews hold words no other review has; the LM's vocabulary must lack them."""
    import lstmlab.data.imdb_encoded as imdb_encoded

    asked = []
    real_reader = imdb_encoded.read_imdb_splits

    def tiny_reader(path, splits, **kwargs):  # a tiny archive: skip the official-size check
        asked.append(set(splits))
        return real_reader(path, splits, **{**kwargs, "check_sizes": False})

    monkeypatch.setattr(imdb_encoded, "read_imdb_splits", tiny_reader)
    reviews = [("train", "pos", i, 9, f"a good film number {i} .") for i in range(6)]
    reviews += [("train", "neg", 10 + i, 2, f"a bad film number {i} .") for i in range(6)]
    reviews += [("train", "unsup", 20 + i, 0, f"some film i saw {i} .") for i in range(8)]
    reviews += [("test", "pos", 40 + i, 9, f"testonlyword{i} qqq .") for i in range(3)]
    reviews += [("test", "neg", 50 + i, 1, f"testonlyword{i} zzz .") for i in range(3)]
    make_imdb_archive(tmp_path / "aclImdb_v1.tar.gz", reviews)
    lstmlab.train(
        "lm",
        out=tmp_path / "run",
        data_dir=str(tmp_path),
        **{
            "data.val_fraction": 0.2,
            "data.bptt": 5,
            "model.embedding_dim": 8,
            "model.hidden_size": 8,
            "train.epochs": 1,
            "train.batch_size": 2,
            "train.eval_batch_size": 2,
        },
    )
    assert asked == [{"train", "unsup"}]
    vocab = json.loads((tmp_path / "run" / "vocab.json").read_text())["tokens"]
    assert "saw" in vocab and "good" in vocab  # unsup and train text were read
    assert not {"qqq", "zzz"} & set(vocab)
    assert not any(token.startswith("testonlyword") for token in vocab)
