"""Training a word-level language model with truncated BPTT.

Data: IMDb's labelled *train* reviews and its 50,000 unlabelled (*unsup*) reviews — never
the test reviews, so that a classifier fine-tuned from this model has not seen the text it
is tested on — or the user's own plain-text files (``--train F --valid F [--test F]``;
one document a line, or documents separated by blank lines with ``data.documents=blocks``;
``.gz`` too). From IMDb a seeded share of the reviews is held out for validation and as
much again for test perplexity.

Batches are windows of a continuous token stream (see :mod:`lstmlab.data.stream`); the
model is :class:`lstmlab.models.lm.LanguageModel`. One unit is one predicted token; the
metrics add perplexity, ``exp(mean loss)``, and the best checkpoint is the one with the
lowest validation perplexity. Next-word accuracy costs a full softmax, so it is measured
in evaluation only: a training epoch records no accuracy (rather than a made-up 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from lstmlab.data.batching import collate
from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.data.splits import train_val_split
from lstmlab.data.stream import StreamBatchSampler, TokenStream
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.vocab import Vocab
from lstmlab.errors import ConfigError, DataError
from lstmlab.models.lm import LanguageModel, LanguageModelConfig
from lstmlab.tasks.base import Example, Prepared, StepResult, TaskTraining
from lstmlab.tasks.lm.adapt import continue_from, extend_vocab, read_source
from lstmlab.tasks.lm.codec import EOS, SPECIALS, read_documents
from lstmlab.tasks.lm.config import LmData
from lstmlab.training.config import RunConfig
from lstmlab.training.distributed import DistContext


class LmTraining(TaskTraining):
    """Word-level language modelling: summed next-word loss over real tokens."""

    model_config = LanguageModelConfig
    select = "val_perplexity"

    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: LmData = config.data
        base = read_source(config) if config.model.init_from else None  # checked before reading
        if cfg.corpus == "imdb":
            vocab, train, val, test = _imdb_documents(cfg, data_dir, config.train.seed)
        else:
            vocab, train, val, test = _file_documents(cfg, base)
        if 0 < cfg.max_documents < len(train):  # a seeded subset, for a smaller budget
            keep = torch.randperm(
                len(train), generator=torch.Generator().manual_seed(config.train.seed)
            )[: cfg.max_documents]
            train = [train[i] for i in sorted(keep.tolist())]
        train, val, test = (reading_order(cfg, split) for split in (train, val, test))
        tokens = sum(len(d) for d in train)
        added = {"new words (beyond model.init_from's)": len(vocab) - len(base)} if base else {}
        return Prepared(
            train=[{"ids": d} for d in train],
            val=[{"ids": d} for d in val],
            test=[{"ids": d} for d in test],
            vocabs={"vocab": vocab.to_dict()},
            info={
                "train documents": len(train),
                "train tokens": tokens,
                "validation documents": len(val),
                "test documents": len(test),
                "vocabulary": len(vocab),
                **added,
            },
        )

    def build_model(self, config: RunConfig, vocabs: dict[str, Any]) -> LanguageModel:
        return LanguageModel.from_config(config.model, len(vocabs["vocab"]["tokens"]))

    def init_weights(
        self, model: nn.Module, config: RunConfig, vocabs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Continue a language-model run (``model.init_from``): its weights, grown by the
        added words' rows; the record becomes ``init_from.json`` in the run folder."""
        if not config.model.init_from:
            return None
        return {"init_from": continue_from(model, config.model.init_from)}

    def make_loader(
        self,
        examples: list[Example],
        batch_size: int,
        config: RunConfig,
        *,
        shuffle: bool,
        seed: int,
        bucket: bool = True,
        ctx: DistContext | None = None,
    ) -> DataLoader:
        """Windows of ``data.bptt`` steps of the documents' stream, ``batch_size`` strips."""
        ctx = ctx or DistContext()
        if not examples:
            raise DataError("no text to make batches of")
        documents = [example["ids"] for example in examples]
        bptt = config.data.bptt
        # Every strip starts from a zero state, so a strip should span several windows:
        # with little text (a small validation set) fewer rows than batch_size are used.
        rows = min(batch_size, max(sum(len(d) + 1 for d in documents) // (4 * bptt), 1))
        rows = max(rows - rows % ctx.world_size, ctx.world_size)
        try:
            stream = TokenStream(
                documents,
                boundary=SPECIALS.index(EOS),
                rows=rows,
                bptt=bptt,
                shuffle=shuffle,
                seed=seed,
            )
            sampler = StreamBatchSampler(stream, ctx.world_size, ctx.rank)
        except ValueError as error:
            raise ConfigError(f"cannot batch the text: {error}") from None
        return DataLoader(
            stream, batch_sampler=sampler, collate_fn=collate, generator=torch.Generator()
        )

    def step(self, model: nn.Module, batch: dict[str, Tensor]) -> StepResult:
        features, _ = model(batch["ids"], reset=batch["reset"].bool())
        targets = batch["targets"]
        loss_sum = model.loss(features, targets)
        counts = {"units": int((targets != 0).sum())}
        if not model.training:  # next-word accuracy costs a full prediction: evaluation only
            flat, wanted = features.reshape(-1, features.size(-1)), targets.reshape(-1)
            counts["correct"] = int((model.predict(flat) == wanted)[wanted != 0].sum())
        return StepResult(loss_sum, counts)

    def metrics(self, totals: Mapping[str, float]) -> dict[str, float]:
        """Loss, perplexity = exp(mean loss per token), and (evaluation) next-word accuracy."""
        metrics = super().metrics(totals)
        metrics["perplexity"] = math.exp(min(metrics["loss"], 700.0))
        return metrics

    def report(
        self,
        examples: list[Example],
        outputs: list[Any],
        vocabs: dict[str, Any],
        run_dir: Path | None,
    ) -> dict[str, Any]:
        vocab = Vocab.from_dict(vocabs["vocab"])
        tokens = sum(len(e["ids"]) for e in examples)
        unknown = sum(int((e["ids"] == vocab.unk_index).sum()) for e in examples)
        return {"tokens": tokens, "unknown_token_share": unknown / max(tokens, 1)}

    def labelled_examples(
        self, config: RunConfig, vocabs: dict[str, Any], path: Path
    ) -> list[Example]:
        """A text file's documents, encoded with the run's vocabulary (for ``evaluate``)."""
        vocab = Vocab.from_dict(vocabs["vocab"])
        tokenize = get_tokenizer(config.data.tokenizer)
        documents = read_documents(path, config.data.documents)
        ids = [_encode(vocab, tokenize(text)) for text in documents]
        return [{"ids": d} for d in reading_order(config.data, ids)]

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        return [
            f"perplexity           {metrics['perplexity']:.2f}",
            f"loss                 {metrics['loss']:.4f}",
            f"next-word accuracy   {metrics.get('accuracy', float('nan')):.4f}",
            f"tokens               {metrics['tokens']:,} "
            f"({metrics['unknown_token_share']:.1%} <unk>)",
        ]


def reading_order(cfg: LmData, documents: list[Tensor]) -> list[Tensor]:
    """The documents' ids ``[T]`` in the order the model reads them: as they are, or each
    reversed (``data.reverse``: a backward LM). The stream puts ``<eos>`` before each."""
    return [d.flip(0) for d in documents] if cfg.reverse else documents


def _encode(vocab: Vocab, tokens: list[str]) -> Tensor:
    return torch.tensor(vocab.encode(tokens), dtype=torch.long)


def _imdb_documents(
    cfg: LmData, data_dir: str | None, seed: int
) -> tuple[Vocab, list[Tensor], list[Tensor], list[Tensor]]:
    """IMDb train + unsup reviews (never test), a seeded share held out twice over."""
    encoded = load_imdb_encoded(
        data_dir,
        tokenizer=cfg.tokenizer,
        min_freq=cfg.min_freq,
        max_size=cfg.max_size or None,
        splits=("train", "unsup"),
        vocab_splits=("train", "unsup"),
        specials=SPECIALS,
    )
    documents = encoded.splits["train"].ids + encoded.splits["unsup"].ids
    rest, held_out = train_val_split(len(documents), 2 * cfg.val_fraction, seed)
    half = len(held_out) // 2
    pick = documents.__getitem__
    return (
        encoded.vocab,
        list(map(pick, rest)),
        list(map(pick, held_out[:half])),
        list(map(pick, held_out[half:])),
    )


def _file_documents(
    cfg: LmData, base: Vocab | None = None
) -> tuple[Vocab, list[Tensor], list[Tensor], list[Tensor]]:
    """The files' documents; the vocabulary from the training file, or ``base`` (an LM run
    continued, ``model.init_from``) extended by the training file's new words."""
    tokenize = get_tokenizer(cfg.tokenizer)
    train_tokens = [tokenize(t) for t in read_documents(cfg.train_file, cfg.documents)]
    if base is not None:
        vocab = extend_vocab(base, train_tokens, cfg.min_freq, cfg.max_size)
    else:
        vocab = Vocab.build(
            train_tokens, min_freq=cfg.min_freq, max_size=cfg.max_size or None, specials=SPECIALS
        )
    valid = [_encode(vocab, tokenize(t)) for t in read_documents(cfg.valid_file, cfg.documents)]
    test = (
        [_encode(vocab, tokenize(t)) for t in read_documents(cfg.test_file, cfg.documents)]
        if cfg.test_file
        else valid
    )
    return vocab, [_encode(vocab, t) for t in train_tokens], valid, test
