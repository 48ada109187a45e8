import datetime

import pytest
import torch

from lstmlab.errors import CheckpointError
from lstmlab.training.checkpoint import load_checkpoint, save_checkpoint


def test_round_trip(tmp_path):
    path = tmp_path / "run" / "best.pt"
    weights = {"w": torch.randn(3, 2)}
    save_checkpoint(path, "pos", {"model": weights, "state": {"vocab": ["a", "b"]}})
    record = load_checkpoint(path, "pos")
    torch.testing.assert_close(record["model"]["w"], weights["w"])
    assert record["state"] == {"vocab": ["a", "b"]}
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_wrong_task(tmp_path):
    save_checkpoint(tmp_path / "c.pt", "pos", {})
    with pytest.raises(CheckpointError, match="is a pos checkpoint, not a sentiment one"):
        load_checkpoint(tmp_path / "c.pt", "sentiment")


def test_corrupt_and_foreign_files(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable lstmlab checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not an lstmlab checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_other_version(tmp_path):
    torch.save({"format": "lstmlab-checkpoint", "version": 999, "task": "pos"}, tmp_path / "v.pt")
    with pytest.raises(CheckpointError, match="version 999"):
        load_checkpoint(tmp_path / "v.pt")


def test_arbitrary_objects_are_refused(tmp_path):
    # Any object outside weights_only's allow-list (here a date) must not be unpickled.
    record = {"format": "lstmlab-checkpoint", "version": 1, "x": datetime.date(2020, 1, 1)}
    torch.save(record, tmp_path / "e.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "e.pt")
