"""``lstmlab evaluate RUN_DIR [RUN_DIR ...]``: a trained model on its test set, or on a
labelled file; several runs of one task are evaluated as an ensemble (their averaged
probabilities)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lstmlab.cli.predict import add_threads, use_threads
from lstmlab.errors import CheckpointError, ConfigError
from lstmlab.runtime.manifest import is_bundle


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a trained run on test data or a labelled file",
        description="Evaluate the best checkpoint of RUN_DIR (or an exported bundle) on its "
        "test split, or on a "
        "labelled file in the format its task trains on (e.g. 'pos<TAB>text' lines, CoNLL "
        "or 'word tag' columns, CoNLL-U, plain text). Several RUN_DIRs of one task are "
        "evaluated as an ensemble: each reads the data with its own vocabulary, and their "
        "class probabilities are averaged (e.g. a fine-tuned and a from-scratch classifier).",
    )
    parser.add_argument("run_dir", type=Path, nargs="+", metavar="RUN_DIR")
    parser.add_argument("--file", type=Path, help="labelled data to evaluate on (default: test)")
    parser.add_argument(
        "--data-dir",
        help="data root (default $LSTMLAB_DATA, else $XDG_CACHE_HOME/lstmlab or ~/.cache/lstmlab)",
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    add_threads(parser)
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    use_threads(args)
    evaluated: list[tuple[Any, ...]] = []
    for run_dir in args.run_dir:
        evaluated.append(_evaluate(run_dir, args, evaluated[0][0] if evaluated else None))
    spec, training, metrics, source = evaluated[0][:4]
    if len(evaluated) > 1:
        metrics = _ensemble(args.run_dir, evaluated)
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        what = " + ".join(str(run_dir) for run_dir in args.run_dir)
        kind = "ensemble" if len(evaluated) > 1 else "model"
        print(f"{spec.name} {kind} {what} on {source}: {metrics['examples']:,} examples")
        for line in training.summary_lines(metrics):
            print("  " + line)
    return 0


def _evaluate(run_dir: Path, args: argparse.Namespace, first: Any) -> tuple[Any, ...]:
    """(task spec, its training, metrics, source, examples, outputs, vocabularies) of one
    run; ``first``: the ensemble's first run's task spec, which this run's must be."""
    from lstmlab.api import load
    from lstmlab.tasks import get_task
    from lstmlab.training.trainer import Trainer

    # A run folder or an exported bundle (its safetensors weights and config), as predict.
    trained = load(run_dir)
    spec = get_task(trained.task)
    if first is not None and spec.name != first.name:
        raise ConfigError(
            f"{run_dir} is a {spec.name} run and {args.run_dir[0]} a {first.name} run: "
            "an ensemble needs runs of one task"
        )
    training = spec.trainer()
    config, model, vocabs = trained.config, trained.model, trained.vocabs
    if args.file:
        examples = training.labelled_examples(config, vocabs, args.file)
        source = str(args.file)
    elif is_bundle(run_dir):
        # A bundle reads only its own files: never the data files its config names.
        raise ConfigError(
            f"{run_dir} is an exported bundle: evaluate it on a labelled file, "
            f"lstmlab evaluate {run_dir} --file FILE"
        )
    else:
        prepared = training.prepare(config, args.data_dir)
        if prepared.vocabs != vocabs:
            raise CheckpointError(
                f"the data under the data root no longer gives {run_dir}'s "
                "vocabulary; evaluate with --file instead"
            )
        examples, source = prepared.test, "test split"
    device = next(model.parameters()).device
    trainer = Trainer(model, training, config, None, device=device)
    measured, outputs = trainer.evaluate_with_outputs(examples)
    metrics = {"examples": len(examples), **measured}
    metrics.update(training.report(examples, outputs, vocabs, None))
    return spec, training, metrics, source, examples, outputs, vocabs


def _ensemble(run_dirs: list[Path], evaluated: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The metrics of the runs' averaged outputs (one task, the same examples)."""
    _, training, _, _, examples, _, vocabs = evaluated[0]
    for run_dir, (_, _, _, _, other_examples, _, _) in zip(run_dirs, evaluated, strict=True):
        if len(other_examples) != len(examples):
            raise ConfigError(
                f"{run_dir} reads {len(other_examples):,} examples and {run_dirs[0]} "
                f"{len(examples):,}: an ensemble needs the same data"
            )
    outputs = training.average_outputs(
        [item[4] for item in evaluated],
        [item[5] for item in evaluated],
        [item[6] for item in evaluated],
    )
    measured = training.output_metrics(examples, outputs)
    metrics = {"examples": len(examples), "runs": [str(d) for d in run_dirs], **measured}
    metrics.update(training.report(examples, outputs, vocabs, None))
    return metrics
