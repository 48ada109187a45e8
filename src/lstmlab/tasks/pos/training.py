"""Training a part-of-speech tagger (CoNLL-2000, Brown, or the user's own tagged files).

Loss summed over real tokens; one unit = one real token (pads never count). Examples are
``{"ids": [T], "chars": [T, C], "casing": [T], "tags": [T]}`` (LongTensors, made by the
task's codec); the model is :class:`lstmlab.models.tagger.SequenceTagger`.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from lstmlab.data.registry import locate
from lstmlab.data.splits import seeded_subset, train_val_split
from lstmlab.data.tagged import TaggedSentence, read_brown, read_conll, read_tagged_file
from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError
from lstmlab.models.features import NUM_CASING_CLASSES
from lstmlab.models.tagger import SequenceTagger, SequenceTaggerConfig
from lstmlab.tasks.base import Example, Prepared, StepResult, TaskTraining
from lstmlab.tasks.pos.codec import SentenceCodec
from lstmlab.tasks.pos.config import PosData
from lstmlab.tasks.vectors import freeze
from lstmlab.training.config import RunConfig
from lstmlab.training.metrics import confusion_matrix, most_confused, per_class_scores
from lstmlab.training.plots import plot_confusion


class PosTraining(TaskTraining):
    """POS tagging: cross-entropy (or the CRF's likelihood) over real tokens."""

    model_config = SequenceTaggerConfig
    pretrained_embedding = ("word_embedding", "model.word_dim")
    select = "val_accuracy"

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        emissions = model(
            batch["ids"],
            batch["lengths"],
            chars=batch.get("chars"),
            casing=batch.get("casing"),
            features=batch.get("features"),  # a tagger run's feature columns, if any
        )
        tags, mask = batch["tags"], batch["mask"]
        # Tags never seen in training (only a gold file of `evaluate --file` has them) have
        # ids past the tag set: they count as errors, and their sentences carry no loss
        # (a CRF scores whole sentences; no score exists for such a tag).
        whole = ~((tags >= emissions.size(-1)) & mask).any(1)  # [B]
        if bool(whole.all()):
            loss_sum = model.loss(emissions, tags, mask, reduction="sum")
        elif bool(whole.any()):  # the loss per token of the other sentences, as a mean
            loss_sum = model.loss(emissions[whole], tags[whole], mask[whole], reduction="sum") * (
                mask.sum() / mask[whole].sum()
            )
        else:
            loss_sum = emissions.new_zeros(())
        counts = {"units": int(mask.sum())}
        if model.training and getattr(model, "crf", None) is not None:
            # A CRF's emissions alone are not its prediction, and Viterbi on every training
            # batch costs as much again: training accuracy is left out, not faked.
            return StepResult(loss_sum, counts, None)
        # Without a CRF, per-token argmax is the prediction; the evaluation decodes as the
        # tagger predicts (Viterbi with a CRF).
        predicted = emissions.argmax(-1) if model.training else model.decode(emissions, mask)
        counts["correct"] = int((predicted == tags)[mask].sum())
        outputs = None
        if not model.training:
            lengths = batch["lengths"].tolist()
            outputs = [row[:n].tolist() for row, n in zip(predicted.cpu(), lengths, strict=True)]
        return StepResult(loss_sum, counts, outputs)

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: PosData = config.data
        train, val, test = read_corpus(cfg, data_dir, config.train.seed)
        lower = cfg.lowercase
        words = [w.lower() if lower else w for s in train for w in s.words]
        vocab = Vocab.build([words], min_freq=cfg.min_freq)
        chars = Vocab.build([list(w) for s in train for w in s.words])
        tags = Vocab.build([s.tags for s in train], specials=())
        vocabs = {"vocab": vocab.to_dict(), "chars": chars.to_dict(), "tags": tags.to_dict()}
        codec = SentenceCodec(cfg, vocabs)
        info = {
            "train sentences": len(train),
            "validation": len(val),
            "test": len(test),
            "words": len(vocab),
            "tags": len(tags),
        }
        return Prepared(
            train=tagged_examples(codec, train, "the training data"),
            val=tagged_examples(codec, val, "the validation data", allow_unseen=True),
            test=tagged_examples(codec, test, "the test data", allow_unseen=True),
            vocabs=vocabs,
            info={**info, **unseen_tag_info(val, test, codec)},
        )

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> SequenceTagger:
        model = SequenceTagger.from_config(
            config.model,
            len(vocabs["vocab"]["tokens"]),
            len(vocabs["tags"]["tokens"]),
            char_vocab_size=len(vocabs["chars"]["tokens"]),
            num_casing=NUM_CASING_CLASSES,
            unk_index=Vocab.from_dict(vocabs["vocab"]).unk_index,
            feature_vocab_sizes=self.feature_vocab_sizes(config, vocabs),
        )
        if config.model.freeze_embeddings:
            freeze(model.word_embedding)
        return model

    def feature_vocab_sizes(self, config: RunConfig, vocabs: dict[str, Any]) -> tuple[int, ...]:
        """The sizes of the model's feature-column vocabularies (a POS run has none; the
        tagger task's ``data.feature_columns`` do)."""
        return ()

    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        return tagging_report(examples, outputs, vocabs, run_dir)

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a tagged file, encoded with a trained run's vocabularies.

        A gold file may hold tags the run never saw (WSJ's LS): they are scored, as errors.
        """
        codec = SentenceCodec(config.data, vocabs)
        sentences = read_user_file(path, config.data)
        note_unseen_tags(path, sentences, codec)
        return tagged_examples(codec, sentences, str(path), allow_unseen=True)

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        def share(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.4f}"

        return [
            f"token accuracy (real tokens)      {share(metrics['token_accuracy'])}"
            f"  ({metrics['tokens']:,} tokens)",
            f"  known words                     {share(metrics['known_word_accuracy'])}",
            f"  unseen words                    {share(metrics['unseen_word_accuracy'])}"
            f"  ({metrics['unseen_words']:,} tokens)",
            f"sentence accuracy                 {share(metrics['sentence_accuracy'])}",
            *(
                [
                    "tags never seen in training: "
                    f"{metrics['unseen_tag_tokens']:,} tokens, counted as errors; the loss "
                    f"leaves out the {metrics['unseen_tag_sentences']:,} sentences holding them"
                ]
                if metrics.get("unseen_tag_tokens")
                else []
            ),
            f"lab-style accuracy, pads counted  {share(metrics['lab_padding_inclusive_accuracy'])}"
            f"  (misleading: {metrics['lab_padding_positions']:,} pad positions counted as "
            "correct, as the lab's padded evaluation did)",
        ]


def tagged_examples(
    codec: SentenceCodec, sentences: list[TaggedSentence], where: str, allow_unseen: bool = False
) -> list[Example]:
    """Encode tagged sentences; DataError if ``where`` has tags the tag set lacks, unless
    ``allow_unseen``: such a tag then gets the id just past the tag set (an error for every
    prediction)."""
    unknown = {t for s in sentences for t in s.tags} - set(codec.tags.tokens)
    if unknown and not allow_unseen:
        raise DataError(
            f"{where} has tags never seen in training: {', '.join(sorted(unknown)[:5])}"
        )
    return [example(codec, s) for s in sentences]


def unseen_tag_counts(sentences: list[TaggedSentence], codec: SentenceCodec) -> Counter:
    """How often each gold tag that training never showed occurs, in the order met."""
    known = set(codec.tags.tokens)
    return Counter(t for s in sentences for t in s.tags if t not in known)


def note_unseen_tags(path: Path, sentences: list[TaggedSentence], codec: SentenceCodec) -> None:
    """Say in one line (stderr) which gold tags of ``path`` training never showed."""
    unseen = unseen_tag_counts(sentences, codec)
    if unseen:
        names = ", ".join(f"{tag} ({n:,})" for tag, n in unseen.most_common(5))
        print(
            f"lstmlab: note: {path} has tags never seen in training: {names}; those "
            f"{sum(unseen.values()):,} tokens are scored as errors",
            file=sys.stderr,
        )


def unseen_tag_info(
    valid: list[TaggedSentence], test: list[TaggedSentence], codec: SentenceCodec
) -> dict[str, str]:
    """The data summary's line on gold tags of validation or test that training never
    showed (a rare tag such as CoNLL-2000's I-PRT may fall in the held-out part only):
    they are scored as errors, as a model trained on this data would make them."""
    unseen = unseen_tag_counts([*valid, *test], codec)
    if not unseen:
        return {}
    tokens = sum(unseen.values())
    names = ", ".join(list(unseen)[:5])
    return {
        "tags never seen in training (scored as errors)": f"{names} ({tokens:,} "
        + ("token)" if tokens == 1 else "tokens)")
    }


def example(
    codec: SentenceCodec,
    sentence: TaggedSentence | list[str],
    features: list[list[str]] | None = None,
) -> Example:
    """One sentence's tensors (and its tags, when it has them). A tagger run's feature
    column values ``[T][F]`` come from the sentence (``features``) or are given."""
    words = sentence.words if isinstance(sentence, TaggedSentence) else sentence
    if isinstance(sentence, TaggedSentence) and sentence.features:
        features = sentence.features
    encoded = codec.encode(words) if features is None else codec.encode(words, features)
    tensors = {
        name: torch.tensor(value, dtype=torch.long) for name, value in encoded.features.items()
    }
    if isinstance(sentence, TaggedSentence):
        tensors["tags"] = torch.tensor(codec.tag_ids(sentence.tags))
    return tensors


def read_user_file(path: Path, cfg: PosData) -> list[TaggedSentence]:
    """A user's tagged file in any format lstmlab reads, with the run's column choices."""
    return read_tagged_file(path, column=cfg.column, conllu_tag=cfg.conllu_tag)


def read_corpus(cfg: PosData, data_dir: str | None, seed: int) -> tuple[list[TaggedSentence], ...]:
    """(train, validation, test) sentences; validation carved from train unless given."""
    dev: list[TaggedSentence] | None = None
    if cfg.corpus == "conll2000":
        train = read_conll(locate("conll2000", data_dir, "train"), cfg.column)
        test = read_conll(locate("conll2000", data_dir, "test"), cfg.column)
    elif cfg.corpus == "brown":
        universal = cfg.tagset == "universal"
        mapping = locate("brown", data_dir, "universal_tagset") if universal else None
        sentences = read_brown(locate("brown", data_dir, "brown"), mapping)
        train_index, test_index = train_val_split(len(sentences), cfg.test_fraction, seed)
        train = [sentences[i] for i in train_index]
        test = [sentences[i] for i in test_index]
    else:
        train = read_user_file(Path(cfg.train_file), cfg)
        test = read_user_file(Path(cfg.test_file), cfg)
        dev = read_user_file(Path(cfg.dev_file), cfg) if cfg.dev_file else None
    for name, split in (("training", train), ("test", test)):
        if not split:
            raise DataError(f"the {name} data holds no sentences")
    if dev is None:
        train_index, val_index = train_val_split(len(train), cfg.val_fraction, seed)
        train, dev = [train[i] for i in train_index], [train[i] for i in val_index]

    def cut(sentences: list[TaggedSentence], size: int) -> list[TaggedSentence]:
        """A seeded subset (``data.max_train`` ...; 0 keeps all): a tiny run of seconds."""
        return [sentences[i] for i in seeded_subset(len(sentences), size, seed)]

    return cut(train, cfg.max_train), cut(dev, cfg.max_valid), cut(test, cfg.max_test)


def tagging_report(
    examples: list[Example],
    predicted: list[list[int]],
    vocabs: dict[str, Any],
    run_dir: Path | None,
) -> dict[str, Any]:
    """Honest tagging metrics over real tokens only (pads never enter), plus the lab's figure.

    Returns token accuracy, accuracy on known and unseen words, sentence accuracy,
    per-tag precision/recall/F1, and — for teaching only — the lab's padding-inclusive
    accuracy: every sentence padded to the longest one and each pad counted as a correct
    prediction, as the lab's model (which learns to predict the pad tag) effectively did.
    """
    tags = Vocab.from_dict(vocabs["tags"])
    unk = Vocab.from_dict(vocabs["vocab"]).unk_index
    true = np.concatenate([e["tags"].numpy() for e in examples])
    guess = np.concatenate([np.asarray(p, dtype=np.int64) for p in predicted])
    unseen = np.concatenate([(e["ids"] == unk).numpy() for e in examples])
    right = true == guess
    longest = max(len(e["ids"]) for e in examples)
    pads = longest * len(examples) - len(true)
    seen = true < len(tags)  # gold tags never seen in training: errors, outside the matrix
    confusion = confusion_matrix(true[seen], guess[seen], len(tags))
    report = {
        "token_accuracy": float(right.mean()),
        "known_word_accuracy": float(right[~unseen].mean()) if (~unseen).any() else None,
        "unseen_word_accuracy": float(right[unseen].mean()) if unseen.any() else None,
        "unseen_words": int(unseen.sum()),
        "tokens": len(true),
        "sentence_accuracy": float(
            np.mean(
                [
                    np.array_equal(e["tags"].numpy(), p)
                    for e, p in zip(examples, predicted, strict=True)
                ]
            )
        ),
        "lab_padding_inclusive_accuracy": float((right.sum() + pads) / (len(true) + pads)),
        "lab_padding_positions": int(pads),
        "per_tag": per_class_scores(confusion, tags.tokens),
    }
    if not seen.all():
        report["unseen_tag_tokens"] = int((~seen).sum())
        report["unseen_tag_sentences"] = sum(bool((e["tags"] >= len(tags)).any()) for e in examples)
    if run_dir is not None:
        keep = most_confused(confusion, tags.tokens, top=15)
        plot_confusion(
            confusion[np.ix_(keep, keep)],
            [tags.tokens[k] for k in keep],
            run_dir / "confusion.png",
            "Most confused tags (test)",
        )
    return report
