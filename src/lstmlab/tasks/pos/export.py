"""A POS run as a bundle: its graph (ids, lengths, chars, casing -> emissions), the CRF's
scores for the runtime's Viterbi, and its model card's text."""

from __future__ import annotations

from typing import Any

from torch import nn

from lstmlab.export.graphs import EVAL_BATCH_SIZE, GraphSpec
from lstmlab.tasks.base import TaskExport
from lstmlab.tasks.pos.codec import MAX_WORD_CHARS
from lstmlab.training.config import RunConfig


class PosExport(TaskExport):
    graph = GraphSpec(
        ("ids", "lengths", "chars", "casing"),
        ("emissions",),
        {
            "ids": {0: "batch", 1: "length"},
            "lengths": {0: "batch"},
            "chars": {0: "batch", 1: "length", 2: "chars"},
            "casing": {0: "batch", 1: "length"},
            "emissions": {0: "batch", 1: "length"},
        },
    )
    use = "Tags each word of an English sentence with its part of speech."
    limits = (
        "Trained on {data}; its tag set is the training data's.",
        "Sentences are split into words as `lstmlab tag` does (Penn-Treebank-like: `don't` "
        "-> `do n't`); text tokenised differently is tagged less reliably.",
        "Words unseen in training are tagged from their letters and casing only (see "
        "`unseen_word_accuracy` under Test metrics, when the run recorded it).",
    )

    def preprocess(self, config: RunConfig, model: nn.Module) -> dict[str, Any]:
        crf = getattr(model, "crf", None)
        return {
            "word_splitter": "lstmlab.data.tokenize.split_words",
            "lowercase": config.data.lowercase,
            "max_word_chars": MAX_WORD_CHARS,
            "batch_size": EVAL_BATCH_SIZE,
            "crf": None if crf is None else crf_scores(crf),
        }

    def describe_data(self, config: RunConfig) -> str:
        data = config.data
        if data.train_file:
            return super().describe_data(config)
        if data.corpus == "brown":
            return f"the Brown corpus ({data.tagset} tag set), a seeded test split"
        return "CoNLL-2000 (WSJ sections 15-18 train, 20 test), Penn Treebank tags"


def crf_scores(crf: nn.Module) -> dict[str, Any]:
    """The CRF's scores in use (constraints applied), as the runtime's Viterbi reads them."""
    start, transitions, end = (score.detach().float().cpu() for score in crf.scores())
    return {"start": start.tolist(), "end": end.tolist(), "transitions": transitions.tolist()}
