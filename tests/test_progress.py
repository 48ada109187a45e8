"""Progress goes to standard error: plain periodic lines off a terminal, none when switched off."""

from __future__ import annotations

import pytest

from lstmlab import progress
from lstmlab.cli.main import build_parser, main


def test_plain_lines_off_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    assert list(progress.bar(range(3), desc="reading")) == [0, 1, 2]
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:3] == ["reading:  33% (1/3)", "reading:  67% (2/3)", "reading: 100% (3/3)"]
    assert "\r" not in captured.err


def test_short_work_prints_nothing(capsys):
    with progress.bar(total=5, desc="quick") as bar:
        bar.update(5)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("switch", ["flag", "env"])
def test_no_progress_switches_every_bar_off(capsys, monkeypatch, switch):
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    monkeypatch.setattr(progress, "_terminal", lambda: True)  # even on a terminal
    if switch == "flag":
        progress.set_enabled(False)
    else:
        monkeypatch.setenv(progress.ENV_VAR, "1")
    try:
        assert list(progress.bar(range(3), desc="reading")) == [0, 1, 2]
        progress.write("a status line")
    finally:
        progress.set_enabled(True)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == "a status line\n"


def test_the_global_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    main(["--no-progress", "data", "list", "--data-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert captured.err == "" and "checking" not in captured.out
    assert progress.enabled()  # switched on again for whatever runs next in this process
    main(["data", "list", "--data-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert "checking" in captured.err and "checking" not in captured.out


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-progress", "train", "pos"],
        ["train", "pos", "--no-progress", "--set", "train.epochs=1"],
        ["train", "--no-progress", "pos"],
        ["data", "list", "--no-progress"],
        ["data", "fetch", "conll2000", "--no-progress"],
        ["tag", "RUN", "--no-progress", "a text"],
        ["explain", "--no-progress"],
    ],
)
def test_no_progress_is_one_switch_before_or_after_the_command(argv):
    args, _ = build_parser(argv).parse_known_args(argv)
    assert args.no_progress is True


def test_no_progress_is_off_unless_given():
    argv = ["data", "list"]
    assert build_parser(argv).parse_known_args(argv)[0].no_progress is False


def test_no_progress_after_the_command_silences_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    main(["data", "list", "--data-dir", str(tmp_path), "--no-progress"])
    captured = capsys.readouterr()
    assert captured.err == "" and "conll2000" in captured.out
    assert progress.enabled()
