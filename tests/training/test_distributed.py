"""Data-parallel training under torchrun: 2 gloo processes on 127.0.0.1, a tiny POS corpus.

The jobs are real ``torchrun`` launches of the real command line; the single-process
reference runs in this process. Every launch is bounded by a timeout, so a hang fails.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from lstmlab.cli.main import main
from lstmlab.errors import ConfigError
from lstmlab.training.distributed import (
    TIMEOUT_ENV,
    DistContext,
    DistributedError,
    all_reduce_sum,
    collective_timeout_s,
    init_distributed,
    on_main,
    short_reason,
    surfaced_peer_failures,
)

LAUNCH_TIMEOUT_S = 90
# Dropout 0: in DDP each process draws dropout masks for its own slice of the batch, which
# cannot equal the masks one process draws for the whole batch.
TINY_MODEL = [
    "model.word_dim=16",
    "model.char_dim=8",
    "model.char_hidden=8",
    "model.hidden_size=16",
    "model.dropout=0",
    "train.lr=0.01",
    "train.seed=5",
]
TAGS = {
    "DT": ["the", "a", "this"],
    "NN": ["dog", "Cat", "market", "fish", "pound"],
    "VBZ": ["runs", "is", "eats"],
    "JJ": ["big", "Small", "red"],
    ".": ["."],
}


def write_corpus(path: Path, sentences: int, seed: int) -> Path:
    """A two-column (``word tag``) corpus of short random sentences."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        tags = [
            "DT",
            *(["JJ"] * rng.randint(0, 2)),
            "NN",
            "VBZ",
            *(["DT", "NN"] if rng.random() < 0.5 else []),
            ".",
        ]
        lines += [f"{rng.choice(TAGS[tag])} {tag}" for tag in tags] + [""]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("corpus")
    return [
        "--train",
        str(write_corpus(folder / "train.txt", 70, 1)),
        "--test",
        str(write_corpus(folder / "test.txt", 10, 2)),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Launch 2 processes on this machine; one CPU thread each (this machine has 2 cores)."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(free_port()),
        *args,
    ]
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=LAUNCH_TIMEOUT_S,
        env={**os.environ, **env},
    )


def train_pos(*args: str) -> list[str]:
    return ["train", "pos", *args]


def settings(*items: str) -> list[str]:
    return [arg for item in items for arg in ("--set", item)]


def final_parameters(run_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(run_dir / "last.pt", weights_only=True)["model"]


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


def test_two_processes_train_like_one_on_the_same_global_batches(tmp_path, corpus):
    one, two = tmp_path / "one", tmp_path / "two"
    # Epoch 1: global batch 2 x 6 (batch_size is per process by default).
    job = torchrun(
        [
            "-m",
            "lstmlab",
            *train_pos(*corpus, "--out", str(two), "--threads", "1"),
            *settings(*TINY_MODEL, "train.epochs=1", "train.batch_size=6"),
        ],
        tmp_path,
    )
    assert job.returncode == 0, job.stderr[-3000:]
    assert (
        main(
            train_pos(
                *corpus,
                "--out",
                str(one),
                *settings(*TINY_MODEL, "train.epochs=1", "train.batch_size=12"),
            )
        )
        == 0
    )
    assert max_difference(final_parameters(one), final_parameters(two)) < 1e-5
    # ... a tolerance tight enough to tell other global batches (6, as if no rank had a peer).
    assert (
        main(
            train_pos(
                *corpus,
                "--out",
                str(tmp_path / "six"),
                *settings(*TINY_MODEL, "train.epochs=1", "train.batch_size=6"),
            )
        )
        == 0
    )
    assert max_difference(final_parameters(tmp_path / "six"), final_parameters(two)) > 1e-3

    # Only rank 0 printed and wrote: one header, one metrics line, the same files as one process.
    assert job.stdout.count("lstmlab: pos run in") == 1
    assert "global batch 12 (6 per process)" in job.stdout
    assert len((two / "metrics.jsonl").read_text().splitlines()) == 1
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
    report = json.loads((two / "test_metrics.json").read_text())
    assert (report["world_size"], report["global_batch_size"]) == (2, 12)

    # Epoch 2, resumed under torchrun; keep_global_batch keeps 12 as the global batch.
    job = torchrun(
        [
            "-m",
            "lstmlab",
            *train_pos("--resume", str(two), "--threads", "1"),
            *settings("train.epochs=2", "train.keep_global_batch=true", "train.batch_size=12"),
        ],
        tmp_path,
    )
    assert job.returncode == 0, job.stderr[-3000:]
    assert main(train_pos("--resume", str(one), *settings("train.epochs=2"))) == 0
    assert max_difference(final_parameters(one), final_parameters(two)) < 1e-5
    assert len((two / "metrics.jsonl").read_text().splitlines()) == 2


# Rank 0 is asked to stop (as by Ctrl-C) after the third step of the first epoch.
STOPPED_MID_EPOCH = textwrap.dedent("""
    import functools, sys
    import lstmlab.training.runner
    from lstmlab.cli.main import main

    def stop(trainer):
        if trainer.ctx.rank == 0 and trainer.progress.batches_done == 3:
            trainer.stop_requested = True

    lstmlab.training.runner.train_run = functools.partial(lstmlab.training.runner.train_run,
                                                          trainer_hook=stop)
    raise SystemExit(main(sys.argv[1:]))
""")


def test_a_run_stopped_mid_epoch_under_torchrun_resumes_in_one_process(tmp_path, corpus):
    run = settings(
        *TINY_MODEL, "train.epochs=2", "train.batch_size=12", "train.keep_global_batch=true"
    )
    script = tmp_path / "stop.py"
    script.write_text(STOPPED_MID_EPOCH)
    two, one = tmp_path / "two", tmp_path / "one"
    job = torchrun(
        [str(script), *train_pos(*corpus, "--out", str(two), "--threads", "1"), *run], tmp_path
    )
    assert job.returncode != 0  # the job ends as an interrupted one
    assert (
        f"interrupted after 3 batches of epoch 1: state saved; resume with --resume {two}"
        in job.stdout + job.stderr
    )
    assert not (two / "metrics.jsonl").exists() or not (two / "metrics.jsonl").read_text()

    # The rest of the run in one process: the same global batches, so the same result.
    assert main(train_pos("--resume", str(two))) == 0
    assert main(train_pos(*corpus, "--out", str(one), *run)) == 0
    assert max_difference(final_parameters(one), final_parameters(two)) < 1e-5
    assert len((two / "metrics.jsonl").read_text().splitlines()) == 2


# Rank 1 dies (SIGKILL) after its second step.
KILLED_RANK = textwrap.dedent("""
    import functools, os, signal, sys
    import lstmlab.training.runner
    from lstmlab.cli.main import main

    def die(trainer):
        if trainer.ctx.rank == 1 and trainer.progress.batches_done == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    lstmlab.training.runner.train_run = functools.partial(lstmlab.training.runner.train_run,
                                                          trainer_hook=die)
    raise SystemExit(main(sys.argv[1:]))
""")


def test_a_killed_process_ends_the_job_instead_of_hanging(tmp_path, corpus):
    script = tmp_path / "killed_rank.py"
    script.write_text(KILLED_RANK)
    job = torchrun(
        [
            str(script),
            *train_pos(*corpus, "--out", str(tmp_path / "run"), "--threads", "1"),
            *settings(*TINY_MODEL, "train.epochs=3", "train.batch_size=4"),
        ],
        tmp_path,
    )
    # torchrun saw rank 1 die and stopped rank 0 (or rank 0 saw the connection drop first).
    assert job.returncode != 0
    assert "rank      : 1 (local_rank: 1)" in job.stderr and "SIGKILL" in job.stderr
    # Rank 0 printed no traceback: it was stopped, or it said what happened in one line.
    assert "[rank0]: Traceback" not in job.stderr


def in_two_processes(work: Callable[[DistContext], str], answers: int = 2) -> dict[int, str]:
    """Run ``work`` in 2 processes joined by gloo on 127.0.0.1 (collective timeout 1 s).

    The processes are forks of this one (no new interpreter to start: fast). Returns what
    each process that answered within 30 s returned (or raised, as "Error: message").
    """
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    port = free_port()

    def process(rank: int) -> None:
        os.environ.update(
            WORLD_SIZE="2",
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
            **{TIMEOUT_ENV: "1"},
        )
        ctx = init_distributed(torch.device("cpu"))
        try:
            answer = work(ctx)
        except (Exception, SystemExit) as error:
            answer = f"{type(error).__name__}: {error}"
        results.put((rank, answer))

    workers = [context.Process(target=process, args=(rank,), daemon=True) for rank in (0, 1)]
    for worker in workers:
        worker.start()
    try:
        return dict(results.get(timeout=30) for _ in range(answers))
    finally:
        for worker in workers:
            worker.kill()
            worker.join()


def test_a_hung_process_makes_the_others_fail_after_the_timeout():
    def hang_or_wait(ctx: DistContext) -> str:
        if ctx.rank == 1:
            time.sleep(60)  # never answers
        started = time.monotonic()
        with surfaced_peer_failures():
            all_reduce_sum([1.0], ctx, torch.device("cpu"))
        return f"no error after {time.monotonic() - started:.1f} s"

    started = time.monotonic()
    message = in_two_processes(hang_or_wait, answers=1)[0]
    assert message.startswith("DistributedError: data-parallel training stopped")
    assert "more than 1 s" in message and "Timed out" in message and "\n" not in message
    assert time.monotonic() - started < 15


def test_on_main_gives_every_process_the_main_result_or_stops_them_all():
    def rank_of_the_computer(ctx: DistContext) -> str:
        return on_main(lambda: f"computed by rank {ctx.rank}", ctx)

    assert in_two_processes(rank_of_the_computer) == {
        0: "computed by rank 0",
        1: "computed by rank 0",
    }

    def refuse(ctx: DistContext) -> str:
        return on_main(lambda: (_ for _ in ()).throw(ConfigError("bad run folder")), ctx)

    # The main process raises the error (printed once); the others leave quietly, status 2.
    assert in_two_processes(refuse) == {0: "ConfigError: bad run folder", 1: "SystemExit: 2"}


# ------------------------------------------------------------------ single-process helpers
def test_collective_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    assert collective_timeout_s() == 300
    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    assert collective_timeout_s() == 2.5
    for bad in ("0", "-1", "soon"):
        monkeypatch.setenv(TIMEOUT_ENV, bad)
        with pytest.raises(ConfigError, match=TIMEOUT_ENV):
            collective_timeout_s()


def test_on_main_in_a_single_process_just_computes():
    assert on_main(lambda: 41 + 1, DistContext()) == 42
    with pytest.raises(ConfigError):
        on_main(lambda: (_ for _ in ()).throw(ConfigError("bad")), DistContext())


def test_backend_failures_become_one_line_errors_and_others_pass_through():
    gloo = (
        "[/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error "
        "[127.0.0.1]:1: Connection reset by peer. This is typically caused by a remote "
        "worker hanging.\nmore"
    )
    with pytest.raises(DistributedError) as caught, surfaced_peer_failures():
        raise RuntimeError(gloo)
    assert "\n" not in str(caught.value)
    assert short_reason(RuntimeError(gloo)) == "Read error [127.0.0.1]:1: Connection reset by peer"
    with pytest.raises(RuntimeError, match="shape mismatch"), surfaced_peer_failures():
        raise RuntimeError("shape mismatch")


def test_language_model_two_processes_train_like_one(tmp_path):
    """Truncated BPTT under torchrun: each process carries the state of its own rows."""
    text = tmp_path / "text.txt"
    rng = random.Random(0)
    text.write_text(
        "".join(
            " ".join(
                rng.choice([*TAGS["NN"], "the", "a", "runs"]) for _ in range(rng.randint(4, 12))
            )
            + "\n"
            for _ in range(120)
        )
    )
    lm = ["train", "lm", "--train", str(text), "--valid", str(text)]
    model = settings(
        "model.embedding_dim=8",
        "model.hidden_size=8",
        "model.dropout=0",
        "data.bptt=6",
        "train.epochs=1",
        "train.lr=0.01",
    )
    job = torchrun(
        [
            "-m",
            "lstmlab",
            *lm,
            "--out",
            str(tmp_path / "two"),
            "--threads",
            "1",
            *model,
            *settings("train.batch_size=4"),
        ],
        tmp_path,
    )
    assert job.returncode == 0, job.stderr[-3000:]
    assert main([*lm, "--out", str(tmp_path / "one"), *model, *settings("train.batch_size=8")]) == 0
    assert (
        max_difference(final_parameters(tmp_path / "one"), final_parameters(tmp_path / "two"))
        < 1e-5
    )
