"""``lstmlab evaluate RUN_DIR``: a trained model on its test set, or on a labelled file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

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
        "or 'word tag' columns, CoNLL-U, plain text).",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--file", type=Path, help="labelled data to evaluate on (default: test)")
    parser.add_argument(
        "--data-dir",
        help="data root (default $LSTMLAB_DATA, else $XDG_CACHE_HOME/lstmlab or ~/.cache/lstmlab)",
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    add_threads(parser)
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from lstmlab.api import load
    from lstmlab.tasks import get_task
    from lstmlab.training.trainer import Trainer

    use_threads(args)
    # A run folder or an exported bundle (its safetensors weights and config), as predict.
    trained = load(args.run_dir)
    spec = get_task(trained.task)
    training = spec.trainer()
    config, model, vocabs = trained.config, trained.model, trained.vocabs
    if args.file:
        examples = training.labelled_examples(config, vocabs, args.file)
        source = str(args.file)
    elif is_bundle(args.run_dir):
        # A bundle reads only its own files: never the data files its config names.
        raise ConfigError(
            f"{args.run_dir} is an exported bundle: evaluate it on a labelled file, "
            f"lstmlab evaluate {args.run_dir} --file FILE"
        )
    else:
        prepared = training.prepare(config, args.data_dir)
        if prepared.vocabs != vocabs:
            raise CheckpointError(
                f"the data under the data root no longer gives {args.run_dir}'s "
                "vocabulary; evaluate with --file instead"
            )
        examples, source = prepared.test, "test split"
    device = next(model.parameters()).device
    trainer = Trainer(model, training, config, None, device=device)
    measured, outputs = trainer.evaluate_with_outputs(examples)
    metrics = {"examples": len(examples), **measured}
    metrics.update(training.report(examples, outputs, vocabs, None))
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        print(f"{spec.name} model {args.run_dir} on {source}: {len(examples):,} examples")
        for line in training.summary_lines(metrics):
            print("  " + line)
    return 0
