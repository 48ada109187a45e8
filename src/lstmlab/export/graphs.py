"""What a model graph takes and gives, for ``lstmlab export``.

A task's export part declares a :class:`GraphSpec`: the graph's inputs and outputs (the
model's ``forward`` takes its inputs by those names), which axes are dynamic, and example
inputs for tracing; its ``preprocess`` records what the runtime must do before and after
the graph (tokenizer, truncation, labels, CRF decoding).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor, nn

EVAL_BATCH_SIZE = 256  # the batches predictors run in (Predictor.batch_size)


@dataclass(frozen=True)
class GraphSpec:
    """A task model's graph signature: input names (in forward's order) and outputs."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    # Per input and output: which axes are dynamic, by name.
    dynamic_axes: dict[str, dict[int, str]]

    def example(
        self, model: nn.Module, batch: int, length: int, seed: int = 0
    ) -> tuple[Tensor, ...]:
        """Random right-padded inputs of ``batch`` sequences, the longest ``length`` steps."""
        generator = torch.Generator().manual_seed(seed)
        lengths = torch.randint(1, length + 1, (batch,), generator=generator)
        lengths[0] = length
        real = torch.arange(length) < lengths[:, None]  # [B, T]
        vocab = _embedding(model).num_embeddings
        ids = torch.randint(1, max(vocab, 2), (batch, length), generator=generator) * real
        tensors = {"ids": ids, "lengths": lengths}
        if "chars" in self.inputs:  # per-token character ids [B, T, C] and casing classes
            chars = torch.randint(1, 4, (batch, length, 5), generator=generator)
            word_len = torch.randint(1, 6, (batch, length, 1), generator=generator)
            tensors["chars"] = chars * (torch.arange(5) < word_len) * real[:, :, None]
            tensors["casing"] = torch.randint(1, 7, (batch, length), generator=generator) * real
        return tuple(tensors[name] for name in self.inputs)


def _embedding(model: nn.Module) -> nn.Embedding:
    return getattr(model, "embedding", None) or model.word_embedding


def exportable_copy(model: nn.Module) -> nn.Module:
    """A CPU, eval-mode copy of ``model`` whose LSTMs are all plain torch.nn.LSTM.

    :class:`lstmlab.nn.LSTM` has torch.nn.LSTM's weights and outputs; the exporters know
    torch's one (a single ONNX LSTM node), not the transparent one's Python loop. A
    :class:`~lstmlab.models.backend.DropConnectLSTM` is torch.nn.LSTM in eval mode already;
    it becomes the plain class too, so the graph is the same as without DropConnect.
    """
    from lstmlab.models.backend import DropConnectLSTM
    from lstmlab.nn import LSTM

    exported = copy.deepcopy(model).cpu().eval()
    for parent in list(exported.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, LSTM | DropConnectLSTM):
                setattr(parent, name, child.to_torch().eval())
    return exported
