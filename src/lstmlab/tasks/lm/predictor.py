"""``lstmlab.load(LM run).generate(...)`` and ``lstmlab generate``: sampling words (with
PyTorch: language models are not exported as graphs)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import torch

from lstmlab.errors import ConfigError
from lstmlab.tasks.lm.codec import LmCodec
from lstmlab.tasks.predictor import Predictor


class LmPredictor(Predictor):
    """Continues prompts: ``generate("This movie", tokens=30, seed=0)``."""

    def generate(
        self,
        prompt: str = "",
        tokens: int = 50,
        temperature: float = 1.0,
        top_k: int = 0,
        seed: int = 0,
    ) -> str:
        """The prompt's tokens and ``tokens`` sampled words after them, joined by spaces."""
        words = list(self.sample(prompt, tokens, temperature, top_k, seed))
        return " ".join([*self.codec.tokenize(prompt), *words])

    def sample(
        self, prompt: str, tokens: int = 50, temperature: float = 1.0, top_k: int = 0, seed: int = 0
    ) -> Iterator[str]:
        """The sampled words after ``prompt``, each as soon as it is drawn; ConfigError at
        once (not at the first word) for a backward LM."""
        if self.codec.reverse:
            raise ConfigError(
                "this run is a backward language model (data.reverse = true); "
                "generate needs a forward one"
            )
        return generate(
            self.model,
            self.codec,
            prompt,
            tokens=tokens,
            temperature=temperature,
            top_k=top_k,
            seed=seed,
        )

    def command_output(
        self,
        texts: list[str],
        *,
        as_json: bool,
        tokens: int = 50,
        temperature: float = 1.0,
        top_k: int = 0,
        seed: int = 0,
        **options: Any,
    ) -> Iterator[str]:
        for text in texts:
            words = self.sample(text, tokens, temperature, top_k, seed)
            if as_json:
                yield json.dumps({"prompt": text, "words": list(words)}) + "\n"
                continue
            shown = " ".join(self.codec.tokenize(text))
            yield shown
            for word in words:  # streamed as it samples
                yield f" {word}" if shown else word
                shown = shown or word
            yield "\n"


@torch.no_grad()
def generate(
    model: Any,
    codec: LmCodec,
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
    ids = codec.encode(prompt).features["ids"]
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    model.eval()
    features, hidden = model(torch.tensor([ids], device=device))
    for _ in range(tokens):
        logits = model.log_probs(features[0, -1:]).squeeze(0).float().cpu()
        logits[codec.never] = -math.inf
        if top_k > 0:
            threshold = torch.topk(logits, min(top_k, logits.numel())).values[-1]
            logits[logits < threshold] = -math.inf
        # Shifted so the likeliest word scores 0, and divided in float64 (1e-300 is 0 in
        # float32): a tiny temperature gives the others -inf, not all of them (NaN).
        logits = ((logits - logits.max()).double() / temperature).float()
        next_id = int(torch.multinomial(torch.softmax(logits, dim=0), 1, generator=generator))
        yield codec.word(next_id)
        features, hidden = model(torch.tensor([[next_id]], device=device), hidden)
