"""``lstmlab train pos``, ``tag`` and ``evaluate`` end to end on a tiny corpus."""

import json

import pytest

from lstmlab.cli.main import main


@pytest.fixture(scope="module")
def pos_run(pos_files, tmp_path_factory):
    train, test = pos_files
    run_dir = tmp_path_factory.mktemp("runs") / "pos"
    code = main(
        [
            "train",
            "pos",
            "--train",
            str(train),
            "--test",
            str(test),
            "--out",
            str(run_dir),
            "--set",
            "train.epochs=4",
            "--set",
            "train.lr=0.01",
            "--set",
            "model.hidden_size=32",
            "--set",
            "model.char_hidden=16",
        ]
    )
    assert code == 0
    return run_dir


def test_run_folder(pos_run):
    for name in (
        "config.json",
        "vocab.json",
        "chars.json",
        "tags.json",
        "best.pt",
        "last.pt",
        "metrics.jsonl",
        "test_metrics.json",
        "loss.png",
        "accuracy.png",
        "confusion.png",
    ):
        assert (pos_run / name).is_file(), name
    assert (pos_run / "loss.png").read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((pos_run / "test_metrics.json").read_text())
    assert metrics["tokens"] == 40 * 7  # every real token, no pads
    assert metrics["token_accuracy"] > 0.9  # the toy grammar is easy
    assert len((pos_run / "metrics.jsonl").read_text().splitlines()) == 4


def test_tag_plain_and_json(pos_run, capsys):
    assert main(["tag", str(pos_run), "The dog saw on a cat ."]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("The/DT dog/NN saw/VBD on/IN a/DT cat/NN ./.")
    assert main(["tag", str(pos_run), "--json", "A man liked under the house ."]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["words"] == ["A", "man", "liked", "under", "the", "house", "."]
    assert record["tags"] == ["DT", "NN", "VBD", "IN", "DT", "NN", "."]


def test_tag_from_file_and_unseen_words(pos_run, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text("The zebra sat on the mat .\n\nA cat ate .\n")
    assert main(["tag", str(pos_run), "--file", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].split()[1].startswith("zebra/")


def test_evaluate_reports_real_and_lab_accuracy(pos_run, pos_files, capsys):
    assert main(["evaluate", str(pos_run), "--file", str(pos_files[1]), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["tokens"] == 280 and metrics["units"] == 280
    assert set(metrics["per_tag"]) == {"DT", "NN", "VBD", "IN", "."}
    assert main(["evaluate", str(pos_run), "--file", str(pos_files[1])]) == 0
    out = capsys.readouterr().out
    assert "token accuracy (real tokens)" in out and "pads counted" in out


def test_evaluate_scores_tags_never_seen_in_training(pos_run, pos_files, tmp_path, capsys):
    gold = pos_files[1].read_text()
    assert main(["evaluate", str(pos_run), "--file", str(pos_files[1]), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    # One sentence more, whose every tag is LS, never seen in training.
    path = tmp_path / "gold.txt"
    path.write_text(gold + "1 LS\n2 LS\n3 LS\n\n")
    assert main(["evaluate", str(pos_run), "--file", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    after = json.loads(captured.out)
    assert after["tokens"] == before["tokens"] + 3 and after["unseen_tag_tokens"] == 3
    right = before["token_accuracy"] * before["tokens"]  # the new tokens are all errors
    assert after["token_accuracy"] == pytest.approx(right / after["tokens"])
    assert after["loss"] == pytest.approx(before["loss"], rel=1e-5)  # its sentence: no loss
    assert after["per_tag"] == before["per_tag"]
    note = [line for line in captured.err.splitlines() if "never seen" in line]
    assert note == [
        f"lstmlab: note: {path} has tags never seen in training: LS (3); those 3 tokens are "
        "scored as errors"
    ]
    assert main(["evaluate", str(pos_run), "--file", str(path)]) == 0
    assert "tags never seen in training: 3 tokens, counted as errors" in capsys.readouterr().out


def test_resume_adds_epochs(pos_run):
    assert main(["train", "pos", "--resume", str(pos_run), "--set", "train.epochs=5"]) == 0
    assert len((pos_run / "metrics.jsonl").read_text().splitlines()) == 5


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["--preset", "lab"], "--resume continues the saved configuration"),
        (["--set", "model.hidden_size=3"], "only train.* settings"),
    ],
)
def test_resume_refuses_other_settings(pos_run, argv_tail, message, capsys):
    assert main(["train", "pos", "--resume", str(pos_run), *argv_tail]) == 2
    assert message in capsys.readouterr().err


def test_bad_inputs_are_one_line_errors(pos_run, pos_files, tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("The DT\ncat NN extra junk\n\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cases = [
        (["train", "pos", "--train", str(bad), "--test", str(pos_files[1])], "bad.txt"),
        (
            [
                "train",
                "pos",
                "--train",
                str(empty),
                "--test",
                str(pos_files[1]),
                "--out",
                str(tmp_path / "r"),
            ],
            "empty.txt",
        ),
        (
            [
                "train",
                "pos",
                "--train",
                str(pos_files[0]),
                "--test",
                str(pos_files[1]),
                "--out",
                str(pos_run),
            ],
            "already holds a run",
        ),
        (["tag", str(tmp_path / "nowhere"), "x"], "does not exist"),
        (["tag", str(pos_run), "--file", str(empty)], "empty"),
        (
            ["predict", str(pos_run), "good film"],
            "is a run of the 'pos' task; `lstmlab predict` is for 'sentiment' or 'classify' "
            "runs; use `lstmlab tag`",
        ),
        (["train", "pos", "--resume", str(tmp_path)], "not an lstmlab run folder"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("lstmlab: error:") and message in err, (argv, err)
        assert "Traceback" not in err and len(err.splitlines()) == 1


def test_corrupt_checkpoint(pos_run, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(pos_run, copy)
    (copy / "best.pt").write_bytes(b"garbage")
    assert main(["tag", str(copy), "The cat ."]) == 2
    assert "not an lstmlab checkpoint" in capsys.readouterr().err


def test_train_and_evaluate_on_conllu_files(pos_files, tmp_path, capsys):
    from lstmlab.data.tagged import read_two_column

    universal = {"DT": "DET", "NN": "NOUN", "VBD": "VERB", "IN": "ADP", ".": "PUNCT"}

    def as_conllu(source, path):  # the toy corpus, with UPOS and XPOS columns
        blocks = []
        for number, sentence in enumerate(read_two_column(source)):
            rows = [f"# sent_id = {number}"]
            pairs = zip(sentence.words, sentence.tags, strict=True)
            rows += [
                f"{i}\t{w}\t{w.lower()}\t{universal[t]}\t{t}\t_\t0\tdep\t_\t_"
                for i, (w, t) in enumerate(pairs, start=1)
            ]
            blocks.append("\n".join(rows) + "\n\n")
        path.write_text("".join(blocks))
        return path

    train = as_conllu(pos_files[0], tmp_path / "train.conllu")
    test = as_conllu(pos_files[1], tmp_path / "test.conllu")
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "pos",
                "--train",
                str(train),
                "--test",
                str(test),
                "--out",
                str(run_dir),
                "--set",
                "train.epochs=1",
                "--set",
                "model.hidden_size=16",
                "--set",
                "model.char_hidden=8",
            ]
        )
        == 0
    )
    tags = json.loads((run_dir / "tags.json").read_text())["tokens"]
    assert sorted(tags) == sorted(universal.values())  # UPOS, not the XPOS column
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--file", str(test), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 40 * 7
