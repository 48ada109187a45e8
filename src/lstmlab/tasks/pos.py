"""Part-of-speech tagging (CoNLL-2000, Brown, or the user's own tagged files).

Examples are ``{"ids": [T], "chars": [T, C], "casing": [T], "tags": [T]}`` (LongTensors);
the model is :class:`lstmlab.models.tagger.SequenceTagger`. A word is *unseen* when it
is not in the training vocabulary; it is then encoded as ``<unk>``, and only its
characters and casing tell the tagger what it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from lstmlab.data.registry import locate
from lstmlab.data.splits import train_val_split
from lstmlab.data.tagged import (
    CONLLU_TAGS,
    TaggedSentence,
    read_brown,
    read_conll,
    read_tagged_file,
)
from lstmlab.data.tokenize import sentence_batch, split_words
from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError
from lstmlab.models.features import NUM_CASING_CLASSES, casing_class
from lstmlab.models.tagger import SequenceTagger, SequenceTaggerConfig
from lstmlab.tasks.registry import register_task
from lstmlab.tasks.vectors import freeze, init_from_vectors
from lstmlab.training.config import RunConfig, check
from lstmlab.training.metrics import (
    confusion_matrix,
    most_confused,
    per_class_scores,
)
from lstmlab.training.plots import plot_confusion
from lstmlab.training.task import Example, Prepared, StepResult, Task, file_overrides
from lstmlab.training.trainer import make_loader, to_device

CORPORA = ("conll2000", "brown", "files")
MAX_WORD_CHARS = 24  # longer words keep their first 24 characters for the char encoder


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


class PosTask(Task):
    """POS tagging: loss summed over real tokens; one unit = one real token (pads never count)."""

    name = "pos"
    help = "part-of-speech tagging (CoNLL-2000, Brown, your own tagged files)"
    data_cls = PosData
    model_cls = SequenceTaggerConfig
    predict_command = "tag"
    predict_help = "tag sentences with a trained POS run"

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        tagger = model.module if hasattr(model, "module") else model
        emissions = model(
            batch["ids"], batch["lengths"], chars=batch.get("chars"), casing=batch.get("casing")
        )
        tags, mask = batch["tags"], batch["mask"]
        # Tags never seen in training (only a gold file of `evaluate --file` has them) have
        # ids past the tag set: they count as errors, and their sentences carry no loss
        # (a CRF scores whole sentences; no score exists for such a tag).
        whole = ~((tags >= emissions.size(-1)) & mask).any(1)  # [B]
        if bool(whole.all()):
            loss_sum = tagger.loss(emissions, tags, mask, reduction="sum")
        elif bool(whole.any()):  # the loss per token of the other sentences, as a mean
            loss_sum = tagger.loss(emissions[whole], tags[whole], mask[whole], reduction="sum") * (
                mask.sum() / mask[whole].sum()
            )
        else:
            loss_sum = emissions.new_zeros(())
        # While training, per-token argmax is a cheap stand-in for Viterbi decoding.
        predicted = emissions.argmax(-1) if model.training else tagger.decode(emissions, mask)
        correct = int((predicted == tags)[mask].sum())
        return StepResult(loss_sum, int(mask.sum()), correct)

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: PosData = config.data
        train, val, test = read_corpus(cfg, data_dir, config.train.seed)
        words = [normalise(w, cfg) for s in train for w in s.words]
        vocab = Vocab.build([words], min_freq=cfg.min_freq)
        chars = Vocab.build([list(w) for s in train for w in s.words])
        tags = Vocab.build([s.tags for s in train], specials=())
        state = {"vocab": vocab.to_dict(), "chars": chars.to_dict(), "tags": tags.to_dict()}
        encoder = SentenceEncoder(state, cfg)
        return Prepared(
            train=encoder.tagged_examples(train, "the training data"),
            val=encoder.tagged_examples(val, "the validation data"),
            test=encoder.tagged_examples(test, "the test data"),
            state=state,
            info={
                "train sentences": len(train),
                "validation": len(val),
                "test": len(test),
                "words": len(vocab),
                "tags": len(tags),
            },
        )

    def build_model(self, config: RunConfig, state: dict[str, Any]) -> SequenceTagger:
        model = SequenceTagger.from_config(
            config.model,
            len(state["vocab"]["tokens"]),
            len(state["tags"]["tokens"]),
            char_vocab_size=len(state["chars"]["tokens"]),
            num_casing=NUM_CASING_CLASSES,
            unk_index=Vocab.from_dict(state["vocab"]).unk_index,
        )
        if config.model.freeze_embeddings:
            freeze(model.word_embedding)
        return model

    def init_weights(
        self, model: nn.Module, config: RunConfig, state: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Word embedding from pretrained vectors (``model.pretrained_vectors``), if set."""
        if not (config.model.pretrained_vectors and state is not None):
            return None
        return {
            "pretrained_vectors": init_from_vectors(
                model.word_embedding,
                config.model.pretrained_vectors,
                state["vocab"]["tokens"],
                "model.word_dim",
            )
        }

    def report(
        self,
        model: nn.Module,
        examples: list[Example],
        state: dict[str, Any],
        run_dir: Path | None,
        device: torch.device,
    ) -> dict[str, Any]:
        return tagging_report(model, examples, state, run_dir, device)

    def labelled_examples(
        self, config: RunConfig, state: dict[str, Any], path: Path
    ) -> list[Example]:
        """Examples from a tagged file, encoded with a trained run's vocabularies."""
        encoder = SentenceEncoder(state, config.data)
        # A gold file may hold tags the run never saw (WSJ's LS): scored, as errors.
        sentences = read_user_file(path, config.data)
        known = set(encoder.tags.tokens)
        unseen = Counter(t for s in sentences for t in s.tags if t not in known)
        if unseen:
            names = ", ".join(f"{tag} ({n:,})" for tag, n in unseen.most_common(5))
            print(
                f"lstmlab: note: {path} has tags never seen in training: {names}; those "
                f"{sum(unseen.values()):,} tokens are scored as errors",
                file=sys.stderr,
            )
        return encoder.tagged_examples(sentences, str(path), allow_unseen=True)

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

    def add_train_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--train",
            dest="train_file",
            help="your own training file ('word tag' columns, CoNLL or CoNLL-U)",
        )
        parser.add_argument("--test", dest="test_file", help="your own test file")
        parser.add_argument("--dev", dest="dev_file", help="your own validation file")
        parser.add_argument("--corpus", choices=("conll2000", "brown"), help="tagged corpus")

    def train_overrides(self, args: argparse.Namespace) -> list[str]:
        items = [f"data.corpus={args.corpus}"] if args.corpus else []
        items += file_overrides(args, ("train_file", "dev_file", "test_file"))
        if args.train_file:
            items.append("data.corpus=files")
        return items

    def add_predict_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--tokenized",
            action="store_true",
            help="split on spaces only (else punctuation is split off)",
        )

    def api_tag(self, trained: Any, sentences: str | list[str] | list[list[str]]) -> Any:
        """(word, tag) pairs of one sentence, or a list of them for a list of sentences.

        A sentence is a string (split into words first) or a list of words; a list of
        strings or of word lists is a list of sentences.
        """
        words, one = sentence_batch(sentences)
        tagged = tag_sentences(trained.model, trained.config, trained.state, words)
        return tagged[0] if one else tagged

    def run_predict(self, trained: Any, texts: list[str], args: argparse.Namespace) -> None:
        sentences = [text.split() if args.tokenized else split_words(text) for text in texts]
        for pairs in tag_sentences(trained.model, trained.config, trained.state, sentences):
            if args.json:
                print(json.dumps({"words": [w for w, _ in pairs], "tags": [t for _, t in pairs]}))
            else:
                print(" ".join(f"{word}/{tag}" for word, tag in pairs))


def normalise(word: str, cfg: PosData) -> str:
    return word.lower() if cfg.lowercase else word


class SentenceEncoder:
    """Words → the tensors of one example, with a trained run's vocabularies."""

    def __init__(self, state: dict[str, Any], cfg: PosData) -> None:
        self.vocab = Vocab.from_dict(state["vocab"])
        self.chars = Vocab.from_dict(state["chars"])
        self.tags = Vocab.from_dict(state["tags"])
        self.cfg = cfg

    def tagged_examples(
        self, sentences: list[TaggedSentence], where: str, allow_unseen: bool = False
    ) -> list[Example]:
        """Encode tagged sentences; DataError if ``where`` has tags the tag set lacks, unless
        ``allow_unseen``: such a tag then gets the id just past the tag set (an error for
        every prediction), and the example's ``unseen_tags`` names them."""
        unknown = {t for s in sentences for t in s.tags} - set(self.tags.tokens)
        if unknown and not allow_unseen:
            raise DataError(
                f"{where} has tags never seen in training: {', '.join(sorted(unknown)[:5])}"
            )
        return [self.example(s) for s in sentences]

    def example(self, sentence: TaggedSentence | list[str]) -> Example:
        words = sentence.words if isinstance(sentence, TaggedSentence) else sentence
        char_ids = torch.zeros(
            len(words), min(MAX_WORD_CHARS, max(map(len, words))), dtype=torch.long
        )
        for i, word in enumerate(words):
            ids = self.chars.encode(word[:MAX_WORD_CHARS])
            char_ids[i, : len(ids)] = torch.tensor(ids)
        example = {
            "ids": torch.tensor(self.vocab.encode(normalise(w, self.cfg) for w in words)),
            "chars": char_ids,
            "casing": torch.tensor([casing_class(w) for w in words]),
        }
        if isinstance(sentence, TaggedSentence):
            unseen = len(self.tags)  # a tag never seen in training: past the tag set
            index = self.tags._index
            example["tags"] = torch.tensor([index.get(t, unseen) for t in sentence.tags])
        return example


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
    return train, dev, test


@torch.no_grad()
def predict_tags(
    model: nn.Module, examples: list[Example], device: torch.device, batch_size: int = 256
) -> list[list[int]]:
    """Predicted tag ids of each example, in the examples' order."""
    model.eval()
    loader = make_loader(examples, batch_size, shuffle=False, seed=0)
    predicted: list[list[int]] = [[] for _ in examples]
    for indices, batch in zip(loader.batch_sampler, loader, strict=True):
        batch = to_device(batch, device)
        emissions = model(
            batch["ids"], batch["lengths"], chars=batch.get("chars"), casing=batch.get("casing")
        )
        decoded = model.decode(emissions, batch["mask"]).cpu()
        for row, index in enumerate(indices):
            predicted[index] = decoded[row, : int(batch["lengths"][row])].tolist()
    return predicted


def tagging_report(
    model: nn.Module,
    examples: list[Example],
    state: dict[str, Any],
    run_dir: Path | None,
    device: torch.device,
) -> dict[str, Any]:
    """Honest tagging metrics over real tokens only (pads never enter), plus the lab's figure.

    Returns token accuracy, accuracy on known and unseen words, sentence accuracy,
    per-tag precision/recall/F1, and — for teaching only — the lab's padding-inclusive
    accuracy: every sentence padded to the longest one and each pad counted as a correct
    prediction, as the lab's model (which learns to predict the pad tag) effectively did.
    """
    tags = Vocab.from_dict(state["tags"])
    unk = Vocab.from_dict(state["vocab"]).unk_index
    predicted = predict_tags(model, examples, device)
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


def tag_sentences(
    model: nn.Module, config: RunConfig, state: dict[str, Any], sentences: list[list[str]]
) -> list[list[tuple[str, str]]]:
    """(word, tag) pairs for each tokenised sentence (used by ``lstmlab tag``)."""
    encoder = SentenceEncoder(state, config.data)
    device = next(model.parameters()).device
    tag_names = encoder.tags.tokens
    # An empty sentence has no words to tag: it gets no pairs (the model never sees it).
    words = [s for s in sentences if s]
    examples = [encoder.example(s) for s in words]
    predicted = iter(predict_tags(model, examples, device) if words else [])
    return [
        [(w, tag_names[t]) for w, t in zip(s, next(predicted), strict=True)] if s else []
        for s in sentences
    ]


POS = register_task(PosTask())
