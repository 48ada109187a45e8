"""``lstmlab explain RUN TEXT``: a trained model's LSTM on a text, gate by gate.

The run's model reads TEXT; its LSTM runs again as :class:`lstmlab.nn.LSTM` with the same
weights (:mod:`lstmlab.inspect.trace`), and for each token the K units with the largest
``|h_t|`` are printed with their i, f, g, o, c and h. ``--plot`` writes heatmaps of every
unit (:mod:`lstmlab.inspect.heatmap`), ``--json`` prints everything as JSON instead.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from lstmlab.errors import ConfigError
from lstmlab.inspect.limits import MAX_EVIDENCE_TOKENS

TOY_OPTIONS = ("input_size", "hidden_size", "seed", "sequence")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the RUN TEXT form."""
    group = parser.add_argument_group("with RUN TEXT")
    group.add_argument("--layer", type=int, default=0, help="LSTM layer, from 0 (default: 0)")
    group.add_argument(
        "--direction",
        choices=("fwd", "bwd"),
        default="fwd",
        help="direction of a bidirectional LSTM (default: fwd)",
    )
    group.add_argument(
        "--units",
        type=int,
        default=5,
        metavar="K",
        help="units listed per token, the K largest |h_t| (default: 5)",
    )
    group.add_argument(
        "--evidence",
        action="store_true",
        help="also each word's leave-one-out evidence, where the task has it (a classifier): "
        "one more pass of the model per token, at most "
        f"{MAX_EVIDENCE_TOKENS:,} tokens",
    )
    group.add_argument("--json", action="store_true", help="print JSON instead of a table")


def explain_run(args: argparse.Namespace) -> int:
    for name in TOY_OPTIONS:
        if getattr(args, name) is not None:
            raise ConfigError(
                f"--{name.replace('_', '-')} belongs to the worked example; "
                "with RUN, the run's model sets the sizes"
            )
    text = " ".join(args.texts).strip()
    if not text:
        raise ConfigError("give the text to explain: lstmlab explain RUN TEXT")
    if args.units < 1:
        raise ConfigError(f"--units must be a positive integer, got {args.units}")

    import lstmlab
    from lstmlab.inspect import inspector_for
    from lstmlab.inspect.units import top_units

    inspector = inspector_for(lstmlab.load(args.run))
    encoded = inspector.encode(text)
    trace = inspector.trace(encoded)
    gates = trace.select(args.layer, args.direction)
    report = {
        "run": str(args.run),
        **inspector.describe(),
        "layer": args.layer,
        "direction": args.direction,
        # The evidence costs a pass of the model per token: computed only when asked for.
        "prediction": _predict(inspector, text, args.evidence, len(encoded.tokens)),
        "tokens": [
            {"token": token, "units": units}
            for token, units in zip(encoded.tokens, top_units(gates, args.units), strict=True)
        ],
    }
    if args.plot is not None:
        from lstmlab.inspect.heatmap import plot_heatmaps

        plot_heatmaps(
            gates, encoded.tokens, args.plot, f"{args.run}: layer {args.layer}, {args.direction}"
        )
        report["plot"] = str(args.plot)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
    return 0


def _predict(inspector: Any, text: str, evidence: bool, tokens: int) -> dict[str, Any]:
    """The inspector's answer; with ``evidence``, its per-word evidence too, with progress."""
    if not evidence:
        return inspector.predict(text, evidence=False)
    from lstmlab.progress import bar

    with bar(desc="evidence", total=tokens, unit="token", leave=False) as progress:
        done = [0]

        def advance(now: int, total: int) -> None:
            progress.update(now - done[0])
            done[0] = now

        return inspector.predict(text, evidence=True, progress=advance)


def format_prediction(prediction: dict[str, Any]) -> str:
    """One line of the answer, by the panel the task's inspector names."""
    panel = prediction.get("panel")
    if panel == "classes":
        return f"prediction: {prediction['label']} (p = {prediction['probability']:.3f})"
    if panel == "tags":
        return "tags: " + " ".join(
            f"{w}/{t}" for w, t in zip(prediction["tokens"], prediction["tags"], strict=True)
        )
    if panel == "next-words":
        return "likeliest next words: " + ", ".join(
            f"{w['word']} ({w['probability']:.3f})" for w in prediction["next_words"][:5]
        )
    shown = {k: v for k, v in prediction.items() if k not in ("task", "panel", "tokens")}
    return "prediction: " + json.dumps(shown)[:300]


def format_report(report: dict[str, Any]) -> str:
    directions = "bidirectional" if len(report["directions"]) == 2 else "one direction"
    lines = [
        f"{report['run']}: {report['task']} run, LSTM of {report['layers']} layer(s), "
        f"{directions}, {report['hidden_size']} units",
        format_prediction(report["prediction"]),
        f"layer {report['layer']}, direction {report['direction']}: per token, the units with "
        "the largest |h_t|",
        "",
        f"{'t':>4}  {'token':<16}{'unit':>6}" + "".join(f"{n:>9}" for n in "ifgoch"),
    ]
    lines.append("-" * len(lines[-1]))
    if report["prediction"].get("note"):  # e.g. a backward model's tokens are reversed
        lines[2:2] = [f"note: {report['prediction']['note']}"]
    evidence = report["prediction"].get("evidence")
    if evidence is not None:
        # The strongest words first: p(label) with the word minus without it (+: towards it).
        strongest = sorted(range(len(evidence)), key=lambda t: -abs(evidence[t]))[:10]
        words = report["prediction"]["tokens"]
        towards = report["prediction"].get("evidence_for", "the label")
        lines[2:2] = [
            f"strongest evidence (p({towards}) with the word minus without it): "
            + ", ".join(f"{words[t]} {evidence[t]:+.3f}" for t in strongest)
        ]
    for t, row in enumerate(report["tokens"]):
        for rank, unit in enumerate(row["units"]):
            head = f"{t:>4}  {row['token'][:15]:<16}" if rank == 0 else " " * 22
            lines.append(f"{head}{unit['unit']:>6}" + "".join(f"{unit[n]:9.4f}" for n in "ifgoch"))
    if "plot" in report:
        lines += ["", f"heatmaps of every unit written to {report['plot']}"]
    return "\n".join(lines)
