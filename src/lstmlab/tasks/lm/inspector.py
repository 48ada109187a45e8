"""What ``lstmlab explain`` and the page show of a language model: the likeliest next
words after a text, how likely each of its words was, and generation."""

from __future__ import annotations

from typing import Any

import torch

from lstmlab.inspect.tasks import Inspector, Progress


class LmInspector(Inspector):
    panel = "next-words"
    TOP_WORDS = 10

    @torch.no_grad()
    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        """The likeliest next words, and how likely each word of the text was in its place."""
        encoded = self.encode(text)
        ids = encoded.example["ids"]
        features, _ = self.model(ids.unsqueeze(0))
        log_probs = self.model.log_probs(features[0])  # [T, V]: the word after each position
        last = log_probs[-1].clone()
        never = self.codec.never
        last[never] = float("-inf")
        top = last.topk(min(self.TOP_WORDS, last.numel() - len(never)))
        seen = log_probs[:-1].gather(1, ids[1:].unsqueeze(1)).squeeze(1).exp()
        answer = self.answer(
            tokens=encoded.tokens,
            unseen=(ids == self.codec.vocab.unk_index).tolist(),
            next_words=[
                {"word": self.codec.word(i), "probability": round(float(p), 5)}
                for i, p in zip(top.indices.tolist(), top.values.exp().tolist(), strict=True)
            ],
            # P(token t | the tokens before it); none for the <eos> the model starts from.
            token_probabilities=[None, *(round(float(p), 5) for p in seen)],
        )
        if self.codec.reverse:  # the tokens in the order it read them (the codec's)
            answer["note"] = (
                "a backward language model (data.reverse): tokens in the order it read "
                "them, last word first; its next words are the words before the text"
            )
        return answer

    def generate(
        self, text: str, tokens: int, temperature: float, top_k: int, seed: int
    ) -> dict[str, Any]:
        """``tokens`` words sampled after ``text`` (see :meth:`LmPredictor.sample`)."""
        words = list(self.trained.sample(text, tokens, temperature, top_k, seed))
        return {"task": self.task, "prompt": self.codec.tokenize(text), "words": words}
