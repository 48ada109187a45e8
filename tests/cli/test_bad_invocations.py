"""Bad invocations, table-driven: each gives exit status 2 and one line on stderr, no
traceback, and leaves every file around it as it was."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
import torch

from lstmlab.cli.main import main


@pytest.fixture(scope="module")
def ws(pos_files, review_files, tmp_path_factory) -> Path:
    """A workspace of good and bad inputs, and one small trained POS run."""
    ws = tmp_path_factory.mktemp("ws")
    train, test = pos_files
    shutil.copy(train, ws / "train.txt")
    shutil.copy(test, ws / "test.txt")
    shutil.copy(review_files[0], ws / "reviews.tsv")
    shutil.copy(review_files[1], ws / "reviews_test.tsv")
    assert (
        main(
            [
                "train",
                "pos",
                "--train",
                str(ws / "train.txt"),
                "--test",
                str(ws / "test.txt"),
                "--out",
                str(ws / "run"),
                "--set",
                "train.epochs=1",
                "--set",
                "model.hidden_size=8",
                "--set",
                "model.char_hidden=4",
                "--threads",
                "1",
            ]
        )
        == 0
    )
    packed = bytearray(gzip.compress((ws / "train.txt").read_bytes()))
    packed[30:60] = b"\x00" * 30  # garbage inside the stream: zlib.error, not a truncation
    (ws / "corrupt.txt.gz").write_bytes(bytes(packed))
    (ws / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (ws / "latin1.tsv").write_bytes("pos\tun film très réussi\n".encode("latin-1"))
    (ws / "one_class.tsv").write_text("pos\tgreat\npos\tfine film\n")
    (ws / "huge.txt").write_bytes(b"w" * 2_000_000)  # one 2 MB line, no newline
    (ws / "ids.conllu").write_text(
        "1\tThe\tthe\tDET\tDT\t_\t0\tdep\t_\t_\n3\tcat\tcat\tNOUN\tNN\t_\t0\tdep\t_\t_\n"
    )
    (ws / "adir").mkdir()
    (ws / "deep.toml").write_text("[model]\nhidden_size = " + "[" * 5000)
    (ws / "deep.json").write_text("[" * 5000)
    (ws / "afile").write_text("a user's file\n")
    mine = ws / "mine"  # a user's folder: a run must never write into it
    mine.mkdir()
    for name in ("loss.png", "vocab.json", "test_metrics.json"):
        (mine / name).write_text(f"the user's {name}\n")
    (ws / "empty_root").mkdir()
    no_section = ws / "no_section"
    no_section.mkdir()
    saved = json.loads((ws / "run" / "config.json").read_text())
    del saved["data"]
    (no_section / "config.json").write_text(json.dumps(saved))
    for name, change in (("junk_best", "junk"), ("no_config", "no_config")):
        shutil.copytree(ws / "run", ws / name)
        if change == "junk":
            (ws / name / "best.pt").write_bytes(b"\x80\x04junk, not a checkpoint")
        else:
            for file in ("best.pt", "last.pt"):
                record = torch.load(ws / name / file, weights_only=True)
                del record["config"]
                torch.save(record, ws / name / file)
    return ws


CASES = [
    # corrupt, binary, undecodable, misplaced input
    ("evaluate {run} --file {ws}/corrupt.txt.gz", "not a valid gzip file"),
    ("train pos --train {ws}/corrupt.txt.gz --test {ws}/test.txt", "not a valid gzip file"),
    (
        "train sentiment --train {ws}/latin1.tsv --test {ws}/reviews_test.tsv",
        "latin1.tsv:1: not UTF-8",
    ),
    ("tag {run} --file {ws}/binary.bin", "binary.bin:1:"),
    ("tag {run} --file {ws}/adir", "is a directory"),
    ("evaluate {run} --file {ws}/huge.txt", "huge.txt:1:"),
    ("explain --sequence {ws}/binary.bin", "binary.bin:1:"),
    ("train pos --preset {ws}/binary.bin", "binary.bin:1:"),
    ("train pos --preset {ws}/deep.toml", "invalid TOML"),
    ("explain --sequence {ws}/deep.json", "nested too deeply"),
    ("explain --sequence " + "[" * 5000, "nested too deeply"),
    ("train pos --set model.hidden_size=" + "[" * 5000, "must be an integer"),
    # exit 0 on bad input before
    ("train pos --train {ws}/ids.conllu --test {ws}/ids.conllu", "word id 3 out of order"),
    ("train sentiment --train {ws}/one_class.tsv --test {ws}/reviews_test.tsv", "only pos reviews"),
    ("train pos --dev {ws}/test.txt", "go together"),
    ("train pos --test {ws}/test.txt", "go together"),
    # run folders
    ("train pos --train {ws}/train.txt --test {ws}/test.txt --out {ws}/afile", "is a file"),
    ("train pos --train {ws}/train.txt --test {ws}/test.txt --out {ws}/afile/run", "cannot use"),
    ("train pos --train {ws}/train.txt --test {ws}/test.txt --out {ws}/" + "x" * 300, "cannot use"),
    (
        "train pos --train {ws}/train.txt --test {ws}/test.txt --out {ws}/mine",
        "holds no lstmlab run",
    ),
    ("train pos --train {ws}/train.txt --test {ws}/test.txt --out {run}", "already holds a run"),
    ("train pos --resume {ws}/no_section", "no [data] section"),
    ("train pos --resume {ws}/adir", "not an lstmlab run folder"),
    ("train pos --resume {run} --out {ws}/other", "cannot write to --out"),
    ("train pos --set train.seed=99999999999999999999999", "train.seed must"),
    ("train pos --set train.seed=-1", "train.seed must"),
    # settings
    ("train pos --set model.hidden_size=0", "model.hidden_size must be >= 1"),
    ("train pos --set model.dropout=2", "model.dropout must be in [0, 1)"),
    ("train sentiment --set model.num_layers=0", "model.num_layers must be >= 1"),
    ("train sentiment --set model.embedding_dropout=-0.1", "model.embedding_dropout"),
    ("train pos --set train.epochs=abc", "train.epochs must be an integer"),
    ("train pos --threads 100000", "train.threads must be between 0 and"),
    ("train pos --set train.lr=inf", "train.lr must be a finite number"),
    ("train sentiment --set data.max_size=1", "data.max_size must be 0 (no limit) or more"),
    ("explain --hidden-size 100000000", "--hidden-size must be between 1 and"),
    ("explain --input-size 0", "--input-size must be between 1 and"),
    ("explain --seed 99999999999999999999999", "--seed must fit in 64 bits"),
    # checkpoints
    ("tag {ws}/junk_best The cat", "not an lstmlab checkpoint"),
    ("tag {ws}/no_config The cat", "no valid 'config' entry"),
    ("evaluate {ws}/nowhere", "does not exist"),
    # data root and downloads
    ("data fetch conll2000 --data-dir {ws}/afile", "is a file, not a folder"),
    ("data list --data-dir {ws}/afile", "is a file, not a folder"),
    ("data fetch conll2000 --data-dir {ws}/empty_root --mirror not-a-url", "neither a URL"),
]


def snapshot(folder: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize(("command", "message"), CASES, ids=[c[0][:60] for c in CASES])
def test_bad_invocation(ws, command, message, capsys, monkeypatch):
    monkeypatch.chdir(ws)  # a default run folder (runs/...) would land in the snapshot
    argv = command.format(ws=ws, run=ws / "run").split()
    before = snapshot(ws)
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("lstmlab: error:"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert message in err, err
    assert len(err) < 400, err  # inputs are quoted briefly
    assert "weights_only" not in err
    assert snapshot(ws) == before  # nothing written, nothing removed


def test_data_list_reports_a_corrupt_file(ws, tmp_path, capsys):
    (tmp_path / "conll2000").mkdir()
    for split in ("train", "test"):
        shutil.copy(ws / "corrupt.txt.gz", tmp_path / "conll2000" / f"{split}.txt.gz")
    assert (
        main(["data", "list", "--data-dir", str(tmp_path)]) == 2
    )  # a damaged data set is an error
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("conll2000"))
    assert "UNREADABLE" in line and "not a valid gzip file" in line


def test_predict_says_when_it_falls_back_to_last_pt(ws, tmp_path, capsys):
    shutil.copytree(ws / "run", tmp_path / "run")
    (tmp_path / "run" / "best.pt").unlink()
    assert main(["tag", str(tmp_path / "run"), "The cat sat ."]) == 0
    assert "has no best.pt" in capsys.readouterr().err


@pytest.mark.parametrize("how", ["--resume", "--out"])
def test_a_run_stopped_before_its_first_checkpoint_is_not_stuck(ws, tmp_path, capsys, how):
    stuck = tmp_path / "stuck"
    stuck.mkdir()
    for name in ("config.json", "vocab.json", "chars.json", "tags.json"):
        shutil.copy(ws / "run" / name, stuck / name)
    (stuck / ".last.pt.1234.abcd.tmp").write_bytes(b"half written")
    argv = (
        ["train", "pos", "--resume", str(stuck)]
        if how == "--resume"
        else [
            "train",
            "pos",
            "--train",
            str(ws / "train.txt"),
            "--test",
            str(ws / "test.txt"),
            "--out",
            str(stuck),
            "--set",
            "train.epochs=1",
            "--set",
            "model.hidden_size=8",
            "--set",
            "model.char_hidden=4",
        ]
    )
    assert main([*argv, "--threads", "1"]) == 0
    assert "stopped before its first checkpoint" in capsys.readouterr().out
    assert (stuck / "last.pt").is_file() and not list(stuck.glob(".*.tmp"))


def test_a_run_folder_in_use_is_refused(ws, tmp_path, capsys):
    import fcntl
    import os

    out = tmp_path / "busy"
    out.mkdir()
    handle = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # another training holds it
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        argv = ["train", "pos", "--train", str(ws / "train.txt"), "--test", str(ws / "test.txt")]
        assert main([*argv, "--out", str(out), "--threads", "1"]) == 2
    finally:
        os.close(handle)
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmlab: error:") and "in use by another training" in err, err
    assert len(err.splitlines()) == 1 and list(out.iterdir()) == []
