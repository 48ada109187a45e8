"""The ``[data]`` and ``[model]`` settings of a sequence labelling run (imports no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lstmlab.data.tagged import CONLL2002_LANGUAGES, CONLLU_TAGS
from lstmlab.models.config import SequenceTaggerConfig, validate_settings
from lstmlab.training.config import check
from lstmlab.training.spans import SCHEMES

CORPORA = ("files", "conll2000", "conll2002")
SCHEME_CHOICES = ("auto", *SCHEMES, "none")


@dataclass
class TaggerData:
    """Which tagged corpus or files, which column holds the tags, how words become ids."""

    corpus: str = "files"  # "files", "conll2000" (chunking) or "conll2002" (NER)
    language: str = "esp"  # CoNLL-2002: "esp" (Spanish) or "ned" (Dutch)
    # CoNLL-2002: other languages whose training sentences join `language`'s (validation and
    # test stay `language`'s): names and letter shapes are shared across languages.
    extra_languages: list[str] = field(default_factory=list)
    train_file: str = ""  # CoNLL columns, 'word tag' lines or CoNLL-U; plain or .gz
    valid_file: str = ""  # optional: else validation is carved from train (val_fraction)
    test_file: str = ""  # optional: else no test
    column: int = -1  # the tag column of a CoNLL file: -1 the last, 1 the second ...
    # Columns read as inputs, numbered as `column` (CoNLL-2000's and CoNLL-2002's POS: 1):
    # each gets a vocabulary and an embedding (model.feature_dim). Empty: words only.
    feature_columns: list[int] = field(default_factory=list)
    conllu_tag: str = "upos"  # CoNLL-U files: "upos" or "xpos"
    scheme: str = "auto"  # span scheme: auto (told from the training tags), iob1, iob2,
    # bioes, or none (tags without spans, e.g. POS: token metrics only)
    lowercase: bool = True  # word vocabulary of lowercased words (casing is a feature)
    min_freq: int = 1
    val_fraction: float = 0.1
    max_train: int = 0  # a seeded subset of at most this many sentences (extra languages
    # included); 0 = all
    max_valid: int = 0
    max_test: int = 0

    def validate(self) -> None:
        check(self.corpus in CORPORA, f"data.corpus must be one of {', '.join(CORPORA)}")
        check(
            self.corpus != "files" or bool(self.train_file),
            "the tagger task needs --train FILE (or --corpus conll2000|conll2002)",
        )
        check(
            self.corpus == "files" or not (self.train_file or self.valid_file or self.test_file),
            "--train/--valid/--test read your own files; leave them out with --corpus",
        )
        check(
            self.language in CONLL2002_LANGUAGES,
            f"data.language must be one of {', '.join(CONLL2002_LANGUAGES)}",
        )
        self.validate_extra_languages()
        check(self.column >= 1 or self.column == -1, "data.column must be >= 1, or -1 (the last)")
        self.validate_feature_columns()
        check(self.conllu_tag in CONLLU_TAGS, "data.conllu_tag must be 'upos' or 'xpos'")
        check(self.scheme in SCHEME_CHOICES, f"data.scheme must be one of {SCHEME_CHOICES}")
        check(self.min_freq >= 1, "data.min_freq must be >= 1")
        check(0 < self.val_fraction < 1, "data.val_fraction must be in (0, 1)")
        check(
            min(self.max_train, self.max_valid, self.max_test) >= 0,
            "data.max_train/max_valid/max_test must be >= 0 (0: all)",
        )

    def validate_extra_languages(self) -> None:
        extra = self.extra_languages
        check(
            isinstance(extra, list) and all(lang in CONLL2002_LANGUAGES for lang in extra),
            "data.extra_languages must list CoNLL-2002 languages: "
            + ", ".join(CONLL2002_LANGUAGES),
        )
        check(
            not extra or self.corpus == "conll2002",
            "data.extra_languages needs data.corpus = conll2002",
        )
        check(
            self.language not in extra and len(set(extra)) == len(extra),
            "data.extra_languages names data.language or a language twice",
        )

    def validate_feature_columns(self) -> None:
        columns = self.feature_columns
        check(
            isinstance(columns, list)
            and all(isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in columns),
            "data.feature_columns must list column numbers >= 1 (column 0 holds the words)",
        )
        check(len(set(columns)) == len(columns), "data.feature_columns names a column twice")
        # The built-in corpora have three columns: -1, their last, is 2.
        last = 2 if self.corpus in ("conll2000", "conll2002") else -1
        tag = last if self.column == -1 else self.column
        check(
            tag not in columns,
            f"data.feature_columns holds {tag}, the tag column (data.column); a feature "
            "column must be another one",
        )


@dataclass
class TaggerModelConfig(SequenceTaggerConfig):
    """The tagger's ``[model]`` settings, and whether its CRF keeps to the span scheme."""

    constrained: bool = True  # with use_crf and a span scheme: only valid transitions
    feature_dim: int = 20  # the embedding size of each data.feature_columns column

    def validate(self) -> None:
        super().validate()
        validate_settings(self, sizes=("feature_dim",))
