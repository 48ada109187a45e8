"""``lstmlab.load(classify run).predict(...)``, ``lstmlab predict``, and the ONNX runtime's
classify bundles (imports no torch: the backend runs the model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from lstmlab.tasks.predictor import Predictor


class ClassifyPredictor(Predictor):
    """Labels texts: ``predict(text)`` or ``predict([text, ...])``."""

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Class probabilities ``[N, C]`` of each text, in their order (softmax, or a sigmoid
        per label when multi-label)."""
        encoded = [self.codec.encode(text) for text in texts]
        logits = self.run_rows(encoded, [len(item) for item in encoded])
        if not logits:
            return np.zeros((0, len(self.codec.labels)))
        return self.codec.probabilities(np.stack(logits))

    def predict(self, texts: str | list[str]) -> Any:
        """Label and probabilities of one text (a dict) or of each text in a list
        (multi-label: the labels at or above the run's threshold)."""
        batch = [texts] if isinstance(texts, str) else list(texts)
        answers = [
            self.codec.answer(text, row)
            for text, row in zip(batch, self.probabilities(batch), strict=True)
        ]
        return answers[0] if isinstance(texts, str) else answers

    def command_output(self, texts: list[str], *, as_json: bool, **options: Any) -> Iterator[str]:
        for result in self.predict(texts):
            if as_json:
                yield json.dumps(result) + "\n"
            elif "labels" in result:
                chosen = ",".join(result["labels"]) or "-"
                yield f"{chosen}\t{result['text']}\n"
            else:
                yield f"{result['label']}\t{result['probability']:.3f}\t{result['text']}\n"
