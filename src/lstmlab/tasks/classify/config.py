"""The ``[data]`` and ``[model]`` settings of a text classification run (imports no torch)."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.data.labelled import FORMATS
from lstmlab.data.tokenize import TOKENIZERS
from lstmlab.data.trec import LABEL_SETS
from lstmlab.data.truncation import TRUNCATE_MODES
from lstmlab.data.vocab import DEFAULT_SPECIALS
from lstmlab.models.config import TextClassifierConfig as TextClassifierConfig
from lstmlab.training.config import check

CORPORA = ("files", "trec")


@dataclass
class ClassifyData:
    """Where labelled texts come from, how they are read, and how they become ids."""

    corpus: str = "files"  # "files" (train_file ...) or "trec"
    train_file: str = ""  # CSV, TSV, JSON lines or label<TAB>text; plain or .gz
    valid_file: str = ""  # optional: else validation is carved from train (val_fraction)
    test_file: str = ""  # optional: else no test
    format: str = "auto"  # "auto" or one of data.labelled.FORMATS
    text_column: str = "text"
    label_column: str = "label"
    multi_label: bool = False  # any number of labels per text: sigmoid outputs, a threshold
    label_delimiter: str = ","  # multi-label: between the labels of one field
    threshold: float = 0.5  # multi-label: a label is predicted when its probability is >= this
    trec_labels: str = "coarse"  # TREC: "coarse" (6 classes) or "fine" (50)
    tokenizer: str = "review"
    min_freq: int = 1
    max_size: int = 0  # vocabulary size limit, <pad> and <unk> included; 0 = no limit
    max_len: int = 0  # tokens kept per text; 0 = all
    truncate: str = "head"  # "head", "tail" or "head+tail"
    # Read each text right to left (after truncation): the backward classifier of a
    # forward + backward pair; fine-tuned from a backward LM (lm data.reverse) it must be true.
    reverse: bool = False
    val_fraction: float = 0.1
    max_train: int = 0  # a seeded subset of at most this many examples; 0 = all
    max_valid: int = 0
    max_test: int = 0

    def validate(self) -> None:
        check(self.corpus in CORPORA, f"data.corpus must be one of {', '.join(CORPORA)}")
        check(
            self.corpus != "files" or bool(self.train_file),
            "the classify task needs --train FILE (or --corpus trec)",
        )
        check(
            self.corpus == "files" or not (self.train_file or self.valid_file or self.test_file),
            "--train/--valid/--test read your own files; leave them out with --corpus",
        )
        check(self.format == "auto" or self.format in FORMATS, f"data.format: auto or {FORMATS}")
        check(
            bool(self.text_column and self.label_column) and self.text_column != self.label_column,
            "data.text_column and data.label_column need two different names",
        )
        check(not self.multi_label or bool(self.label_delimiter), "data.label_delimiter is empty")
        check(0 < self.threshold < 1, "data.threshold must be in (0, 1)")
        check(self.trec_labels in LABEL_SETS, f"data.trec_labels must be one of {LABEL_SETS}")
        check(not (self.multi_label and self.corpus == "trec"), "TREC is single-label")
        check(self.tokenizer in TOKENIZERS, f"data.tokenizer must be one of {sorted(TOKENIZERS)}")
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(self.max_size >= 0 and self.max_len >= 0, "data.max_size/max_len must be >= 0")
        check(
            self.max_size == 0 or self.max_size > len(DEFAULT_SPECIALS),
            f"data.max_size must be 0 (no limit) or more than {len(DEFAULT_SPECIALS)}",
        )
        check(self.truncate in TRUNCATE_MODES, f"data.truncate: one of {TRUNCATE_MODES}")
        check(0 < self.val_fraction < 1, "data.val_fraction must be in (0, 1)")
        check(
            min(self.max_train, self.max_valid, self.max_test) >= 0,
            "data.max_train/max_valid/max_test must be >= 0 (0: all)",
        )
