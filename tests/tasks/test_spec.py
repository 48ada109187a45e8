"""What a task declares as data: options, the prediction command, the spec itself."""

from __future__ import annotations

import pytest

from lstmlab.tasks.spec import Option, TaskSpec


def test_a_file_option_fills_its_data_setting() -> None:
    option = Option.file("--dev", "your validation file", implies=("data.corpus=files",))
    assert option == Option(
        "--dev",
        "your validation file",
        setting="data.dev_file",
        kind="path",
        implies=("data.corpus=files",),
    )
    assert Option.file("--train", "x").setting == "data.train_file" and option.dest == "dev"


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="must start with --"):
        Option("train", "x")
    with pytest.raises(ValueError, match="kind must be one of"):
        Option("--train", "x", kind="file")
    with pytest.raises(ValueError, match="an identifier"):
        TaskSpec(name="my-task", help="x")
