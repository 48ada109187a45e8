"""A sentiment run as a bundle: its graph (ids, lengths -> logits), what the runtime does
around it, and its model card's text."""

from __future__ import annotations

from typing import Any

from torch import nn

from lstmlab.export.graphs import EVAL_BATCH_SIZE, GraphSpec
from lstmlab.tasks.base import TaskExport
from lstmlab.training.config import RunConfig


class SentimentExport(TaskExport):
    graph = GraphSpec(
        ("ids", "lengths"),
        ("logits",),
        {"ids": {0: "batch", 1: "length"}, "lengths": {0: "batch"}, "logits": {0: "batch"}},
    )
    use = (
        "Labels English movie reviews (or texts like them) as positive or negative, with a "
        "probability."
    )
    limits = (
        "Trained on {data}; texts far from it (tweets, product reviews, other languages) "
        "will be labelled less reliably.",
        "Reviews longer than {max_len} are cut ({truncate}) before they are read{reading}.",
        "Two classes only: a mixed or neutral text still gets `pos` or `neg`; read the "
        "probability.",
        "The probability is the model's, not a calibrated one; do not use the labels for "
        "decisions about people.",
    )

    def preprocess(self, config: RunConfig, model: nn.Module) -> dict[str, Any]:
        from lstmlab.data.review_files import LABEL_NAMES

        return {
            "tokenizer": config.data.tokenizer,
            "max_len": config.data.max_len,
            "truncate": config.data.truncate,
            "reverse": config.data.reverse,  # the graph takes the kept ids right to left
            "labels": list(LABEL_NAMES),
            "batch_size": EVAL_BATCH_SIZE,
            "softmax": True,
        }

    def describe_data(self, config: RunConfig) -> str:
        if config.data.train_file:
            return super().describe_data(config)
        return (
            "IMDb movie reviews (Maas et al., 2011): 25,000 for training (validation "
            "carved from them), 25,000 for test"
        )

    def card_fields(self, config: RunConfig) -> dict[str, str]:
        data = config.data
        return {
            "data": self.describe_data(config),
            "max_len": f"{data.max_len} tokens" if data.max_len else "no limit",
            "truncate": data.truncate,
            "reading": "; every review is read right to left (data.reverse: the graph takes "
            "its kept ids reversed)"
            if data.reverse
            else "",
        }
