"""``lstmlab explain RUN TEXT``: the printed gates are the transparent LSTM's; bad input exits 2."""

from __future__ import annotations

import json
import re

import pytest

import lstmlab
from lstmlab.cli.main import main
from lstmlab.inspect import inspector_for

REVIEW = "the story was really moving"


def explain_json(capsys, *arguments):
    capsys.readouterr()  # the fixture's training output
    assert main(["explain", *arguments, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("layer", "direction"), [(0, "fwd"), (1, "bwd")])
def test_json_holds_each_tokens_top_units_with_their_gates(capsys, sentiment_run, layer, direction):
    report = explain_json(
        capsys,
        str(sentiment_run),
        REVIEW,
        "--units",
        "3",
        "--layer",
        str(layer),
        "--direction",
        direction,
    )
    inspector = inspector_for(lstmlab.load(sentiment_run))
    gates = inspector.trace(inspector.encode(REVIEW)).select(layer, direction)
    assert [row["token"] for row in report["tokens"]] == REVIEW.split()
    assert report["prediction"]["label"] == "pos"
    for t, row in enumerate(report["tokens"]):
        units = [u["unit"] for u in row["units"]]
        assert len(units) == 3
        assert units == gates.h[t].abs().argsort(descending=True)[:3].tolist()
        for unit in row["units"]:
            for name in "ifgoch":
                assert unit[name] == pytest.approx(float(getattr(gates, name)[t, unit["unit"]]))


def test_table_and_plot_for_a_pos_run(capsys, pos_run, tmp_path):
    plot = tmp_path / "inside.png"
    capsys.readouterr()  # the fixture's training output
    assert (
        main(
            [
                "explain",
                str(pos_run),
                "The",
                "cat",
                "sat",
                ".",
                "--units",
                "2",
                "--direction",
                "bwd",
                "--plot",
                str(plot),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "pos run" in out and "tags: The/DT cat/NN" in out
    table = re.split(r"-{20,}", out)[1].strip().splitlines()
    assert len(table) == 4 * 2 + 2  # two units per token, then the plot line
    first = table[0].split()
    assert first[:2] == ["0", "The"] and len(first) == 9  # t, token, unit, i f g o c h
    assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give the text to explain"),
        (["text", "--layer", "7"], "layer 7 does not exist"),
        (["text", "--hidden-size", "3"], "--hidden-size belongs to the worked example"),
        (["text", "--units", "0"], "--units must be a positive integer"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, sentiment_run, arguments, message):
    capsys.readouterr()
    assert main(["explain", str(sentiment_run), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lstmlab: error:")
    assert message in err


def test_a_missing_run_folder_is_one_line(capsys, tmp_path):
    assert main(["explain", str(tmp_path / "nothing"), "some text"]) == 2
    assert capsys.readouterr().err.startswith("lstmlab: error:")


def test_a_language_model_run(capsys, lm_run):
    capsys.readouterr()
    assert main(["explain", str(lm_run), "the cat sat on the", "--units", "1"]) == 0
    out = capsys.readouterr().out
    assert "lm run, LSTM of 1 layer(s), one direction, 12 units" in out
    assert "likeliest next words: mat (" in out
    assert re.search(r"^\s+0  <eos>\s", out, re.MULTILINE)


def test_evidence_only_when_asked(capsys, sentiment_run, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the evidence was computed without --evidence")

    monkeypatch.setattr("lstmlab.inspect.evidence.occlusion_evidence", never)
    long_text = " ".join([REVIEW] * 300)  # 1,500 tokens: the evidence would cost 1,500 passes
    report = explain_json(capsys, str(sentiment_run), long_text)
    assert "evidence" not in report["prediction"]
    assert len(report["tokens"]) == len(
        inspector_for(lstmlab.load(sentiment_run)).encode(long_text).tokens
    )
    monkeypatch.undo()

    report = explain_json(capsys, str(sentiment_run), REVIEW, "--evidence")
    expected = inspector_for(lstmlab.load(sentiment_run)).predict(REVIEW)["evidence"]
    assert report["prediction"]["evidence"] == expected
    assert main(["explain", str(sentiment_run), REVIEW, "--evidence"]) == 0
    assert "strongest evidence" in capsys.readouterr().out


def test_evidence_on_too_long_a_text_is_one_line(capsys, sentiment_run, monkeypatch):
    monkeypatch.setattr("lstmlab.inspect.evidence.MAX_EVIDENCE_TOKENS", 8)
    capsys.readouterr()
    assert main(["explain", str(sentiment_run), " ".join([REVIEW] * 3), "--evidence"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evidence takes at most 8 tokens" in err
