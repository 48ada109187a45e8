"""The two tasks, each a :class:`lstmlab.training.runner.TaskSpec`: data + model + metrics."""

from __future__ import annotations


def get_task(name: str):
    """The task spec called ``name`` ("sentiment" or "pos")."""
    if name == "sentiment":
        from lstmlab.tasks.sentiment import SENTIMENT

        return SENTIMENT
    if name == "pos":
        from lstmlab.tasks.pos import POS

        return POS
    raise ValueError(f"unknown task {name!r}")
