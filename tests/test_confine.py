"""lstmlab.confine: inside a confined block no file outside its folders opens, by any route."""

from __future__ import annotations

import gzip
import importlib
import os
import sys
import threading

import numpy as np
import pytest

from lstmlab.confine import OutsideReadError, confined


@pytest.fixture
def places(tmp_path):
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (inside / "own.txt").write_text("own")
    (inside / "link.txt").symlink_to(outside / "secret.txt")
    with gzip.open(outside / "secret.gz", "wt") as file:
        file.write("secret")
    np.save(outside / "secret.npy", np.arange(3))
    return inside, outside


@pytest.mark.parametrize(
    "read",
    [
        lambda d: open(d / "secret.txt").read(),  # noqa: SIM115
        lambda d: os.open(d / "secret.txt", os.O_RDONLY),
        lambda d: gzip.open(d / "secret.gz").read(),  # noqa: SIM115
        lambda d: np.load(d / "secret.npy"),
        lambda d: (d / "secret.txt").read_bytes(),
        lambda d: open(d / "new.txt", "w"),  # noqa: SIM115
    ],
)
def test_every_route_outside_is_refused(places, read):
    inside, outside = places
    with confined([inside]) as guard, pytest.raises(OutsideReadError):
        read(outside)
    assert guard.refused and guard.refused[0].startswith(str(outside.resolve()))


def test_inside_reads_work_and_links_out_are_refused(places):
    inside, outside = places
    with confined([inside]) as guard:
        assert (inside / "own.txt").read_text() == "own"
        with pytest.raises(OutsideReadError):
            (inside / "link.txt").read_text()
        sys.modules.pop("colorsys", None)
        importlib.import_module("colorsys")  # modules still import
    assert guard.refused == [str((outside / "secret.txt").resolve())]


def test_only_the_confined_thread_and_block_are_limited(places):
    inside, outside = places
    seen = []
    with confined([inside]):
        worker = threading.Thread(target=lambda: seen.append((outside / "secret.txt").read_text()))
        worker.start()
        worker.join()
    assert seen == ["secret"]
    assert (outside / "secret.txt").read_text() == "secret"  # after the block


def test_a_python_installed_at_the_root_does_not_open_everything(places, monkeypatch):
    inside, outside = places
    monkeypatch.setattr(sys, "prefix", "/")
    monkeypatch.setattr(sys, "exec_prefix", "/")
    with confined([inside]), pytest.raises(OutsideReadError):
        (outside / "secret.txt").read_text()
