import pytest

from lstmlab.errors import ConfigError
from lstmlab.models.classifier import TextClassifierConfig
from lstmlab.models.tagger import SequenceTaggerConfig
from lstmlab.tasks import get_task
from lstmlab.tasks.pos.config import PosData
from lstmlab.tasks.sentiment.config import SentimentData
from lstmlab.training.config import parse_override, preset_names, resolve_config

TASKS = {
    "sentiment": (SentimentData, TextClassifierConfig),
    "pos": (PosData, SequenceTaggerConfig),
}


@pytest.mark.parametrize("task", TASKS)
def test_every_shipped_preset_resolves(task):
    names = preset_names(get_task(task).preset_folder())
    assert {"lab", "best"} <= set(names)
    for name in names:
        config = get_task(task).resolve_config(name)
        assert config.task == task


@pytest.mark.parametrize("task", ["classify", "tagger", "lm"])
def test_the_other_tasks_presets_resolve_and_validate(task):
    names = preset_names(get_task(task).preset_folder())
    assert names
    for name in names:
        config = get_task(task).resolve_config(name)
        assert config.task == task and config.to_dict()["data"]


def test_lab_preset_is_the_lab_model():
    config = get_task("sentiment").resolve_config("lab")
    assert (config.data.tokenizer, config.data.min_freq, config.data.max_len) == (
        "whitespace",
        5,
        128,
    )
    assert (config.model.embedding_dim, config.model.hidden_size, config.model.pooling) == (
        300,
        32,
        "lab",
    )
    assert (config.train.lr, config.train.batch_size, config.train.epochs) == (5e-4, 64, 10)


def test_overrides_win_and_are_typed():
    config = get_task("sentiment").resolve_config(
        "lab",
        [
            "train.lr=0.01",
            "train.epochs=2",
            "model.bidirectional=true",
            "data.tokenizer=review",
            "train.clip_grad=1",
        ],
    )
    assert config.train.lr == 0.01 and config.train.epochs == 2
    assert config.model.bidirectional is True and config.data.tokenizer == "review"
    assert isinstance(config.train.clip_grad, float)


@pytest.mark.parametrize(
    "item, message",
    [
        ("train.nope=1", "unknown setting train.nope"),
        ("train.epochs=abc", "train.epochs must be an integer"),
        ("model.bidirectional=1", "must be true or false"),
        ("train.epochs=0", "train.epochs must be >= 1"),
        ("model.pooling=first", "model.pooling must be one of"),
        ("nodot=1", "section.key=value"),
        ("extra.key=1", "section must be data, model or train"),
        ("train.precision=half", "train.precision must be .float32., .bfloat16. or .float16."),
    ],
)
def test_bad_overrides_are_clear_errors(item, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config("sentiment", *TASKS["sentiment"], None, [item])


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"choose one of: .*best.*lab"):
        get_task("pos").resolve_config("fastest")


def test_preset_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[model]\nhidden_size = 7\n[train]\nepochs = 1\n")
    config = resolve_config("pos", *TASKS["pos"], str(path))
    assert config.model.hidden_size == 7 and config.train.epochs == 1
    path.write_text("[model\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        resolve_config("pos", *TASKS["pos"], str(path))


def test_parse_override_keeps_plain_strings():
    assert parse_override("data.train_file=/tmp/a b.txt") == ("data", "train_file", "/tmp/a b.txt")
