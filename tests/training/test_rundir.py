"""The run folder is checked and made before any data loads, and never clobbers a user's files."""

import os

import pytest

from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.training.rundir import (
    claim_new_run_dir,
    prepare_run_dir,
    release_run_dir,
    remove_if_unused,
)


def quiet(message):
    pass


def test_a_new_folder_is_made(tmp_path):
    run = tmp_path / "a" / "b"
    assert prepare_run_dir(run, resume=False, say=quiet) is False
    assert run.is_dir() and list(run.iterdir()) == []


@pytest.mark.parametrize("make", ["file", "below_file", "too_long"])
def test_unusable_paths_are_one_line_errors(tmp_path, make):
    (tmp_path / "f").write_text("mine")
    run = {
        "file": tmp_path / "f",
        "below_file": tmp_path / "f" / "run",
        "too_long": tmp_path / ("x" * 300),
    }[make]
    with pytest.raises(ConfigError) as caught:
        prepare_run_dir(run, resume=False, say=quiet)
    assert len(str(caught.value).splitlines()) == 1
    assert (tmp_path / "f").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_parent(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="permission denied"):
            prepare_run_dir(tmp_path / "run", resume=False, say=quiet)
    finally:
        tmp_path.chmod(0o700)


def test_a_folder_with_the_users_files_is_refused_untouched(tmp_path):
    (tmp_path / "loss.png").write_bytes(b"my plot")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and holds no lstmlab run"):
        prepare_run_dir(tmp_path, resume=False, say=quiet)
    assert (tmp_path / "loss.png").read_bytes() == b"my plot"


def test_a_run_with_checkpoints_needs_resume(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "last.pt").write_bytes(b"x")
    with pytest.raises(ConfigError, match="already holds a run; use --resume"):
        prepare_run_dir(tmp_path, resume=False, say=quiet)
    assert prepare_run_dir(tmp_path, resume=True, say=quiet) is True


def stuck_run(folder):
    """What a run killed before its first checkpoint leaves."""
    (folder / "config.json").write_text("{}")
    (folder / "vocab.json").write_text("{}")
    (folder / ".last.pt.123.abcd.tmp").write_bytes(b"half a checkpoint")
    return folder


def test_a_stuck_run_is_reused_by_out(tmp_path):
    said = []
    assert prepare_run_dir(stuck_run(tmp_path), resume=False, say=said.append) is False
    assert "reusing" in said[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "vocab.json"]


def test_a_stuck_run_resumes_from_scratch(tmp_path):
    said = []
    assert prepare_run_dir(stuck_run(tmp_path), resume=True, say=said.append) is False
    assert "from scratch" in said[0]
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_stuck_run_with_foreign_files_is_refused(tmp_path):
    (stuck_run(tmp_path) / "thesis.tex").write_text("mine")
    with pytest.raises(ConfigError, match=r"files a run does not write \(thesis\.tex\)"):
        prepare_run_dir(tmp_path, resume=False, say=quiet)


def test_resume_without_a_run(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        prepare_run_dir(tmp_path / "nowhere", resume=True, say=quiet)
    with pytest.raises(CheckpointError, match="nothing to resume"):
        prepare_run_dir(tmp_path, resume=True, say=quiet)


def test_a_failed_run_leaves_no_folder_it_made(tmp_path):
    made, existing = tmp_path / "made", tmp_path / "existing"
    existing.mkdir()
    for run in (made, existing):
        prepare_run_dir(run, resume=False, say=quiet)
        remove_if_unused(run)
    assert not made.exists() and existing.is_dir()  # the user's own empty folder stays


def _hold(folder):
    """Lock ``folder`` as another training would (a separate open file: flock conflicts)."""
    import fcntl

    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


@pytest.mark.parametrize("resume", [False, True])
def test_a_folder_in_use_by_another_training_is_refused(tmp_path, resume):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    (run / "last.pt").write_text("")
    if not resume:
        (run / "last.pt").unlink()
    handle = _hold(run)
    try:
        with pytest.raises(ConfigError, match="in use by another training"):
            prepare_run_dir(run, resume=resume, say=quiet)
        remove_if_unused(run)
        assert run.is_dir()
    finally:
        os.close(handle)
    assert prepare_run_dir(run, resume=resume, say=quiet) is resume  # free again
    release_run_dir(run)


def test_a_new_folder_another_training_took_is_never_removed(tmp_path):
    # Both saw the folder missing; the other one made and locked it first.
    run = tmp_path / "run"
    run.mkdir()
    handle = _hold(run)
    try:
        with pytest.raises(ConfigError, match="in use"):
            prepare_run_dir(run, resume=False, say=quiet)
        remove_if_unused(run)
        assert run.is_dir()
    finally:
        os.close(handle)


def test_the_folder_is_checked_under_the_lock(tmp_path):
    # A run finished in the folder between our first look and the lock: refused.
    run = tmp_path / "run"
    prepare_run_dir(run, resume=False, say=quiet)
    release_run_dir(run)
    (run / "config.json").write_text("{}")
    (run / "best.pt").write_text("")
    with pytest.raises(ConfigError, match="already holds a run"):
        prepare_run_dir(run, resume=False, say=quiet)
    release_run_dir(run)


def test_default_folders_claimed_in_the_same_second_differ(tmp_path):
    base = tmp_path / "runs" / "sentiment-default-20260101-000000"
    first, second, third = (claim_new_run_dir(base) for _ in range(3))
    assert (first, second, third) == (
        base,
        base.with_name(base.name + "-2"),
        base.with_name(base.name + "-3"),
    )
    assert all(p.is_dir() for p in (first, second, third))
    remove_if_unused(second)  # a failed run's claimed folder goes; the others stay
    assert not second.exists() and first.is_dir() and third.is_dir()
