"""The task registry: which tasks there are, and what each supports (imports no torch).

Tasks come from three places, in this order:

1. the built-in packages: every subpackage of :mod:`lstmlab.tasks` whose ``__init__``
   holds a :class:`~lstmlab.tasks.spec.TaskSpec` called ``TASK`` (found by listing the
   folder, so a new built-in task is its package alone), listed by ``TaskSpec.order``;
2. installed packages that declare an entry point in the group ``lstmlab.tasks``
   (``mytask = "mypackage.mytask"`` or ``"mypackage.mytask:TASK"``), loaded on first use;
3. :func:`register_task` calls (tests, notebooks).

The shared layers ask the registry (``get_task(name).supports("export")``,
``get_task(name).part("codec")``) and never name a task themselves.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib.metadata import entry_points

from lstmlab.errors import ConfigError
from lstmlab.tasks.spec import TaskSpec

ENTRY_POINT_GROUP = "lstmlab.tasks"

_TASKS: dict[str, TaskSpec] = {}
_BUILTIN: list[str] = []  # the built-in tasks' names, in the order lists show them
_loaded = False


def register_task(spec: TaskSpec) -> TaskSpec:
    """Add ``spec`` to the registry (replacing a task of the same name); return it."""
    if not isinstance(spec, TaskSpec):
        raise TypeError(f"register_task takes a TaskSpec, got {type(spec).__name__}")
    _TASKS[spec.name] = spec
    return spec


def unregister_task(name: str) -> None:
    """Remove a task (tests register throw-away tasks)."""
    _TASKS.pop(name, None)


def _spec_of(target: str) -> TaskSpec:
    """The TaskSpec that ``"module"`` (its ``TASK``) or ``"module:attribute"`` names."""
    module, _, attribute = target.partition(":")
    spec = getattr(importlib.import_module(module), attribute or "TASK")
    if not isinstance(spec, TaskSpec):
        raise TypeError(f"{target} is not a TaskSpec")
    return spec


def builtin_tasks() -> list[TaskSpec]:
    """The TaskSpec of every subpackage of :mod:`lstmlab.tasks` that has one (``TASK``),
    by ``order``, then name. Only the packages' ``__init__`` are imported: no parts."""
    import lstmlab.tasks as package

    specs = []
    for found in pkgutil.iter_modules(package.__path__):
        if found.ispkg:  # a plain module (base, codec ...) is shared code, not a task
            module = importlib.import_module(f"{package.__name__}.{found.name}")
            spec = getattr(module, "TASK", None)
            if isinstance(spec, TaskSpec):
                specs.append(spec)
    return sorted(specs, key=lambda spec: (spec.order, spec.name))


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    _BUILTIN[:] = []
    for spec in builtin_tasks():
        _TASKS.setdefault(spec.name, spec)
        _BUILTIN.append(spec.name)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = _spec_of(point.value)
        except Exception as error:  # a broken plugin must not break every command
            print(
                f"lstmlab: warning: task plugin {point.name} ({point.value}) did not load: "
                f"{type(error).__name__}: {error}",
                file=sys.stderr,
            )
            continue
        _TASKS.setdefault(spec.name, spec)


def reload_plugins() -> None:
    """Look at the installed entry points again (after installing a plugin in-process)."""
    global _loaded
    _loaded = False
    _load()


def all_tasks() -> list[TaskSpec]:
    """Every registered task: the built-in ones in their order, then the others."""
    _load()
    return sorted(
        _TASKS.values(),
        key=lambda t: _BUILTIN.index(t.name) if t.name in _BUILTIN else len(_BUILTIN),
    )


def predict_commands() -> dict[str, tuple[str, str]]:
    """``command: (task, help)`` of every task's prediction command (no torch: task specs
    are data)."""
    commands: dict[str, tuple[str, str]] = {}
    for task in all_tasks():
        if task.command:  # a command several tasks share keeps the first's task, all helps
            first, helps = commands.get(task.command.name, (task.name, ""))
            joined = " / ".join(h for h in (helps, task.command.help) if h)
            commands[task.command.name] = (first, joined)
    return commands


def light_task_names() -> list[str]:
    """The names of every task, for help texts (no torch: task specs are data)."""
    return task_names()


def task_names() -> list[str]:
    """Names of every registered task, built-in ones first."""
    return [task.name for task in all_tasks()]


def get_task(name: str) -> TaskSpec:
    """The task called ``name``; ConfigError naming the known ones otherwise."""
    _load()
    if name not in _TASKS:
        raise ConfigError(f"unknown task {name!r}; choose one of {', '.join(task_names())}")
    return _TASKS[name]


def tasks_supporting(part: str) -> list[TaskSpec]:
    """The tasks that have the part ``part`` (e.g. ``"export"``)."""
    return [task for task in all_tasks() if task.supports(part)]
