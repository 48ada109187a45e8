"""The bundle's model card (``README.md``): what the model is, how well it does, how to use it.

After Hugging Face's model cards and spaCy's ``meta.json``: task, data, configuration,
test metrics, versions, date, intended use and limits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lstmlab.training.config import RunConfig


def model_card(
    spec: Any,
    manifest: dict[str, Any],
    config: RunConfig,
    metrics: dict[str, Any],
    trained_with: dict[str, str],
    run_dir: Path,
    out: Path,
) -> str:
    """The Markdown text of the bundle's ``README.md``."""
    task = manifest["task"]
    exporter = spec.exporter()
    data = exporter.describe_data(config) if exporter else f"{task} data (see config.json)"
    use = (exporter.use if exporter else "") or f"A {task} model."
    limits = list(exporter.limits) if exporter else []
    fields = exporter.card_fields(config) if exporter else {"data": data}
    lines = [
        f"# lstmlab {task} model ({Path(run_dir).name})",
        "",
        f"Exported by `lstmlab export` on {manifest['created']} from the run `{run_dir}`.",
        "",
        "## Model",
        "",
        f"- task: **{task}**; model: {_model_line(config)}",
        f"- files: `{manifest['graph'] or '(no graph)'}` ({manifest['graph_format']}), "
        f"`{manifest['weights']}` + `config.json` (weights), "
        + ", ".join(f"`{name}.json`" for name in manifest["state"])
        + ", `bundle.json`",
        f"- graph inputs: {', '.join(manifest['inputs']) or '-'}; outputs: "
        f"{', '.join(manifest['outputs']) or '-'}; dynamic axes: batch and length",
        "",
        "## Why these files",
        "",
        *_files_why(manifest),
        "",
        "## Data",
        "",
        f"- {data}",
        *_vectors_line(run_dir),
        *_init_line(config),
        "",
        "## Configuration",
        "",
        "The run's resolved settings (`config.json`; `lstmlab train TASK --preset "
        "BUNDLE/config.json` repeats the run):",
        "",
        "```toml",
    ]
    for section in ("data", "model", "train"):
        lines.append(f"[{section}]")
        values = config.to_dict()[section]
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        lines.append("")
    lines[-1:] = ["```", "", "## Test metrics", ""]
    scalars = {k: v for k, v in metrics.items() if isinstance(v, int | float)}
    if scalars:
        lines += ["| metric | value |", "| --- | --- |"]
        lines += [
            f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |"
            for k, v in scalars.items()
        ]
    else:
        lines.append("(the run has no test_metrics.json)")
    lines += [
        "",
        "## Versions",
        "",
        f"- trained with lstmlab {trained_with.get('lstmlab_version')}, torch "
        f"{trained_with.get('torch_version')}",
        f"- exported with lstmlab {manifest['lstmlab_version']}, torch {manifest['torch_version']}",
    ]
    if manifest.get("check"):
        check = manifest["check"]
        lines.append(
            f"- checked at export: {check['runtime']} equals PyTorch to "
            f"{check['max_abs_diff']:.1e} (batch {check['batch']}, length "
            f"{check['length']})"
        )
    lines += ["", "## Intended use", "", use, "", "## Limits", ""]
    lines += [f"- {item.format(**fields)}" for item in limits] or ["- (none recorded)"]
    lines += ["", "## Use it", "", "```bash", *_usage(spec, manifest, out), "```", ""]
    return "\n".join(lines)


def _vectors_line(run_dir: Path) -> list[str]:
    """The pretrained vectors the run started from, as recorded, if any."""
    try:
        record = json.loads((Path(run_dir) / "pretrained_vectors.json").read_text("utf-8"))
        return [
            f"- started from pretrained word vectors `{record['path']}` "
            f"({record['dimension']} dimensions): {record['found']:,} of "
            f"{record['vocabulary']:,} vocabulary words found ({100 * record['coverage']:.1f} %)"
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _init_line(config: RunConfig) -> list[str]:
    """The language-model run a fine-tuned classifier started from, if any."""
    source = getattr(config.model, "init_from", "")
    if not source:
        return []
    return [
        f"- fine-tuned from the language-model run `{source}`: its vocabulary, embedding "
        "and LSTM; the text that language model read is part of this model's training data"
    ]


def _model_line(config: RunConfig) -> str:
    model = config.model
    cell = getattr(model, "cell", "lstm")
    layers = getattr(model, "num_layers", 1)
    hidden = getattr(model, "hidden_size", "?")
    return f"{layers}-layer {cell} with {hidden} hidden units per direction"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _files_why(manifest: dict[str, Any]) -> list[str]:
    """What each kind of file is for: a graph bundle holds the weights twice, on purpose."""
    lines = [
        f"- `{manifest['weights']}` + `config.json`: the weights and settings for PyTorch "
        "(`lstmlab.load`, `lstmlab predict`/`tag`, `lstmlab explain`, fine-tuning); read "
        "without pickle"
    ]
    if manifest.get("graph"):
        lines.append(
            f"- `{manifest['graph']}`: the same weights inside a graph that runs without "
            "lstmlab's model code"
            + (
                " and without PyTorch (ONNX Runtime: `python -m lstmlab.runtime`)"
                if manifest.get("graph_format") == "onnx"
                else ""
            )
            + "; so the weights are here twice. Keep only what you use: export again with "
            "`--format safetensors` for PyTorch alone, or delete "
            f"`{manifest['weights']}` where only the graph is run"
        )
    lines.append(
        "- the vocabularies and `bundle.json`: how text becomes the model's input, and its "
        "output labels"
    )
    return lines


def _usage(spec: Any, manifest: dict[str, Any], out: Path) -> list[str]:
    if spec.command is None:
        return [f"python -c 'import lstmlab; lstmlab.load(\"{out}\")'  # with PyTorch"]
    command, example = spec.command.name, spec.command.example
    lines = [f"lstmlab {command} {out} {example}          # with PyTorch (safetensors weights)"]
    if manifest["graph_format"] == "onnx":
        lines.append(f"python -m lstmlab.runtime {out} {example}  # ONNX Runtime, no PyTorch")
    return lines
