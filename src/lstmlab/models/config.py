"""The ``[model]`` settings of the built-in models, as dataclasses (imports no torch).

They live apart from the models so that the command line can build its help, check
``--set model.*`` items and presets without importing PyTorch (seconds at start-up). Each
model module re-exports its settings (``lstmlab.models.tagger.SequenceTaggerConfig``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstmlab.errors import ConfigError

CELLS = ("lstm", "gru", "lstmlab")  # see lstmlab.models.backend
POOLINGS = ("last", "max", "mean", "concat", "lab")  # see lstmlab.models.classifier
CHAR_ENCODERS = ("cnn", "lstm", "none")  # see lstmlab.models.char_encoder ("none": no chars)
SOFTMAXES = ("adaptive", "full")  # see lstmlab.models.lm


def validate_settings(
    config: object,
    *,
    sizes: tuple[str, ...] = (),
    rates: tuple[str, ...] = (),
    choices: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """ConfigError naming the first ``model.*`` setting of ``config`` that is out of range.

    ``sizes`` must be >= 1, ``rates`` (dropouts) in [0, 1), and each ``choices`` setting one
    of its allowed values. The model config dataclasses call this from ``validate()``.
    """
    for name in sizes:
        if getattr(config, name) < 1:
            raise ConfigError(f"model.{name} must be >= 1, got {getattr(config, name)}")
    for name in rates:
        if not 0 <= getattr(config, name) < 1:
            raise ConfigError(f"model.{name} must be in [0, 1), got {getattr(config, name)}")
    for name, allowed in (choices or {}).items():
        if getattr(config, name) not in allowed:
            raise ConfigError(f"model.{name} must be one of {', '.join(allowed)}")


def check_weight_drop(weight_drop: float, cell: str) -> None:
    """ConfigError if DropConnect (``model.weight_drop``) is asked of a cell without it."""
    if weight_drop > 0 and cell == "gru":
        raise ConfigError(
            "model.weight_drop (DropConnect on the recurrent weights) needs an LSTM cell: "
            "set model.cell to lstm or lstmlab, or model.weight_drop=0"
        )


@dataclass
class TextClassifierConfig:
    """The ``[model]`` settings of a text classification run: the arguments of
    :class:`~lstmlab.models.classifier.TextClassifier`.

    ``init_from`` names a language-model run (``lstmlab train lm``) whose vocabulary,
    embedding and LSTM weights the classifier starts from; its sizes must then match the
    language model's (``embedding_dim``, ``hidden_size``, ``num_layers``, one direction).
    """

    embedding_dim: int = 128
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.5
    embedding_dropout: float = 0.5
    pooling: str = "last"
    cell: str = "lstm"  # "lstm", "gru" or "lstmlab" (the transparent LSTM)
    init_from: str = ""  # a language-model run folder to start from (fine-tuning)
    pretrained_vectors: str = ""  # word2vec/GloVe/fastText text file for the embedding
    freeze_embeddings: bool = False  # keep the (pretrained) embedding fixed in training
    weight_drop: float = 0.0  # DropConnect on the LSTM's weight_hh (AWD-LSTM); lstm/lstmlab
    locked_dropout: bool = False  # embedding dropout: one mask per review for every step

    def validate(self) -> None:
        validate_settings(
            self,
            sizes=("embedding_dim", "hidden_size", "num_layers"),
            rates=("dropout", "embedding_dropout", "weight_drop"),
            choices={"pooling": POOLINGS, "cell": CELLS},
        )
        check_weight_drop(self.weight_drop, self.cell)
        if self.init_from and self.pretrained_vectors:
            raise ConfigError(
                "model.init_from and model.pretrained_vectors both set the embedding; choose one"
            )
        if self.freeze_embeddings and not (self.pretrained_vectors or self.init_from):
            raise ConfigError(
                "model.freeze_embeddings keeps a pretrained embedding fixed; "
                "set model.pretrained_vectors (or model.init_from) too"
            )


@dataclass
class SequenceTaggerConfig:
    """The ``[model]`` settings of a POS run (the arguments of
    :class:`~lstmlab.models.tagger.SequenceTagger`)."""

    word_dim: int = 100
    char_encoder: str = "cnn"  # "cnn", "lstm" or "none"
    char_dim: int = 30
    char_hidden: int = 50
    casing: bool = True
    hidden_size: int = 128
    num_layers: int = 1
    dropout: float = 0.5
    word_dropout: float = 0.0  # share of training words replaced by <unk>
    use_crf: bool = False
    cell: str = "lstm"  # "lstm", "gru" or "lstmlab" (the transparent LSTM)
    pretrained_vectors: str = ""  # word2vec/GloVe/fastText text file for the word embedding
    freeze_embeddings: bool = False  # keep the pretrained word embedding fixed in training

    def validate(self) -> None:
        validate_settings(
            self,
            sizes=("word_dim", "char_dim", "char_hidden", "hidden_size", "num_layers"),
            rates=("dropout", "word_dropout"),
            choices={"char_encoder": CHAR_ENCODERS, "cell": CELLS},
        )
        if self.freeze_embeddings and not self.pretrained_vectors:
            raise ConfigError(
                "model.freeze_embeddings keeps pretrained vectors fixed; set "
                "model.pretrained_vectors too"
            )


@dataclass
class LanguageModelConfig:
    """The ``[model]`` settings of a language-model run (the arguments of
    :class:`~lstmlab.models.lm.LanguageModel`)."""

    embedding_dim: int = 256
    hidden_size: int = 512
    num_layers: int = 1
    dropout: float = 0.1  # on the embeddings, between layers and on the LSTM's output
    cell: str = "lstm"  # "lstm", "gru" or "lstmlab" (the transparent LSTM)
    softmax: str = "adaptive"  # "adaptive" or "full"
    cutoffs: list[int] = field(default_factory=lambda: [2000, 10000])  # adaptive clusters
    tie_weights: bool = True  # full softmax: output weight = input embedding
    weight_drop: float = 0.0  # DropConnect on the LSTM's weight_hh (AWD-LSTM); lstm/lstmlab
    locked_dropout: bool = False  # one dropout mask per sequence on the LSTM's input/output
    init_from: str = ""  # an LM run to continue on new text (ULMFiT's 2nd stage; tasks/lm/adapt)

    def validate(self) -> None:
        validate_settings(
            self,
            sizes=("embedding_dim", "hidden_size", "num_layers"),
            rates=("dropout", "weight_drop"),
            choices={"cell": CELLS, "softmax": SOFTMAXES},
        )
        check_weight_drop(self.weight_drop, self.cell)
        cutoffs = self.cutoffs
        if not all(isinstance(c, int) and c > 0 for c in cutoffs) or cutoffs != sorted(
            set(cutoffs)
        ):
            raise ConfigError(f"model.cutoffs must be increasing positive integers, got {cutoffs}")
