"""Language modelling: predict each next word of IMDb's review text (or your own text files).

Data: IMDb's labelled *train* reviews and its 50,000 unlabelled (*unsup*) reviews — never
the test reviews, so that a classifier fine-tuned from this model has not seen the text it
is tested on — or the user's own plain-text files (``--train F --valid F [--test F]``;
one document a line, or documents separated by blank lines with ``data.documents=blocks``;
``.gz`` too). From IMDb a seeded share of the reviews is held out for validation and as
much again for test perplexity.

Batches are windows of a continuous token stream (truncated BPTT, see
:mod:`lstmlab.data.stream`); the model is :class:`lstmlab.models.lm.LanguageModel`. One
unit is one predicted token; the epoch metrics add perplexity, ``exp(mean loss)``, and
the best checkpoint is the one with the lowest validation perplexity.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from lstmlab.data.batching import collate
from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.data.splits import train_val_split
from lstmlab.data.stream import StreamBatchSampler, TokenStream
from lstmlab.data.textfile import read_lines
from lstmlab.data.tokenize import TOKENIZERS, get_tokenizer
from lstmlab.data.vocab import DEFAULT_SPECIALS, PAD, UNK, Vocab
from lstmlab.errors import ConfigError, DataError
from lstmlab.models.lm import LanguageModel, LanguageModelConfig
from lstmlab.tasks.registry import register_task
from lstmlab.training.config import RunConfig, check
from lstmlab.training.distributed import DistContext
from lstmlab.training.task import Example, Prepared, Selection, StepResult, Task, file_overrides
from lstmlab.training.trainer import Totals

EOS = "<eos>"  # the document boundary: put before every document of the stream
SPECIALS = (PAD, UNK, EOS)
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


class LanguageModelTask(Task):
    """Word-level language modelling with truncated BPTT."""

    name = "lm"
    help = "language modelling: IMDb train + unlabelled reviews (or your own text files)"
    data_cls = LmData
    model_cls = LanguageModelConfig
    selection = Selection("perplexity", "min")
    predict_command = "generate"
    predict_help = "continue a prompt with a trained language model"
    empty_text_allowed = True

    # ------------------------------------------------------------------ training
    def prepare(self, config: RunConfig, data_dir: str | None) -> Prepared:
        cfg: LmData = config.data
        if cfg.corpus == "imdb":
            vocab, train, val, test = _imdb_documents(cfg, data_dir, config.train.seed)
        else:
            vocab, train, val, test = _file_documents(cfg)
        if 0 < cfg.max_documents < len(train):  # a seeded subset, for a smaller budget
            keep = torch.randperm(
                len(train), generator=torch.Generator().manual_seed(config.train.seed)
            )[: cfg.max_documents]
            train = [train[i] for i in sorted(keep.tolist())]
        bptt = cfg.bptt
        tokens = sum(len(d) for d in train)
        return Prepared(
            train=[{"ids": d, "bptt": bptt} for d in train],
            val=[{"ids": d, "bptt": bptt} for d in val],
            test=[{"ids": d, "bptt": bptt} for d in test],
            state={"vocab": vocab.to_dict()},
            info={
                "train documents": len(train),
                "train tokens": tokens,
                "validation documents": len(val),
                "test documents": len(test),
                "vocabulary": len(vocab),
            },
        )

    def build_model(self, config: RunConfig, state: dict[str, Any]) -> LanguageModel:
        return LanguageModel.from_config(config.model, len(state["vocab"]["tokens"]))

    def make_loader(
        self,
        examples: list[Example],
        batch_size: int,
        *,
        shuffle: bool,
        seed: int,
        bucket: bool = True,
        ctx: DistContext | None = None,
    ) -> DataLoader:
        """Windows of the documents' stream, ``batch_size`` strips (see data.stream)."""
        ctx = ctx or DistContext()
        if not examples:
            raise DataError("no text to make batches of")
        documents = [example["ids"] for example in examples]
        bptt = examples[0]["bptt"]
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
        lm = model.module if hasattr(model, "module") else model
        features, _ = model(batch["ids"], reset=batch["reset"].bool())
        targets = batch["targets"]
        loss_sum = lm.loss(features, targets)
        units = int((targets != 0).sum())
        correct = 0
        if not model.training:  # next-word accuracy costs a full prediction: evaluation only
            flat = features.reshape(-1, features.size(-1))
            correct = int((lm.predict(flat) == targets.reshape(-1))[targets.reshape(-1) != 0].sum())
        return StepResult(loss_sum, units, correct)

    def epoch_metrics(self, totals: Totals) -> dict[str, float]:
        """Loss, perplexity = exp(mean loss per token), and next-word accuracy (evaluation)."""
        return {
            "loss": totals.mean_loss,
            "accuracy": totals.accuracy,
            "perplexity": math.exp(min(totals.mean_loss, 700.0)),
        }

    def report(
        self,
        model: nn.Module,
        examples: list[Example],
        state: dict[str, Any],
        run_dir: Path | None,
        device: torch.device,
    ) -> dict[str, Any]:
        vocab = Vocab.from_dict(state["vocab"])
        tokens = sum(len(e["ids"]) for e in examples)
        unknown = sum(int((e["ids"] == vocab.unk_index).sum()) for e in examples)
        return {"tokens": tokens, "unknown_token_share": unknown / max(tokens, 1)}

    def labelled_examples(
        self, config: RunConfig, state: dict[str, Any], path: Path
    ) -> list[Example]:
        """A text file's documents, encoded with the run's vocabulary (for ``evaluate``)."""
        vocab = Vocab.from_dict(state["vocab"])
        tokenize = get_tokenizer(config.data.tokenizer)
        documents = [
            _encode(vocab, tokenize(text)) for text in read_documents(path, config.data.documents)
        ]
        return [{"ids": d, "bptt": config.data.bptt} for d in documents]

    def summary_lines(self, metrics: dict[str, Any]) -> list[str]:
        return [
            f"perplexity           {metrics['perplexity']:.2f}",
            f"loss                 {metrics['loss']:.4f}",
            f"next-word accuracy   {metrics['accuracy']:.4f}",
            f"tokens               {metrics['tokens']:,} "
            f"({metrics['unknown_token_share']:.1%} <unk>)",
        ]

    # ------------------------------------------------------------ command line
    def add_train_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--train",
            dest="train_file",
            help="your own training text (one document a line; .gz too)",
        )
        parser.add_argument("--valid", dest="valid_file", help="your own validation text")
        parser.add_argument("--test", dest="test_file", help="your own test text (optional)")

    def train_overrides(self, args: argparse.Namespace) -> list[str]:
        items = file_overrides(args, ("train_file", "valid_file", "test_file"))
        if args.train_file or args.valid_file:
            items.append("data.corpus=files")
        return items

    def add_predict_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--tokens", type=int, default=50, help="words to generate (50)")
        parser.add_argument(
            "--temperature",
            type=float,
            default=1.0,
            help="sampling temperature; lower is more predictable (1.0)",
        )
        parser.add_argument(
            "--top-k", type=int, default=0, help="sample among the K likeliest words only (0: all)"
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (0)")

    def run_predict(self, trained: Any, texts: list[str], args: argparse.Namespace) -> None:
        for text in texts:
            words = generate(
                trained.model,
                trained.config,
                trained.state,
                text,
                tokens=args.tokens,
                temperature=args.temperature,
                top_k=args.top_k,
                seed=args.seed,
            )
            if args.json:
                print(json.dumps({"prompt": text, "words": list(words)}))
                continue
            shown = " ".join(get_tokenizer(trained.config.data.tokenizer)(text))
            print(shown, end="", flush=True)
            for word in words:  # streamed as it samples
                print(f" {word}" if shown else word, end="", flush=True)
                shown = shown or word
            print()

    def api_generate(
        self,
        trained: Any,
        prompt: str = "",
        tokens: int = 50,
        temperature: float = 1.0,
        top_k: int = 0,
        seed: int = 0,
    ) -> str:
        """The prompt's tokens and ``tokens`` sampled words after them, joined by spaces."""
        words = list(
            generate(
                trained.model,
                trained.config,
                trained.state,
                prompt,
                tokens=tokens,
                temperature=temperature,
                top_k=top_k,
                seed=seed,
            )
        )
        prompt_words = get_tokenizer(trained.config.data.tokenizer)(prompt)
        return " ".join([*prompt_words, *words])


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


def read_documents(path: str | Path, mode: str = "lines") -> list[str]:
    """The documents of a plain-text file: one a line, or blank-line separated blocks."""
    documents: list[str] = []
    block: list[str] = []
    for _, line in read_lines(Path(path)):
        if mode == "lines":
            if line.strip():
                documents.append(line)
        elif line.strip():
            block.append(line)
        elif block:
            documents.append(" ".join(block))
            block = []
    if block:
        documents.append(" ".join(block))
    if not documents:
        raise DataError(f"{path} holds no text")
    return documents


def _file_documents(cfg: LmData) -> tuple[Vocab, list[Tensor], list[Tensor], list[Tensor]]:
    tokenize = get_tokenizer(cfg.tokenizer)
    train_tokens = [tokenize(t) for t in read_documents(cfg.train_file, cfg.documents)]
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


@torch.no_grad()
def generate(
    model: LanguageModel,
    config: RunConfig,
    state: dict[str, Any],
    prompt: str,
    *,
    tokens: int = 50,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
) -> Iterator[str]:
    """Sample ``tokens`` words after ``prompt``, yielding each as soon as it is drawn.

    The model reads ``<eos>`` (a document start) and then the prompt's tokens (words it
    does not know read as ``<unk>``); each next word is drawn from the softmax at
    ``temperature``, among the ``top_k`` likeliest words when ``top_k`` > 0. ``<pad>``,
    ``<unk>`` and ``<eos>`` are never drawn. The same seed gives the same words.
    """
    if tokens < 0:
        raise ConfigError(f"--tokens must be >= 0, got {tokens}")
    if not temperature > 0 or math.isinf(temperature):
        raise ConfigError(f"--temperature must be a positive number, got {temperature}")
    if top_k < 0:
        raise ConfigError(f"--top-k must be >= 0, got {top_k}")
    vocab = Vocab.from_dict(state["vocab"])
    never = [vocab.index(token) for token in SPECIALS if token in vocab]
    words = get_tokenizer(config.data.tokenizer)(prompt)
    ids = [vocab.index(EOS), *vocab.encode(words)]
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    model.eval()
    features, hidden = model(torch.tensor([ids], device=device))
    for _ in range(tokens):
        logits = model.log_probs(features[0, -1:]).squeeze(0).float().cpu()
        logits[never] = -math.inf
        if top_k > 0:
            threshold = torch.topk(logits, min(top_k, logits.numel())).values[-1]
            logits[logits < threshold] = -math.inf
        # Shifted so the likeliest word scores 0, and divided in float64 (1e-300 is 0 in
        # float32): a tiny temperature gives the others -inf, not all of them (NaN).
        logits = ((logits - logits.max()).double() / temperature).float()
        next_id = int(torch.multinomial(torch.softmax(logits, dim=0), 1, generator=generator))
        yield vocab.tokens[next_id]
        features, hidden = model(torch.tensor([[next_id]], device=device), hidden)


LM = register_task(LanguageModelTask())
