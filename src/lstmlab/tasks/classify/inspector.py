"""What ``lstmlab explain`` and the page show of a classify run: the class, every class's
probability and each word's leave-one-out evidence for the predicted class."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lstmlab.inspect.tasks import Inspector


class ClassifyInspector(Inspector):
    panel = "classes"

    @torch.no_grad()
    def probabilities(self, ids: Tensor) -> Tensor:
        """Class probabilities of equally long id rows: ``[B, T]`` -> ``[B, C]``."""
        lengths = torch.full((ids.size(0),), ids.size(1), dtype=torch.long)
        logits = self.model(ids, lengths)
        return torch.sigmoid(logits) if self.codec.multi_label else torch.softmax(logits, dim=-1)

    def predict(self, text: str, evidence: bool = True) -> dict[str, Any]:
        from lstmlab.inspect.evidence import occlusion_evidence

        encoded = self.encode(text)
        ids = encoded.example["ids"]
        probabilities = self.probabilities(ids.unsqueeze(0))[0]
        labels = self.codec.labels
        best = int(probabilities.argmax())
        answer = self.answer(
            label=labels[best],
            probability=float(probabilities[best]),
            probabilities={name: float(p) for name, p in zip(labels, probabilities, strict=True)},
            tokens=encoded.tokens,
            unseen=(ids == self.codec.vocab.unk_index).tolist(),
            truncated=encoded.dropped,
            evidence_for=labels[best],  # evidence > 0 pushes towards the predicted class
            evidence_against="the other classes",
        )
        if self.codec.reverse:  # the tokens (and their evidence) in the order it read them
            answer["note"] = (
                "a backward classifier (data.reverse): tokens in the order it read them, "
                "last word first"
            )
        if self.codec.multi_label:
            answer["labels"] = [
                n for n, p in answer["probabilities"].items() if p >= self.codec.threshold
            ]
        if evidence:
            values = occlusion_evidence(
                self.probabilities, ids, positive_class=best, unk_index=self.codec.vocab.unk_index
            )
            answer["evidence"] = [round(float(value), 5) for value in values]
        return answer
