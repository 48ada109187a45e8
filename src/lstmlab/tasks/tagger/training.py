"""Training a sequence labeller: the POS tagger's model and loss, with span metrics.

One unit = one real token. Evaluation steps also count conlleval's spans (gold, predicted,
correct), so validation span F1 can select the best checkpoint (``train.select =
"val_span_f1"``); the test report has them per type. With ``model.use_crf`` and
``model.constrained``, the CRF is held to the scheme's valid transitions, and gold tags
that break them (a stray ``I-`` after ``O``) are rewritten with the same spans
(:func:`~lstmlab.training.spans.to_scheme`), so the constrained likelihood is defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import Tensor, nn

from lstmlab.data.memory import save_tagged_memory
from lstmlab.data.registry import locate
from lstmlab.data.splits import seeded_subset, train_val_split
from lstmlab.data.tagged import TaggedSentence, read_conll, read_conll2002, read_tagged_file
from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError
from lstmlab.models.crf import CRF
from lstmlab.models.tagger import SequenceTagger
from lstmlab.tasks.base import Example, Prepared, StepResult
from lstmlab.tasks.pos.training import (
    PosTraining,
    note_unseen_tags,
    tagged_examples,
    tagging_report,
    unseen_tag_info,
)
from lstmlab.tasks.tagger.codec import TaggerCodec, feature_vocab_name, scheme_of
from lstmlab.tasks.tagger.config import TaggerData, TaggerModelConfig
from lstmlab.training.config import RunConfig
from lstmlab.training.spans import (
    SpanCounts,
    allowed_transitions,
    detect_scheme,
    is_valid,
    to_scheme,
)


def read_file(path: str | Path, cfg: TaggerData) -> list[TaggedSentence]:
    return read_tagged_file(
        path, column=cfg.column, conllu_tag=cfg.conllu_tag, feature_columns=cfg.feature_columns
    )


def read_splits(cfg: TaggerData, data_dir: str | None, seed: int):
    """(train, validation, test) sentences; validation carved from train unless given, each
    cut to its ``data.max_*`` seeded subset."""
    valid: list[TaggedSentence] | None = None
    if cfg.corpus == "conll2000":
        features = cfg.feature_columns
        train = read_conll(locate("conll2000", data_dir, "train"), cfg.column, features)
        test = read_conll(locate("conll2000", data_dir, "test"), cfg.column, features)
    elif cfg.corpus == "conll2002":
        zipped = locate("conll2002", data_dir)
        column = 2 if cfg.column == -1 else cfg.column
        train, valid, test = (
            read_conll2002(zipped, cfg.language, split, column, cfg.feature_columns)
            for split in ("train", "validation", "test")
        )
        for language in cfg.extra_languages:  # after the run's own; batches are shuffled
            train += read_conll2002(zipped, language, "train", column, cfg.feature_columns)
    else:
        train = read_file(cfg.train_file, cfg)
        valid = read_file(cfg.valid_file, cfg) if cfg.valid_file else None
        test = read_file(cfg.test_file, cfg) if cfg.test_file else []
    if not train:
        raise DataError("the training data holds no sentences")
    if valid is None:
        train_index, val_index = train_val_split(len(train), cfg.val_fraction, seed)
        train, valid = [train[i] for i in train_index], [train[i] for i in val_index]

    def cut(sentences: list[TaggedSentence], size: int) -> list[TaggedSentence]:
        return [sentences[i] for i in seeded_subset(len(sentences), size, seed)]

    return cut(train, cfg.max_train), cut(valid, cfg.max_valid), cut(test, cfg.max_test)


def extra_language_info(cfg: TaggerData) -> dict[str, str]:
    """The data summary's note that other languages' sentences are in the training set."""
    if not cfg.extra_languages:
        return {}
    return {"with the training sentences of": " and ".join(cfg.extra_languages)}


def run_scheme(cfg: TaggerData, train: list[TaggedSentence]) -> str | None:
    """The run's span scheme: set, or told from the training tags (None: no spans)."""
    if cfg.scheme == "none":
        return None
    if cfg.scheme != "auto":
        return cfg.scheme
    return detect_scheme(s.tags for s in train)


def constrained(config: RunConfig, scheme: str | None) -> bool:
    return bool(config.model.use_crf and config.model.constrained and scheme)


def keep_to_scheme(sentences: list[TaggedSentence], scheme: str) -> int:
    """Rewrite, in place, gold tags that break ``scheme`` (same spans); how many were."""
    rewritten = 0
    for sentence in sentences:
        if not is_valid(sentence.tags, scheme):
            sentence.tags = to_scheme(sentence.tags, scheme)
            rewritten += 1
    return rewritten


class TaggerTraining(PosTraining):
    """Sequence labelling: the POS tagger's loss over real tokens, plus span F1."""

    model_config = TaggerModelConfig

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.tag_names: list[str] = []  # set by build_model: spans are read from tag names
        self.scheme: str | None = None
        # The codec that encoded the gold tags: its gold_names also name tags never seen in
        # training, which validation, test or a gold file may hold (scored as errors).
        self.codec: TaggerCodec | None = None

    def gold_names(self) -> list[str]:
        """Every gold tag id's name (the tag set, then unseen gold tags)."""
        return self.codec.gold_names if self.codec is not None else self.tag_names

    @property
    def select(self) -> str:  # type: ignore[override]
        """The default ``train.select``: validation span F1, or token accuracy for tags
        without spans (set when the model is built)."""
        return "val_span_f1" if self.scheme else "val_accuracy"

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: TaggerData = config.data
        train, valid, test = read_splits(cfg, data_dir, config.train.seed)
        scheme = run_scheme(cfg, train)
        rewritten = 0
        if constrained(config, scheme):
            rewritten = sum(keep_to_scheme(split, scheme) for split in (train, valid, test))
        words = [w.lower() if cfg.lowercase else w for s in train for w in s.words]
        vocab = Vocab.build([words], min_freq=cfg.min_freq)
        chars = Vocab.build([list(w) for s in train for w in s.words])
        tags = Vocab.build([s.tags for s in train], specials=())
        # The tag vocabulary carries the span scheme (every vocabulary is one: the runtime
        # checks that; a vocabulary's state may hold more than its tokens).
        vocabs = {
            "vocab": vocab.to_dict(),
            "chars": chars.to_dict(),
            "tags": {**tags.to_dict(), "scheme": scheme},
        }
        for place, column in enumerate(cfg.feature_columns):  # their values seen in training
            values = Vocab.build([[row[place] for s in train for row in s.features]])
            vocabs[feature_vocab_name(column)] = values.to_dict()
        codec = TaggerCodec(cfg, vocabs)
        self.codec = codec
        examples = {
            "train": tagged_examples(codec, train, "the training data"),
            "val": tagged_examples(codec, valid, "the validation data", allow_unseen=True),
            "test": tagged_examples(codec, test, "the test data", allow_unseen=True),
        }
        info = {
            "train sentences": len(train),
            **extra_language_info(cfg),
            "validation": len(valid),
            "test": len(test),
            "words": len(vocab),
            "tags": len(tags),
            "span scheme": scheme or "none (token tags only)",
        }
        for column in cfg.feature_columns:
            info[f"column {column} values (input)"] = len(
                vocabs[feature_vocab_name(column)]["tokens"]
            )
        info.update(unseen_tag_info(valid, test, codec))
        if rewritten:
            info["gold sequences rewritten to valid " + str(scheme)] = rewritten
        return Prepared(**examples, vocabs=vocabs, info=info)

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> SequenceTagger:
        model = super().build_model(config, vocabs)
        self.tag_names = list(vocabs["tags"]["tokens"])
        self.scheme = scheme_of(vocabs)
        if constrained(config, self.scheme):
            model.crf = CRF(len(self.tag_names), allowed_transitions(self.tag_names, self.scheme))
        return model

    def feature_vocab_sizes(self, config: RunConfig, vocabs: dict[str, Any]) -> tuple[int, ...]:
        """The number of value ids of each ``data.feature_columns`` column."""
        return tuple(
            len(vocabs[feature_vocab_name(c)]["tokens"]) for c in config.data.feature_columns
        )

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        result = super().step(model, batch)
        if result.outputs is not None and self.scheme is not None:
            counts = SpanCounts()
            gold_rows, names = batch["tags"].cpu(), self.gold_names()
            for row, predicted in zip(gold_rows, result.outputs, strict=True):
                gold = [names[t] for t in row[: len(predicted)].tolist()]
                counts.add(gold, [self.tag_names[t] for t in predicted])
            for name in ("gold", "predicted", "correct"):
                result.counts[f"span_{name}"] = float(sum(getattr(counts, name).values()))
        return result

    def metrics(self, totals: Mapping[str, float]) -> dict[str, float]:
        """Loss and token accuracy; in evaluation also span precision, recall and F1."""
        metrics = super().metrics(totals)
        if "span_gold" in totals:
            gold, found, correct = (totals[f"span_{n}"] for n in ("gold", "predicted", "correct"))
            precision = correct / found if found else 0.0
            recall = correct / gold if gold else 0.0
            metrics["span_precision"] = precision
            metrics["span_recall"] = recall
            metrics["span_f1"] = (
                2 * precision * recall / (precision + recall) if precision + recall else 0.0
            )
        return metrics

    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        """The POS report (token accuracy, per tag ...) and conlleval's spans per type."""
        if not examples:
            return {}
        report = tagging_report(examples, outputs, vocabs, run_dir)
        scheme = scheme_of(vocabs)
        report["scheme"] = scheme
        if scheme is not None:
            names = self.gold_names() if self.codec is not None else vocabs["tags"]["tokens"]
            counts = SpanCounts()
            for item, predicted in zip(examples, outputs, strict=True):
                counts.add([names[t] for t in item["tags"].tolist()], [names[t] for t in predicted])
            report["spans"] = counts.scores()
        return report

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a tagged file, read with the run's column and scheme."""
        sentences = read_file(path, config.data)
        scheme = scheme_of(vocabs)
        if constrained(config, scheme):
            keep_to_scheme(sentences, scheme)
        self.codec = TaggerCodec(config.data, vocabs)
        note_unseen_tags(path, sentences, self.codec)
        return tagged_examples(self.codec, sentences, str(path), allow_unseen=True)

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        lines = []
        spans = metrics.get("spans")
        if spans:
            lines.append(
                f"spans ({metrics.get('scheme')})  precision {spans['precision']:.4f}  recall "
                f"{spans['recall']:.4f}  F1 {spans['f1']:.4f}  ({spans['gold']:,} gold, "
                f"{spans['predicted']:,} predicted, {spans['correct']:,} correct)"
            )
            width = max((len(kind) for kind in spans["per_type"]), default=4)
            for kind, s in spans["per_type"].items():
                lines.append(
                    f"  {kind:<{width}}  precision {s['precision']:.4f}  recall {s['recall']:.4f}"
                    f"  F1 {s['f1']:.4f}  ({s['gold']:,})"
                )
        if "token_accuracy" in metrics:
            lines += super().summary_lines(metrics)[:4]  # token, known, unseen, sentence
        return lines

    def memory_files(self, data: dict[str, Any], folder: Path) -> list[str]:
        """In-memory ``[(tokens, tags), ...]`` splits saved as ``word tag`` files under
        ``folder``, named by their content; the ``--set`` items that read them."""
        items = ["data.corpus=files", "data.column=-1"]
        for split, sentences in data.items():
            items.append(f"data.{split}_file={save_tagged_memory(split, sentences, folder)}")
        return items
