"""A classify run as a bundle: its graph (ids, lengths -> logits), what the runtime does
around it (tokenizer, truncation, labels, softmax or sigmoid), and its model card's text."""

from __future__ import annotations

from typing import Any

from torch import nn

from lstmlab.export.graphs import EVAL_BATCH_SIZE, GraphSpec
from lstmlab.tasks.base import TaskExport
from lstmlab.training.config import RunConfig


class ClassifyExport(TaskExport):
    graph = GraphSpec(
        ("ids", "lengths"),
        ("logits",),
        {"ids": {0: "batch", 1: "length"}, "lengths": {0: "batch"}, "logits": {0: "batch"}},
    )
    use = "Labels texts like its training data's with its classes, with probabilities."
    limits = (
        "Trained on {data}; texts unlike it will be labelled less reliably.",
        "Texts longer than {max_len} are cut ({truncate}) before they are read.",
        "{classes}",
        "The probabilities are the model's, not calibrated ones; do not use the labels for "
        "decisions about people.",
    )

    def preprocess(self, config: RunConfig, model: nn.Module) -> dict[str, Any]:
        return {
            "tokenizer": config.data.tokenizer,
            "max_len": config.data.max_len,
            "truncate": config.data.truncate,
            "reverse": config.data.reverse,  # the graph takes the kept ids right to left
            "multi_label": config.data.multi_label,
            "threshold": config.data.threshold,
            "batch_size": EVAL_BATCH_SIZE,
        }

    def describe_data(self, config: RunConfig) -> str:
        data = config.data
        if data.corpus == "trec":
            return (
                f"TREC question classification (Li & Roth 2002), {data.trec_labels} classes: "
                "5,452 training questions (validation carved from them), the 500 TREC-10 "
                "questions for test"
            )
        valid = data.valid_file or "carved from train"
        test = data.test_file or "-"
        return f"the user's files {data.train_file} (train), {valid} (validation), {test} (test)"

    def card_fields(self, config: RunConfig) -> dict[str, str]:
        data = config.data
        return {
            "data": self.describe_data(config),
            "max_len": f"{data.max_len} tokens" if data.max_len else "no limit",
            "truncate": data.truncate,
            "classes": (
                "Multi-label: every label whose probability reaches "
                f"{data.threshold} is given, possibly none."
                if data.multi_label
                else "Exactly one class per text: a text of none of the classes still gets one."
            ),
        }
