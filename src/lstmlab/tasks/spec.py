"""What a task package declares about itself, as data (imports neither torch nor its parts).

A task package's ``__init__`` holds one :class:`TaskSpec`: the task's name and help, where
its parts live (``"module:attribute"`` inside the package, imported only when used, so
that the torch-free parts work without torch), its command-line options and its prediction
command. The shared layers (training, command line, API, export, runtime, inspection,
serving) read nothing else about a task; see :mod:`lstmlab.tasks` for the parts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from lstmlab.errors import ConfigError

OPTION_KINDS = ("str", "path", "int", "float", "flag", "choice")
PARTS = ("config", "model", "codec", "training", "predictor", "export", "inspector")


@dataclass(frozen=True)
class Option:
    """One command-line option, declared as data (the command line builds it with argparse).

    For ``lstmlab train TASK`` an option fills the setting ``setting`` (``data.train_file``)
    and, when given, the further ``--set`` items in ``implies`` (``data.corpus=files``). For
    the prediction command, ``setting`` is the keyword the predictor's method receives.
    ``path`` values are made absolute.
    """

    flag: str  # "--train", "--top-k"
    help: str
    setting: str = ""
    kind: str = "str"  # one of OPTION_KINDS
    choices: tuple[str, ...] = ()
    default: Any = None
    implies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"option {self.flag}: kind must be one of {OPTION_KINDS}")
        if not self.flag.startswith("--"):
            raise ValueError(f"option {self.flag!r} must start with --")

    @classmethod
    def file(cls, flag: str, help: str, *, implies: tuple[str, ...] = ()) -> Option:
        """A file of the user's own (``--train``, ``--valid``, ``--test``, ``--dev``) for the
        setting ``data.<train|valid|test|dev>_file``, made absolute."""
        return cls(flag, help, setting=f"data.{flag[2:]}_file", kind="path", implies=implies)

    @property
    def dest(self) -> str:
        """The attribute argparse stores it under: ``--top-k`` -> ``top_k``."""
        return self.flag[2:].replace("-", "_")


@dataclass(frozen=True)
class Command:
    """The task's prediction command (``lstmlab predict``, ``tag``, ``generate``).

    It reads texts (arguments, ``--file`` or standard input), loads the run or bundle, and
    prints what the predictor's :meth:`~lstmlab.tasks.predictor.Predictor.command_output` yields.
    """

    name: str
    help: str
    options: tuple[Option, ...] = ()
    empty_text_allowed: bool = False  # may the command get an empty text (an LM prompt)?
    example: str = '"text"'  # an example argument, for usage lines (the model card)


@dataclass(frozen=True)
class TaskSpec:
    """A task: its name, its parts (``"module:attribute"`` in ``package``) and options.

    Parts (each optional except ``config`` and ``training``):

    - ``config``     the ``[data]`` settings dataclass (torch-free: the runtime reads it)
    - ``model``      the ``[model]`` settings dataclass (torch-free: ``lstmlab train TASK
      --help`` and the checks of ``--set`` and presets read it without importing torch);
      without it, the training part's ``model_config``
    - ``codec``      text -> ids/features and model outputs -> answers (torch-free)
    - ``training``   a :class:`~lstmlab.tasks.base.TaskTraining` subclass
    - ``predictor``  a :class:`~lstmlab.tasks.predictor.Predictor` subclass (``lstmlab.load``)
    - ``export``     a :class:`~lstmlab.tasks.base.TaskExport` (graph, preprocessing, card)
    - ``inspector``  a :class:`~lstmlab.inspect.tasks.Inspector` subclass (explain, serve)
    """

    name: str
    help: str
    package: str = ""  # where the parts live; "": they name whole module paths
    config: str = "config:Data"
    model: str | None = None
    codec: str | None = None
    training: str = "training:Training"
    predictor: str | None = None
    export: str | None = None
    inspector: str | None = None
    command: Command | None = None
    train_options: tuple[Option, ...] = ()
    presets: str = "presets"  # the folder of TOML presets inside the package
    # Where a built-in task stands in lists (``train --help``, messages): lower first, ties
    # by name; a new task left at the default comes after the others. Plugins follow them.
    order: int = 100
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name or not self.name.isidentifier():
            raise ValueError(f"a task needs a name that is an identifier, got {self.name!r}")

    def supports(self, part: str) -> bool:
        """Whether the task has the part ``part`` (one of :data:`PARTS`)."""
        return bool(getattr(self, part))

    def part(self, part: str) -> Any:
        """The part's object, imported on first use; ConfigError when the task lacks it."""
        if part not in self._cache:
            where = getattr(self, part)
            if not where:
                raise ConfigError(f"the {self.name} task has no {part} part")
            module, _, attribute = where.partition(":")
            # Relative to the package; a task without a package names whole module paths.
            loaded = importlib.import_module(f"{self.package}.{module}" if self.package else module)
            self._cache[part] = getattr(loaded, attribute) if attribute else loaded
        return self._cache[part]

    @property
    def data_config(self) -> type:
        """The ``[data]`` settings dataclass."""
        return self.part("config")

    @property
    def model_config(self) -> type:
        """The ``[model]`` settings dataclass: the ``model`` part, else the training part's
        ``model_config`` (which imports the task's torch code)."""
        if self.model:
            return self.part("model")
        return self.trainer().model_config

    def trainer(self) -> Any:
        """The training part (one instance per task)."""
        if "training-instance" not in self._cache:
            self._cache["training-instance"] = self.part("training")(self)
        return self._cache["training-instance"]

    def exporter(self) -> Any:
        """The export part (one instance), or None."""
        if not self.export:
            return None
        if "export-instance" not in self._cache:
            self._cache["export-instance"] = self.part("export")()
        return self._cache["export-instance"]

    def preset_folder(self) -> Traversable | Path | None:
        """Where the task's shipped presets lie (None: it ships none)."""
        if not self.package or not self.presets:
            return None
        return resources.files(self.package) / self.presets

    def resolve_config(
        self,
        preset: str | None = None,
        overrides: list[str] | None = None,
        base: dict[str, Any] | None = None,
    ) -> Any:
        """Defaults, the preset (or a saved configuration ``base``), ``--set`` items:
        the validated :class:`~lstmlab.training.config.RunConfig` of a run of this task."""
        from lstmlab.training.config import resolve_config

        return resolve_config(
            self.name,
            self.data_config,
            self.model_config,
            preset,
            overrides,
            base=base,
            presets=self.preset_folder(),
        )

    def config_from_dict(self, saved: dict[str, Any]) -> Any:
        """A configuration saved by ``RunConfig.to_dict`` (a checkpoint's, a run's)."""
        from lstmlab.training.config import config_from_dict

        return config_from_dict(self.name, self.data_config, self.model_config, saved)
