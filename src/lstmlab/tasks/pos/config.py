"""The ``[data]`` and ``[model]`` settings of a POS run (imports no torch: the runtime reads
them). The ``[model]`` dataclass is the tagger's (:mod:`lstmlab.models.config`)."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.data.tagged import CONLLU_TAGS
from lstmlab.models.config import SequenceTaggerConfig as SequenceTaggerConfig
from lstmlab.training.config import check

CORPORA = ("conll2000", "brown", "files")


@dataclass
class PosData:
    """Which tagged corpus, and how words become ids."""

    corpus: str = "conll2000"  # "conll2000", "brown" or "files" (train_file/test_file)
    train_file: str = ""
    dev_file: str = ""  # optional: else validation is carved from train
    test_file: str = ""
    column: int = 1  # tag column in CoNLL files (0 is the word)
    conllu_tag: str = "upos"  # CoNLL-U files: "upos" or "xpos"
    tagset: str = "original"  # Brown: "original" or "universal"
    val_fraction: float = 0.1
    max_train: int = 0  # a seeded subset of at most this many sentences; 0 = all
    max_valid: int = 0
    max_test: int = 0
    test_fraction: float = 0.1  # Brown only: its seeded test split
    lowercase: bool = True  # word vocabulary of lowercased words (casing is a feature)
    min_freq: int = 1

    def validate(self) -> None:
        check(self.corpus in CORPORA, f"data.corpus must be one of {', '.join(CORPORA)}")
        check(
            self.tagset in ("original", "universal"),
            "data.tagset must be 'original' or 'universal'",
        )
        check(self.conllu_tag in CONLLU_TAGS, "data.conllu_tag must be 'upos' or 'xpos'")
        check(self.column >= 1, "data.column must be >= 1 (column 0 holds the words)")
        check(
            self.corpus != "files" or bool(self.train_file and self.test_file),
            "data.corpus 'files' needs --train FILE and --test FILE",
        )
        check(
            self.corpus == "files" or not (self.train_file or self.dev_file or self.test_file),
            "--train/--dev/--test (data.*_file) go together: give --train FILE and "
            "--test FILE (--dev FILE is optional), or none of them for a corpus",
        )
        check(
            0 < self.val_fraction < 1 and 0 < self.test_fraction < 1,
            "data.val_fraction and data.test_fraction must be in (0, 1)",
        )
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(
            min(self.max_train, self.max_valid, self.max_test) >= 0,
            "data.max_train/max_valid/max_test must be >= 0 (0: all)",
        )
