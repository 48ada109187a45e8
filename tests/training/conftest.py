"""A tiny classification task for trainer tests: is the sum of the ids even?"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lstmlab.models.classifier import TextClassifierConfig
from lstmlab.tasks import get_task
from lstmlab.tasks.base import TaskTraining
from lstmlab.tasks.sentiment.config import SentimentData
from lstmlab.training.config import RunConfig, TrainConfig


class TinyClassifier(nn.Module):
    """Embedding -> LSTM -> dropout -> linear; dropout makes RNG state matter for resume."""

    def __init__(self, vocab_size: int = 12) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.out = nn.Linear(8, 2)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(
            self.embedding(ids), lengths, batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)
        return self.out(self.dropout(h_n[-1]))


def make_examples(n: int, seed: int) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    examples = []
    for _ in range(n):
        length = int(torch.randint(2, 9, (1,), generator=generator))
        ids = torch.randint(1, 12, (length,), generator=generator)
        examples.append({"ids": ids, "label": int(ids.sum()) % 2})
    return examples


@pytest.fixture
def tiny_config() -> RunConfig:
    return RunConfig(
        task="sentiment",
        data=SentimentData(),
        model=TextClassifierConfig(),
        train=TrainConfig(epochs=3, batch_size=8, lr=0.01, seed=3),
    )


@pytest.fixture
def adapter() -> TaskTraining:
    """The training part whose step the trainer runs (sentiment's: cross-entropy per review)."""
    return get_task("sentiment").trainer()


@pytest.fixture(name="make_examples")
def make_examples_fixture():
    return make_examples


@pytest.fixture(name="TinyClassifier")
def tiny_classifier_fixture():
    return TinyClassifier
