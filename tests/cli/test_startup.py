"""``lstmlab --help``, every command's ``--help`` and mistyped arguments import no torch.

Importing torch takes seconds; help texts and argument, setting and preset errors must
answer at once (≤ 0.5 s). Whether torch was imported is checked, not the time taken, so the
test cannot be flaky on a busy machine: one fresh interpreter runs the command lines one
after another and reports the first that brought torch into ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

from lstmlab.tasks import task_names

PROBE = """
import contextlib, io, json, sys
from lstmlab.cli.main import main

report = {"torch": None, "codes": []}
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code
    report["codes"].append(code)
    if "torch" in sys.modules:
        report["torch"] = argv
        break
print(json.dumps(report))
"""


def first_to_import_torch(command_lines: list[list[str]]) -> dict:
    """Run ``command_lines`` through ``lstmlab``'s main in one fresh interpreter: which
    one first imported torch (None: none did), and the exit codes up to it."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(command_lines)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_help_texts_import_no_torch() -> None:
    commands = ["explain", "data", "evaluate", "predict", "tag", "generate", "export", "serve"]
    lines = [
        ["--help"],
        ["train", "--help"],
        *(["train", task, "--help"] for task in task_names()),
        *([command, "--help"] for command in commands),
        ["data", "list", "--help"],
    ]
    report = first_to_import_torch(lines)
    assert report["torch"] is None
    assert report["codes"] == [0] * len(lines)  # each printed its help


def test_argument_setting_and_preset_errors_import_no_torch(tmp_path) -> None:
    lines = [
        ["train", "pos", "--set", "model.nope=1"],  # an unknown setting
        ["train", "sentiment", "--set", "model.hidden_size=0"],  # out of range
        ["train", "tagger", "--set", "data.scheme=bogus"],
        ["train", "lm", "--set", "model.cell=rnn"],
        ["train", "classify", "--preset", "nope"],  # an unknown preset
        ["train", "pos", "--out", str(tmp_path / "run"), "--nope"],  # an unknown option
        ["train", "bogus"],  # an unknown task
        ["tag"],  # no run given
        ["bogus"],  # an unknown command
    ]
    report = first_to_import_torch(lines)
    assert report["torch"] is None
    assert report["codes"] == [2] * len(lines)  # each a usage or settings error
    assert not (tmp_path / "run").exists()  # refused before any run folder was made
