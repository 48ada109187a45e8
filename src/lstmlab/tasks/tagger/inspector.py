"""What ``lstmlab explain`` and the page show of a tagger run: the POS inspector's tags and
probabilities, plus the spans they make."""

from __future__ import annotations

from typing import Any

from lstmlab.errors import DataError
from lstmlab.inspect.tasks import Encoded
from lstmlab.tasks.pos.inspector import PosInspector
from lstmlab.tasks.pos.training import example
from lstmlab.tasks.tagger.training import read_splits


class TaggerInspector(PosInspector):
    def validation_examples(self, data_dir: str | None) -> list[Encoded]:
        """The run's validation sentences with their words as written."""
        try:
            _, valid, _ = read_splits(self.config.data, data_dir, self.config.train.seed)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the run's validation data: {error}") from None
        return [
            Encoded(s.words, example(self.codec, s.words, s.features or None))
            for s in valid
            if s.words
        ]

    def predict(self, text: str, evidence: bool = True) -> dict[str, Any]:
        answer = super().predict(text, evidence)
        answer["spans"] = self.codec.spans(answer["tokens"], answer["tags"], text)
        return answer
