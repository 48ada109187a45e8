"""What ``lstmlab explain`` and the page show of a sentiment run: label, probabilities and
each word's leave-one-out evidence."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lstmlab.inspect.tasks import Inspector, Progress


class SentimentInspector(Inspector):
    panel = "classes"

    @torch.no_grad()
    def probabilities(self, ids: Tensor) -> Tensor:
        """Class probabilities of equally long id rows: ``[B, T]`` -> ``[B, C]``."""
        lengths = torch.full((ids.size(0),), ids.size(1), dtype=torch.long)
        return torch.softmax(self.model(ids, lengths), dim=-1)

    def predict(
        self, text: str, evidence: bool = True, progress: Progress | None = None
    ) -> dict[str, Any]:
        from lstmlab.inspect.evidence import occlusion_evidence

        encoded = self.encode(text)
        ids = encoded.example["ids"]
        probabilities = self.probabilities(ids.unsqueeze(0))[0]
        labels = self.codec.labels
        label = int(probabilities.argmax())
        positive = labels.index("pos")
        answer = self.answer(
            label=labels[label],
            probability=float(probabilities[label]),
            p_pos=float(probabilities[positive]),
            probabilities={name: float(p) for name, p in zip(labels, probabilities, strict=True)},
            tokens=encoded.tokens,
            unseen=(ids == self.codec.vocab.unk_index).tolist(),
            truncated=encoded.dropped,
            evidence_for=labels[positive],  # evidence > 0 pushes towards this label
            evidence_against=labels[1 - positive],
        )
        if self.codec.reverse:  # the tokens (and their evidence) in the order it read them
            answer["note"] = (
                "a backward classifier (data.reverse): tokens in the order it read them, "
                "last word first"
            )
        if evidence:
            values = occlusion_evidence(
                self.probabilities,
                ids,
                positive_class=positive,
                unk_index=self.codec.vocab.unk_index,
                progress=progress,
            )
            answer["evidence"] = [round(float(value), 5) for value in values]
        return answer
