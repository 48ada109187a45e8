"""The tasks: one package each, registered by name (see :mod:`lstmlab.tasks.registry`).

Every subpackage here is a built-in task (``sentiment``, ``pos``, ``lm``, ``classify``,
``tagger`` ...; ``lstmlab train --help`` lists them all), found by listing this folder: a
new one edits no file outside its package. A task package ``tasks/<name>/`` (or any
installed package, through the entry point group ``lstmlab.tasks``) holds these parts; its
``__init__`` declares them in one :class:`~lstmlab.tasks.spec.TaskSpec` called ``TASK`` and
imports nothing heavy:

- ``config``: the ``[data]`` settings dataclass, with ``validate()`` (ranges are checked
  there, once, as ``ConfigError``); torch-free.
- ``model``: the ``[model]`` settings dataclass, likewise torch-free, so that ``lstmlab
  train TASK --help`` and a mistyped setting answer without importing torch.
- ``codec`` (torch-free, :mod:`lstmlab.tasks.codec`): text -> ``Encoded`` tokens and
  features, ``pad``/``unpad`` of the graph's numpy inputs and outputs, outputs -> labels,
  tags or words; built from the ``[data]`` settings and the vocabularies. Training,
  prediction, inspection and the ONNX runtime all use this one copy.
- ``training`` (:class:`~lstmlab.tasks.base.TaskTraining`): ``prepare`` (examples and
  vocabularies), ``build_model``, ``step`` (summed loss + an open mapping of summable
  counts, and each example's output in evaluation), ``metrics`` (counts -> loss,
  accuracy, perplexity, macro-F1 ...), ``select`` (the default ``train.select``, e.g.
  ``val_accuracy``), ``report`` (from the test pass's outputs), ``labelled_examples``
  (``evaluate --file``), ``summary_lines``; the ``[model]`` dataclass as ``model_config``
  (the same class as the ``model`` part); ``pretrained_embedding``: the embedding
  ``model.pretrained_vectors`` fills, if any.
- ``predictor`` (:class:`~lstmlab.tasks.predictor.Predictor`, torch-free where it can be):
  the typed methods of ``lstmlab.load(run)`` and of an ONNX bundle (``predict``, ``tag``,
  ``generate``), and ``command_output`` for the prediction command.
- ``export`` (:class:`~lstmlab.tasks.base.TaskExport`): the graph's ``GraphSpec``, the
  ``preprocess`` the runtime reads, the model card's use, limits and data line.
- ``inspector`` (:class:`~lstmlab.inspect.tasks.Inspector`): the answer ``lstmlab explain
  RUN`` and the page show, and the panel (``classes``, ``tags``, ``next-words``) that
  renders it.
- ``train_options`` and ``command``: command-line options and the prediction command,
  as data (:class:`~lstmlab.tasks.spec.Option`, :class:`~lstmlab.tasks.spec.Command`);
  ``presets/*.toml`` beside the parts.

The model itself follows one protocol: ``forward`` takes the graph's inputs by name and
returns its output; a tagger also has ``loss`` and ``decode``; every model has ``lstm``
and ``lstm_inputs(...)`` (what the LSTM reads, for inspection). Parameter groups for
discriminative learning rates come from the model's children, in order.
"""

from lstmlab.tasks.registry import (
    ENTRY_POINT_GROUP,
    all_tasks,
    get_task,
    register_task,
    task_names,
    tasks_supporting,
    unregister_task,
)
from lstmlab.tasks.spec import Command, Option, TaskSpec

__all__ = [
    "ENTRY_POINT_GROUP",
    "Command",
    "Option",
    "TaskSpec",
    "all_tasks",
    "get_task",
    "register_task",
    "task_names",
    "tasks_supporting",
    "unregister_task",
]
