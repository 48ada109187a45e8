"""A tagger run as a bundle: the POS graph (ids, lengths, chars, casing -> emissions), the
CRF's scores as decoding uses them (its constraints included) and the span scheme, and its
model card's text."""

from __future__ import annotations

from typing import Any

from torch import nn

from lstmlab.errors import ConfigError
from lstmlab.tasks.pos.export import PosExport
from lstmlab.training.config import RunConfig


class TaggerExport(PosExport):
    use = (
        "Tags each word of a sentence like its training data's (chunks, entities, parts of speech)."
    )
    limits = (
        "Trained on {data}; its tag set is the training data's.",
        "Sentences are split into words as `lstmlab tag` does (Penn-Treebank-like: `don't` "
        "-> `do n't`); text tokenised differently is tagged less reliably.",
        "Words unseen in training are tagged from their letters and casing only.",
    )

    def check_exportable(self, config: RunConfig, fmt: str) -> None:
        """A run with feature columns reads an input the graph (and the runtime, which
        tags plain text) lacks: only its weights and config export."""
        columns = config.data.feature_columns
        if columns and fmt != "safetensors":
            raise ConfigError(
                f"this run reads column {', '.join(map(str, columns))} of a CoNLL file as "
                f"input (data.feature_columns), which the {fmt} bundle's runtime cannot feed "
                "yet; --format safetensors exports its weights and config"
            )

    def preprocess(self, config: RunConfig, model: nn.Module) -> dict[str, Any]:
        preprocess = super().preprocess(config, model)
        crf = getattr(model, "crf", None)
        if crf is not None:  # the scores Viterbi decodes with: forbidden steps included
            start, transitions, end = (part.detach().tolist() for part in crf.scores())
            preprocess["crf"] = {"start": start, "transitions": transitions, "end": end}
        return preprocess

    def describe_data(self, config: RunConfig) -> str:
        data = config.data
        if data.corpus == "conll2000":
            return "CoNLL-2000 chunking (WSJ sections 15-18 train, 20 test), its chunk tags"
        if data.corpus == "conll2002":
            names = {"esp": "Spanish", "ned": "Dutch"}
            extra = "".join(f" + {names[lang]} train" for lang in data.extra_languages)
            return (
                f"CoNLL-2002 named entities, {names[data.language]} (train{extra}; testa "
                "validation, testb test)"
            )
        valid = data.valid_file or "carved from train"
        test = data.test_file or "-"
        return f"the user's files {data.train_file} (train), {valid} (validation), {test} (test)"
