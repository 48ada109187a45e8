"""Continuing a language model on new text (``lm`` with ``model.init_from``, tasks/lm/adapt).

ULMFiT's second stage: the old run's words keep their ids and weights, the new text's
words are appended with the mean old row, and every mismatch is a one-line error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import lstmlab
from lstmlab.cli.main import main
from lstmlab.data.vocab import Vocab
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.models.lm import LanguageModel
from lstmlab.tasks import get_task
from lstmlab.tasks.lm.adapt import continue_from, extend_vocab
from lstmlab.training.runner import load_trained

OLD = "the cat sat on the mat . a dog ran in the park ."
NEW = "where is the park ? who sat on the mat ? where did the zebra run ?"
SMALL = {
    "data.bptt": 8,
    "model.embedding_dim": 16,
    "model.hidden_size": 12,
    "model.dropout": 0.0,
    "train.epochs": 1,
    "train.batch_size": 4,
    "train.threads": 1,
}


def write(folder: Path, name: str, line: str, copies: int) -> str:
    path = folder / name
    path.write_text((line + "\n") * copies)
    return str(path)


def files(folder: Path, line: str) -> dict[str, str]:
    return {
        "data.corpus": "files",
        "data.train_file": write(folder, f"train-{len(line)}.txt", line, 40),
        "data.valid_file": write(folder, f"valid-{len(line)}.txt", line, 6),
    }


@pytest.fixture(scope="module", params=[("adaptive", [6]), ("full", [6])], ids=str)
def source(request, tmp_path_factory) -> Path:
    """A tiny LM on OLD's 11 words (with 3 specials: 14 ids); the adaptive softmax has a
    cluster boundary (6) that the added words leave in place."""
    softmax, cutoffs = request.param
    folder = tmp_path_factory.mktemp(f"lm-{softmax}")
    settings = {**SMALL, **files(folder, OLD), "model.softmax": softmax, "model.cutoffs": cutoffs}
    lstmlab.train("lm", out=folder / "old", **settings)
    return folder / "old"


def test_extend_vocab_keeps_the_old_ids_and_appends_new_words_by_count() -> None:
    base = Vocab(["<pad>", "<unk>", "<eos>", "the", "cat"])
    texts = [["the", "zebra", "ox", "zebra", "cat", "ant"], ["ox", "zebra", "ant"]]
    extended = extend_vocab(base, texts, min_freq=1, max_size=0)
    assert extended.tokens == [*base.tokens, "zebra", "ant", "ox"]  # 3, 2, 2 (ties a-z)
    assert extend_vocab(base, texts, min_freq=3, max_size=0).tokens == [*base.tokens, "zebra"]
    assert extend_vocab(base, texts, min_freq=1, max_size=6).tokens == [*base.tokens, "zebra"]
    assert extend_vocab(base, texts, min_freq=1, max_size=3) == base  # never below the base


def test_continue_from_copies_old_rows_and_starts_new_ones_at_the_mean(source: Path) -> None:
    config, old, vocabs = load_trained(get_task("lm"), source)
    base = len(vocabs["vocab"]["tokens"])
    torch.manual_seed(3)
    grown = LanguageModel.from_config(config.model, base + 4)
    record = continue_from(grown, source)
    old_state, new_state = old.state_dict(), grown.state_dict()
    assert record["rows_added"]  # at least the embedding grew
    for name, tensor in new_state.items():
        before = old_state[name]
        if name in record["rows_added"]:
            assert record["rows_added"][name] == [len(before), len(before) + 4]
            torch.testing.assert_close(tensor[: len(before)], before)
            for row in tensor[len(before) :]:
                torch.testing.assert_close(row, before.mean(dim=0))
        else:
            torch.testing.assert_close(tensor, before)
    assert "embedding.weight" in record["rows_added"]


def test_the_cli_continues_a_run_on_new_text_with_its_words_appended(
    source: Path, tmp_path: Path, capsys
) -> None:
    new = files(tmp_path, NEW)
    args = ["train", "lm", "--train", new["data.train_file"], "--valid", new["data.valid_file"]]
    args += ["--out", str(tmp_path / "new"), "--set", f"model.init_from={source}"]
    for key, value in SMALL.items():
        args += ["--set", f"{key}={value}"]
    old_config = json.loads((source / "config.json").read_text())["model"]
    args += ["--set", f"model.softmax={old_config['softmax']}", "--set", "model.cutoffs=[6]"]
    assert main([*args, "--set", "data.max_size=0"]) == 0
    assert "new words (beyond model.init_from's) 7" in capsys.readouterr().out
    old_words = Vocab.load(source / "vocab.json").tokens
    new_words = Vocab.load(tmp_path / "new" / "vocab.json").tokens
    assert new_words[: len(old_words)] == old_words
    assert set(new_words[len(old_words) :]) == {"where", "?", "is", "who", "did", "zebra", "run"}
    record = json.loads((tmp_path / "new" / "init_from.json").read_text())
    assert record["init_from"] == str(source) and "embedding.weight" in record["rows_added"]


@pytest.mark.parametrize(
    ("key", "value", "wanted"),
    [
        ("model.hidden_size", 20, "model.hidden_size is 20 but"),
        ("data.reverse", True, "data.reverse is True but"),
        ("data.tokenizer", "whitespace", "data.tokenizer is 'whitespace' but"),
    ],
)
def test_settings_unlike_the_old_runs_are_refused_before_reading(
    source: Path, tmp_path: Path, key: str, value: object, wanted: str
) -> None:
    settings = {**SMALL, **files(tmp_path, NEW), "model.init_from": str(source), key: value}
    old = json.loads((source / "config.json").read_text())["model"]
    settings.update({"model.softmax": old["softmax"], "model.cutoffs": [6]})
    with pytest.raises(ConfigError, match=wanted):
        lstmlab.train("lm", out=tmp_path / "refused", **settings)


def test_continuing_needs_text_files_and_a_language_model_run(
    source: Path, tmp_path: Path, sentiment_run: Path
) -> None:
    with pytest.raises(ConfigError, match="give --train FILE"):
        lstmlab.train("lm", out=tmp_path / "a", **{"model.init_from": str(source)})
    settings = {**SMALL, **files(tmp_path, NEW), "model.init_from": str(sentiment_run)}
    with pytest.raises(CheckpointError, match="is a sentiment run, not a lm run"):
        lstmlab.train("lm", out=tmp_path / "b", **settings)


def test_a_cutoff_the_new_words_would_move_is_refused(tmp_path: Path) -> None:
    """The old run's 14 ids leave no room under cutoffs [2000]: one cluster, at 13; 7 more
    words would move it to 20 and remap every row, so the run refuses."""
    old_settings = {**SMALL, **files(tmp_path, OLD), "model.cutoffs": [2000]}
    lstmlab.train("lm", out=tmp_path / "old", **old_settings)
    settings = {**old_settings, **files(tmp_path, NEW), "data.max_size": 0}
    settings["model.init_from"] = str(tmp_path / "old")
    with pytest.raises(CheckpointError, match="clusters would change from"):
        lstmlab.train("lm", out=tmp_path / "new", **settings)


def test_a_classifier_from_the_continued_run_reads_its_new_words(source: Path, tmp_path) -> None:
    """ULMFiT's third stage: ``classify`` fine-tuned from the continued run takes the
    extended vocabulary, and the new words' embedding rows are the continued run's."""
    old = json.loads((source / "config.json").read_text())["model"]
    settings = {**SMALL, **files(tmp_path, NEW), "data.max_size": 0}
    settings.update({"model.softmax": old["softmax"], "model.cutoffs": [6]})
    lstmlab.train("lm", out=tmp_path / "new", **{**settings, "model.init_from": str(source)})
    (tmp_path / "q.csv").write_text(
        "text,label\n" + "where is the zebra ?,loc\nwho sat ?,hum\n" * 10
    )
    overrides = {
        "model.init_from": str(tmp_path / "new"),
        "data.train_file": str(tmp_path / "q.csv"),
        "model.embedding_dim": SMALL["model.embedding_dim"],
        "model.hidden_size": SMALL["model.hidden_size"],
        "model.bidirectional": False,
    }
    classify = get_task("classify")
    config = classify.resolve_config(None, [f"{k}={json.dumps(v)}" for k, v in overrides.items()])
    training = classify.trainer()
    prepared = training.prepare(config, None)
    words = prepared.vocabs["vocab"]["tokens"]
    assert words == Vocab.load(tmp_path / "new" / "vocab.json").tokens and "zebra" in words
    model = training.build_model(config, prepared.vocabs)
    training.init_weights(model, config, prepared.vocabs)
    _, lm, _ = load_trained(get_task("lm"), tmp_path / "new")
    zebra = words.index("zebra")
    torch.testing.assert_close(model.embedding.weight[zebra], lm.embedding.weight[zebra])
