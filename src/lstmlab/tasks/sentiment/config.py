"""The ``[data]`` and ``[model]`` settings of a sentiment run (imports no torch: the runtime
reads them). The ``[model]`` dataclass is the classifier's (:mod:`lstmlab.models.config`)."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.data.tokenize import TOKENIZERS
from lstmlab.data.truncation import TRUNCATE_MODES
from lstmlab.data.vocab import DEFAULT_SPECIALS
from lstmlab.models.config import TextClassifierConfig as TextClassifierConfig
from lstmlab.training.config import check


@dataclass
class SentimentData:
    """Where reviews come from and how they become ids."""

    train_file: str = ""  # labelled review file (label<TAB>text); empty: IMDb
    test_file: str = ""
    tokenizer: str = "review"
    min_freq: int = 1
    max_size: int = 0  # vocabulary size limit, <pad> and <unk> included; 0 = no limit
    max_len: int = 0  # tokens kept per review; 0 = all
    truncate: str = "head"  # "head", "tail" or "head+tail"
    # Read each review's kept tokens (after truncation) right to left: ULMFiT's backward
    # classifier; fine-tuned from a backward LM (lm data.reverse = true) it must be true.
    reverse: bool = False
    val_fraction: float = 0.1
    max_train: int = 0  # a seeded subset of at most this many reviews; 0 = all
    max_valid: int = 0
    max_test: int = 0

    def validate(self) -> None:
        check(self.tokenizer in TOKENIZERS, f"data.tokenizer must be one of {sorted(TOKENIZERS)}")
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(self.max_size >= 0 and self.max_len >= 0, "data.max_size/max_len must be >= 0")
        check(
            self.max_size == 0 or self.max_size > len(DEFAULT_SPECIALS),
            f"data.max_size must be 0 (no limit) or more than {len(DEFAULT_SPECIALS)} "
            "(<pad> and <unk> count)",
        )
        check(
            self.truncate in TRUNCATE_MODES,
            f"data.truncate must be one of {', '.join(TRUNCATE_MODES)}",
        )
        check(0 < self.val_fraction < 1, "data.val_fraction must be in (0, 1)")
        check(
            min(self.max_train, self.max_valid, self.max_test) >= 0,
            "data.max_train/max_valid/max_test must be >= 0 (0: all)",
        )
        check(
            bool(self.train_file) == bool(self.test_file),
            "data.train_file and data.test_file go together",
        )
