import datetime
import errno
import io
import os
import pickle
import stat

import pytest
import torch

import lstmlab
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
    with pytest.raises(CheckpointError, match="not an lstmlab checkpoint") as caught:
        load_checkpoint(tmp_path / "junk.pt")
    assert "weights_only" not in str(caught.value)  # never nudge towards the unsafe load
    save_checkpoint(tmp_path / "whole.pt", "pos", {"model": {"w": torch.zeros(100)}})
    (tmp_path / "cut.pt").write_bytes((tmp_path / "whole.pt").read_bytes()[:-200])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(tmp_path / "cut.pt")
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


def test_plain_pickle_is_refused_without_torch_warnings(tmp_path, recwarn):
    (tmp_path / "plain.pt").write_bytes(pickle.dumps({"format": "lstmlab-checkpoint"}))
    with pytest.raises(CheckpointError, match="not an lstmlab checkpoint"):
        load_checkpoint(tmp_path / "plain.pt")
    assert not recwarn.list


def test_records_versions_and_ordinary_permissions(tmp_path):
    old_umask = os.umask(0o022)
    try:
        save_checkpoint(tmp_path / "c.pt", "pos", {})
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "c.pt").stat().st_mode) == 0o644
    record = load_checkpoint(tmp_path / "c.pt")
    assert record["lstmlab_version"] == lstmlab.__version__
    assert record["torch_version"] == str(torch.__version__)


def test_disk_full_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    save_checkpoint(path, "pos", {"model": {"w": torch.ones(2)}})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(CheckpointError, match=r"cannot save last\.pt: no space left on device"):
        save_checkpoint(path, "pos", {"model": {"w": torch.zeros(2)}})
    monkeypatch.undo()
    assert load_checkpoint(path)["model"]["w"].tolist() == [1.0, 1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]  # no temporary file


def test_a_disk_filling_up_mid_write_is_reported_as_such(tmp_path, monkeypatch):
    # As on a full tmpfs: the first writes succeed, one is cut short, the next raises ENOSPC
    # (which torch's writer swallows, failing with "unexpected pos" instead).
    real_open = open

    class FillingUp(io.FileIO):
        room = 1500

        def write(self, data):
            if self.room <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written = super().write(memoryview(data)[: self.room])
            self.room -= written
            return written

    def open_filling_up(file, *args, **kwargs):
        if isinstance(file, int):
            return FillingUp(file, "wb")
        return real_open(file, *args, **kwargs)

    save_checkpoint(tmp_path / "best.pt", "pos", {"model": {"w": torch.ones(3)}})
    monkeypatch.setattr("builtins.open", open_filling_up)
    with pytest.raises(CheckpointError, match=r"cannot save best\.pt: no space left on device"):
        save_checkpoint(tmp_path / "best.pt", "pos", {"model": {"w": torch.zeros(1000)}})
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "best.pt")["model"]["w"].tolist() == [1.0, 1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["best.pt"]
