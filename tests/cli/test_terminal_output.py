"""No command prints a terminal escape raw: texts, tags and paths from outside are escaped."""

import pytest

from lstmlab.cli.main import main

HOSTILE = "good \x1b]0;PWN\x07 film \u202e gnikrow \x1b[2J"


def assert_safe(text: str) -> None:
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in text
    assert "\\x1b" in text


@pytest.mark.parametrize(
    ("command", "run"),
    [("predict", "sentiment_run"), ("tag", "pos_run"), ("generate", "lm_run")],
)
def test_predictions_echo_texts_escaped(command, run, request, capsys):
    run_dir = request.getfixturevalue(run)
    extra = ["--tokens", "3"] if command == "generate" else []
    assert main([command, str(run_dir), HOSTILE, *extra]) == 0
    out, err = capsys.readouterr()
    if command != "generate":  # generate reads unknown words as <unk>
        assert_safe(out)
    assert "\x1b" not in out + err and "\u202e" not in out + err


def test_status_lines_and_the_model_card_escape_paths(sentiment_run, tmp_path, capsys):
    out_dir = tmp_path / "bundle\x1b[31m\u202e"
    assert (
        main(["export", str(sentiment_run), "--out", str(out_dir), "--format", "safetensors"]) == 0
    )
    out, _ = capsys.readouterr()
    assert "exported" in out
    assert_safe(out)
    card = (out_dir / "README.md").read_text(encoding="utf-8")
    assert "\x1b" not in card and "\u202e" not in card
    assert "bundle\\x1b[31m\\u202e" in card  # the path is there, escaped


def test_the_data_root_line_escapes_its_path(tmp_path, capsys):
    root = tmp_path / "data\x1b]0;PWN\x07\u202e"
    root.mkdir()
    assert main(["data", "list", "--data-dir", str(root)]) == 0
    out, err = capsys.readouterr()
    assert "data root:" in out
    assert_safe(out)
    assert "\x1b" not in err


@pytest.mark.parametrize("bundle", ["sentiment_bundle", "pos_bundle"])
def test_the_runtime_command_escapes_texts(bundle, request, capsys):
    from lstmlab.runtime.__main__ import main as runtime_main

    assert runtime_main([str(request.getfixturevalue(bundle)), HOSTILE]) == 0
    out, _ = capsys.readouterr()
    assert_safe(out)
