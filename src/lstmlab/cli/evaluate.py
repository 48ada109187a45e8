"""``lstmlab evaluate RUN_DIR``: a trained model on its test set, or on a labelled file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lstmlab.api import load
from lstmlab.errors import CheckpointError
from lstmlab.tasks import get_task
from lstmlab.training.trainer import Trainer


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a trained run on test data or a labelled file",
        description="Evaluate the best checkpoint of RUN_DIR (or an exported bundle). "
        "Sentiment files hold "
        "'pos<TAB>text' lines; POS files are CoNLL or 'word tag' columns, or "
        "CoNLL-U.",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--file", type=Path, help="labelled data to evaluate on (default: test)")
    parser.add_argument(
        "--data-dir",
        help="data root (default $LSTMLAB_DATA, else $XDG_CACHE_HOME/lstmlab or ~/.cache/lstmlab)",
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    # A run folder or an exported bundle (its safetensors weights and config), as predict.
    trained = load(args.run_dir)
    spec = get_task(trained.task)
    config, model, state = trained.config, trained.model, trained.state
    if args.file:
        from_file = spec.labelled_examples(config, state, args.file)
        examples, source = from_file, str(args.file)
    else:
        prepared = spec.prepare(config, args.data_dir)
        if prepared.state != state:
            raise CheckpointError(
                f"the data under the data root no longer gives {args.run_dir}'s "
                "vocabulary; evaluate with --file instead"
            )
        examples, source = prepared.test, "test split"
    device = next(model.parameters()).device
    trainer = Trainer(model, spec, config, None, device=device)
    metrics = {"examples": len(examples), **trainer.evaluate(examples)}
    metrics.update(spec.report(model, examples, state, None, device))
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        print(f"{spec.name} model {args.run_dir} on {source}: {len(examples):,} examples")
        for line in spec.summary_lines(metrics):
            print("  " + line)
    return 0
