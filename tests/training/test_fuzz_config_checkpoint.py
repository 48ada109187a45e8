"""Property tests: presets, --set items, saved configurations and checkpoints either load or
raise a one-line LstmlabError, whatever their bytes."""

from __future__ import annotations

import json
import random

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmlab.errors import LstmlabError
from lstmlab.tasks import get_task
from lstmlab.training.checkpoint import load_checkpoint, require, save_checkpoint
from lstmlab.training.config import config_from_dict, parse_override, read_preset, resolve_config
from lstmlab.training.runner import read_run_config

FAST = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TASKS = ["sentiment", "pos"]

# TOML/JSON-like values, including the awkward ones (nan, huge ints, nested tables).
scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([0, 1, -1, 0.5, 2, "lstm", "none"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def setting_names(task: str) -> list[str]:
    spec = get_task(task)
    names = [
        f"{section}.{name}"
        for section, cls in (("data", spec.data_config), ("model", spec.model_config))
        for name in cls.__dataclass_fields__
    ]
    return [*names, "train.epochs", "train.lr", "train.seed", "nosection", "model.nope"]


def one_line(error: LstmlabError) -> None:
    message = str(error)
    assert message and len(message.splitlines()) == 1, message


def toml_value(value) -> str:
    """A TOML rendering of ``value`` (json is close enough for scalars and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and abs(value) == float("inf"):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


@pytest.mark.parametrize("task", TASKS)
@FAST
@given(data=st.data())
def test_presets_from_settings(tmp_path, task, data):
    items = data.draw(st.lists(st.tuples(st.sampled_from(setting_names(task)), values), max_size=5))
    tables: dict[str, list[str]] = {}
    for key, value in items:
        section, _, name = key.partition(".")
        tables.setdefault(section, []).append(f"{json.dumps(name)} = {toml_value(value)}")
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in tables.items())
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    spec = get_task(task)
    try:
        config = resolve_config(task, spec.data_config, spec.model_config, str(path))
    except LstmlabError as error:
        one_line(error)
    else:
        config.validate()


# Deep nesting makes recursive parsers (json, tomllib) raise RecursionError.
deeply_nested = st.tuples(
    st.sampled_from([b"x = ", b"[model]\nx = ", b'{"data": ', b""]),
    st.sampled_from([b"[", b"{", b'{"a": ', b"[{x=1}, "]),
    st.integers(1, 3000),
).map(lambda t: t[0] + t[1] * t[2])


@FAST
@given(data=st.one_of(st.binary(max_size=200), deeply_nested))
def test_preset_bytes(tmp_path, data):
    for name in ("p.toml", "p.json"):  # a TOML preset, or a run's config.json as one
        path = tmp_path / name
        path.write_bytes(data)
        try:
            read_preset("pos", str(path))
        except LstmlabError as error:
            one_line(error)


@pytest.mark.parametrize("task", TASKS)
@FAST
@given(
    items=st.lists(
        st.one_of(
            st.text(max_size=30),
            deeply_nested.map(lambda b: "model.hidden_size=" + b.decode()),
            st.tuples(
                st.sampled_from(setting_names("pos") + setting_names("sentiment")), values
            ).map(lambda kv: f"{kv[0]}={toml_value(kv[1])}"),
        ),
        max_size=4,
    )
)
def test_set_items(task, items):
    spec = get_task(task)
    try:
        for item in items:
            parse_override(item)
        resolve_config(task, spec.data_config, spec.model_config, None, items)
    except LstmlabError as error:
        one_line(error)


@pytest.mark.parametrize("task", TASKS)
@FAST
@given(
    saved=st.one_of(
        values,
        st.fixed_dictionaries(
            {},
            optional={
                "task": st.sampled_from(TASKS),
                "data": values,
                "model": values,
                "train": values,
            },
        ),
    )
)
def test_saved_configurations(tmp_path, task, saved):
    spec = get_task(task)
    try:
        config_from_dict(task, spec.data_config, spec.model_config, saved)
    except LstmlabError as error:
        one_line(error)
    (tmp_path / "config.json").write_text(json.dumps(saved))
    try:
        read_run_config(spec, tmp_path)
    except LstmlabError as error:
        one_line(error)


@FAST
@given(data=st.one_of(st.binary(max_size=300), deeply_nested))
def test_config_json_bytes(tmp_path, data):
    (tmp_path / "config.json").write_bytes(data)
    try:
        read_run_config(get_task("pos"), tmp_path)
    except LstmlabError as error:
        one_line(error)


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("ckpt") / "last.pt"
    save_checkpoint(
        path,
        "pos",
        {
            "config": {"model": {}},
            "model": {"w": torch.randn(4, 3)},
            "state": {"vocab": {"tokens": ["a"]}},
        },
    )
    return path.read_bytes()


def load(path):
    record = load_checkpoint(path, "pos")
    require(record, path, {"config": dict, "model": dict, "state": dict})
    return record


@FAST
@given(data=st.data())
def test_damaged_checkpoints(tmp_path, checkpoint_bytes, data):
    blob = bytearray(checkpoint_bytes)
    how = data.draw(st.sampled_from(["truncate", "flip", "splice", "random"]))
    if how == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif how == "flip":
        rng = random.Random(data.draw(st.integers(0, 2**32)))
        for _ in range(data.draw(st.integers(1, 8))):
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
    elif how == "splice":
        at = data.draw(st.integers(0, len(blob)))
        blob[at:at] = data.draw(st.binary(min_size=1, max_size=50))
    else:
        blob = bytearray(data.draw(st.binary(max_size=300)))
    path = tmp_path / "best.pt"
    path.write_bytes(bytes(blob))
    try:
        load(path)
    except LstmlabError as error:
        one_line(error)
        assert "weights_only" not in str(error)


@FAST
@given(
    record=st.dictionaries(
        st.sampled_from(["format", "version", "task", "config", "model", "state", "x"]),
        values,
        max_size=6,
    )
)
def test_checkpoint_dicts(tmp_path, record):
    path = tmp_path / "c.pt"
    torch.save(record, path)
    try:
        load(path)
    except LstmlabError as error:
        one_line(error)


progress_values = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(), st.none(), st.text(max_size=4), st.lists(st.none())
)


@FAST
@given(
    record=st.dictionaries(
        st.sampled_from(
            [
                "epoch",
                "batches_done",
                "best_value",
                "best_epoch",
                "bad_epochs",
                "history",
                "partial",
                "best_val_acc",
                "bogus",
            ]
        ),
        progress_values,
        max_size=6,
    )
)
def test_saved_progress(tmp_path, record):
    # A last.pt's progress: a Progress a run can have written, or a one-line error.
    from lstmlab.training.trainer import Progress

    try:
        progress = Progress.from_record(record, tmp_path / "last.pt")
    except LstmlabError as error:
        assert "\n" not in str(error) and "damaged lstmlab checkpoint" in str(error)
        return
    assert 0 <= progress.best_epoch <= progress.epoch == len(progress.history)
    assert progress.batches_done >= 0 and progress.bad_epochs >= 0


@FAST
@given(seed=st.integers(-(2**80), 2**80), task=st.sampled_from(TASKS))
def test_seeds(seed, task):
    spec = get_task(task)
    try:
        config = resolve_config(
            spec.name, spec.data_config, spec.model_config, None, [f"train.seed={seed}"]
        )
    except LstmlabError as error:
        assert "train.seed must be between 0 and" in str(error)
        assert not 0 <= seed < 2**63
        return
    torch.manual_seed(config.train.seed + 1000)  # what the samplers add per epoch: fits
