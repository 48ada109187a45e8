"""The task registry: every task the command line, the API and the runner know.

A task module registers its :class:`~lstmlab.training.task.Task` when it is imported
(``SENTIMENT = register_task(SentimentTask())``). The built-in task modules are imported
on first use; any other module can register a task of its own the same way, and from
then on ``lstmlab train NAME``, ``evaluate``, the prediction command and ``lstmlab.train``
/ ``lstmlab.load`` work for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lstmlab.errors import ConfigError

if TYPE_CHECKING:  # the task modules import torch; this module must not (lstmlab --help)
    from lstmlab.training.task import Task

# Imported on first use of the registry, in the order ``lstmlab train --help`` lists them.
BUILTIN_TASK_MODULES = ("lstmlab.tasks.sentiment", "lstmlab.tasks.pos", "lstmlab.tasks.lm")
# The built-in tasks' prediction commands, ``command: (task, help)``, known without
# importing the task modules (they import torch, seconds): ``lstmlab --help`` lists them
# at once. tests/tasks/test_registry.py checks them against the tasks themselves.
BUILTIN_PREDICT_COMMANDS = {
    "predict": ("sentiment", "label reviews with a trained sentiment run"),
    "tag": ("pos", "tag sentences with a trained POS run"),
    "generate": ("lm", "continue a prompt with a trained language model"),
}

_TASKS: dict[str, Task] = {}
_builtins_loaded = False


def register_task(task: Task) -> Task:
    """Add ``task`` to the registry (replacing a task of the same name); return it."""
    if not task.name or not task.name.isidentifier():
        raise ValueError(f"a task needs a name that is an identifier, got {task.name!r}")
    _TASKS[task.name] = task
    return task


def unregister_task(name: str) -> None:
    """Remove a task (tests register throw-away tasks)."""
    _TASKS.pop(name, None)


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in BUILTIN_TASK_MODULES:
            importlib.import_module(module)


def all_tasks() -> list[Task]:
    """Every registered task: the built-in ones in their order, then the others."""
    _load_builtins()
    builtin = [m.rsplit(".", 1)[1] for m in BUILTIN_TASK_MODULES]
    return sorted(
        _TASKS.values(), key=lambda t: builtin.index(t.name) if t.name in builtin else len(builtin)
    )


def predict_commands() -> dict[str, tuple[str, str]]:
    """``command: (task, help)`` of every prediction command, without importing a task
    module: the built-in ones, then those of tasks registered since."""
    commands = dict(BUILTIN_PREDICT_COMMANDS)
    builtin = {task for task, _ in commands.values()}
    for task in _TASKS.values():
        if task.name not in builtin and task.predict_command:
            commands[task.predict_command] = (task.name, task.predict_help)
    return commands


def light_task_names() -> list[str]:
    """The names of the built-in tasks and of those registered since, without importing a
    task module (for help texts)."""
    builtin = [m.rsplit(".", 1)[1] for m in BUILTIN_TASK_MODULES]
    return [*builtin, *(name for name in _TASKS if name not in builtin)]


def task_names() -> list[str]:
    """Names of every registered task, built-in ones first."""
    return [task.name for task in all_tasks()]


def get_task(name: str) -> Task:
    """The task called ``name``; ConfigError naming the known ones otherwise."""
    _load_builtins()
    if name not in _TASKS:
        raise ConfigError(f"unknown task {name!r}; choose one of {', '.join(task_names())}")
    return _TASKS[name]
