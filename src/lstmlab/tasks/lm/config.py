"""The ``[data]`` and ``[model]`` settings of a language-model run (imports no torch)."""

from __future__ import annotations

from dataclasses import dataclass

from lstmlab.data.tokenize import TOKENIZERS
from lstmlab.data.vocab import DEFAULT_SPECIALS
from lstmlab.models.config import LanguageModelConfig as LanguageModelConfig
from lstmlab.training.config import check

CORPORA = ("imdb", "files")
DOCUMENT_MODES = ("lines", "blocks")


@dataclass
class LmData:
    """Which text, and how it becomes a token stream."""

    corpus: str = "imdb"  # "imdb" (train + unsup reviews, never test) or "files"
    train_file: str = ""
    valid_file: str = ""
    test_file: str = ""  # optional with files: else the validation file is used again
    documents: str = "lines"  # files: one document a "lines", or blank-line separated "blocks"
    tokenizer: str = "review"
    min_freq: int = 1
    max_size: int = 30000  # vocabulary size, <pad> and <unk> included; 0 = no limit
    val_fraction: float = 0.01  # IMDb: share of reviews held out for validation (and test)
    max_documents: int = 0  # train on at most this many documents (seeded choice); 0 = all
    bptt: int = 70  # steps per window of truncated back-propagation through time
    # A backward LM (ULMFiT's second model): each document's tokens reversed before they
    # enter the stream, so each word is predicted from the words after it. Every document
    # still starts with <eos>. `generate` refuses such a run; explain shows its reading order.
    reverse: bool = False

    def validate(self) -> None:
        check(self.corpus in CORPORA, f"data.corpus must be one of {', '.join(CORPORA)}")
        check(
            self.corpus != "files" or bool(self.train_file and self.valid_file),
            "data.corpus 'files' needs --train FILE and --valid FILE",
        )
        check(
            self.documents in DOCUMENT_MODES,
            f"data.documents must be one of {', '.join(DOCUMENT_MODES)}",
        )
        check(self.tokenizer in TOKENIZERS, f"data.tokenizer must be one of {sorted(TOKENIZERS)}")
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(
            self.max_size == 0 or self.max_size > len(DEFAULT_SPECIALS),
            f"data.max_size must be 0 (no limit) or more than {len(DEFAULT_SPECIALS)} "
            "(<pad> and <unk> count)",
        )
        check(0 < self.val_fraction < 0.5, "data.val_fraction must be in (0, 0.5)")
        check(self.bptt >= 1, "data.bptt must be >= 1")
        check(self.max_documents >= 0, "data.max_documents must be >= 0")
