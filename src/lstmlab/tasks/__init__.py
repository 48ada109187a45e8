"""The tasks: each one module holding a :class:`~lstmlab.training.task.Task`, registered by name.

- :mod:`~lstmlab.tasks.sentiment`  review classification (IMDb or labelled review files)
- :mod:`~lstmlab.tasks.pos`        part-of-speech tagging (CoNLL-2000, Brown, tagged files)
- :mod:`~lstmlab.tasks.lm`         word-level language modelling (IMDb text or text files)

A new task is a new module here (or anywhere) that subclasses ``Task`` and calls
:func:`register_task`; see :mod:`lstmlab.tasks.registry`.
"""

from lstmlab.tasks.registry import all_tasks, get_task, register_task, task_names, unregister_task

__all__ = ["all_tasks", "get_task", "register_task", "task_names", "unregister_task"]
