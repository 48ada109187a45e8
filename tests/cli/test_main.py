"""The lstmlab command itself: its command list, version and exit codes."""

from importlib.metadata import version

import pytest

from lstmlab.cli.main import COMMAND_MODULES, main
from lstmlab.tasks import all_tasks

CORE_COMMANDS = ["explain", "data", "train", "evaluate", "predict", "tag", "generate"]


def test_help_lists_every_command(capsys):
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "usage: lstmlab" in out
    commands = [*CORE_COMMANDS, *(t.predict_command for t in all_tasks() if t.predict_command)]
    for command in commands:
        assert f"    {command} " in out, f"{command} is missing from lstmlab --help"


def test_every_command_module_registers_something():
    import argparse
    import importlib

    for name in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        importlib.import_module(name).register(subparsers)
        assert subparsers.choices, f"{name} registered no command"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    # The installed distribution's version (pyproject.toml), not the module's own claim.
    assert capsys.readouterr().out.strip() == f"lstmlab {version('lstmlab')}"


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
