"""What ``lstmlab explain`` and the page show of a POS run: each word's tag, its
probability (softmax, or the CRF's marginal) and whether it was unseen in training."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lstmlab.errors import DataError
from lstmlab.inspect.tasks import Encoded, Inspector, Progress
from lstmlab.tasks.pos.training import example, read_corpus


class PosInspector(Inspector):
    panel = "tags"

    def validation_examples(self, data_dir: str | None) -> list[Encoded]:
        """The run's validation sentences with their words as written (not lowercased)."""
        try:
            _, val, _ = read_corpus(self.config.data, data_dir, self.config.train.seed)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the run's validation data: {error}") from None
        return [Encoded(s.words, example(self.codec, s.words)) for s in val if s.words]

    @torch.no_grad()
    def tag_probabilities(self, example: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """Predicted tags ``[T]`` and each tag's probability ``[T]`` for one sentence.

        Softmax head: the softmax of the emissions. CRF head: the Viterbi path's tags with
        their marginal probabilities ``P(y_t = tag | sentence)``, the gradient of ``log Z``
        with respect to the emissions.
        """
        batch = {key: value.unsqueeze(0) for key, value in example.items()}
        lengths = torch.tensor([batch["ids"].size(1)])
        mask = torch.ones_like(batch["ids"], dtype=torch.bool)
        emissions = self.model(
            batch["ids"],
            lengths,
            chars=batch.get("chars"),
            casing=batch.get("casing"),
            features=batch.get("features"),  # a tagger run's feature columns, if any
        )
        tags = self.model.decode(emissions, mask)[0]
        if self.model.crf is None:
            marginals = torch.softmax(emissions[0], dim=-1)
        else:
            with torch.enable_grad():
                scores = emissions.detach().requires_grad_(True)
                (marginals,) = torch.autograd.grad(
                    self.model.crf.log_partition(scores, mask), scores
                )
            marginals = marginals[0]
        return tags, marginals.gather(1, tags.unsqueeze(1)).squeeze(1)

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        encoded = self.encode(text)
        tags, probabilities = self.tag_probabilities(encoded.example)
        names = self.codec.tags.tokens
        return self.answer(
            tokens=encoded.tokens,
            tags=[names[t] for t in tags.tolist()],
            probabilities=[round(float(p), 5) for p in probabilities],
            unseen=(encoded.example["ids"] == self.codec.vocab.unk_index).tolist(),
        )
