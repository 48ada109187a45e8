"""The lstmlab command itself: its command list, version and exit codes."""

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import lstmlab
from lstmlab.cli.main import COMMAND_MODULES, build_parser, main
from lstmlab.tasks import all_tasks
from lstmlab.tasks.registry import predict_commands

CORE_COMMANDS = ["explain", "data", "train", "evaluate", "predict", "tag", "generate"]


def test_help_lists_every_command(capsys):
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "usage: lstmlab" in out
    commands = [*CORE_COMMANDS, *(t.command.name for t in all_tasks() if t.command)]
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


def _listed(parser) -> dict[str, str]:
    """``command: help`` as ``lstmlab --help`` lists them."""
    action = next(a for a in parser._actions if a.dest == "command")
    return {choice.dest: choice.help for choice in action._choices_actions}


def test_the_light_command_list_is_the_commands_own():
    # lstmlab --help lists commands without importing them: the list must say what they say.
    assert _listed(build_parser([])) == _listed(build_parser([], full=True))
    for command, (task, help_text) in predict_commands().items():
        spec = next(t for t in all_tasks() if t.name == task)
        assert spec.command.name == command
        # A command several tasks share (predict, tag) lists each task's help.
        sharing = [t for t in all_tasks() if t.command and t.command.name == command]
        assert help_text == " / ".join(dict.fromkeys(t.command.help for t in sharing))


@pytest.mark.parametrize("argv", [["--help"], ["frobnicate"], ["--version"]])
def test_help_and_usage_errors_import_no_torch(argv):
    # torch takes seconds to import; --help and a usage error answer without it.
    code = (
        "import sys\nfrom lstmlab.cli.main import main\ntry:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\nprint('torch' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(lstmlab.__file__).parents[1])},
        timeout=60,
    )
    assert result.stderr.splitlines()[-1] == "False", result.stderr
