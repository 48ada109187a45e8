"""``lstmlab.load(tagger run).tag(...)`` / ``.spans(...)``, ``lstmlab tag``, and the ONNX
runtime's tagger bundles (imports no torch: the backend runs the model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lstmlab.data.tokenize import sentence_batch
from lstmlab.tasks.pos.predictor import PosPredictor


class TaggerPredictor(PosPredictor):
    """Tags sentences (``tag``) and reads their spans (``spans``: entities, chunks)."""

    def spans(self, sentences: str | list[str] | list[list[str]]) -> Any:
        """The spans of one sentence (a list of dicts: ``type``, token ``start``/``end``,
        ``text``, and for a sentence given as a string its ``char_start``/``char_end``), or a
        list of them for a list of sentences."""
        words, one = sentence_batch(sentences)
        texts = [sentences] if one else list(sentences)
        found = [
            self.codec.spans(w, [t for _, t in pairs], text if isinstance(text, str) else None)
            for w, pairs, text in zip(words, self.tag_words(words), texts, strict=True)
        ]
        return found[0] if one else found

    def command_output(
        self, texts: list[str], *, as_json: bool, tokenized: bool = False, **options: Any
    ) -> Iterator[str]:
        sentences = [self.codec.split(text, tokenized) for text in texts]
        for text, words, pairs in zip(texts, sentences, self.tag_words(sentences), strict=True):
            tags = [t for _, t in pairs]
            found = self.codec.spans(words, tags, text)
            if as_json:
                record = {"words": words, "tags": tags}
                if self.codec.scheme is not None:
                    record["spans"] = found
                yield json.dumps(record) + "\n"
                continue
            line = " ".join(f"{word}/{tag}" for word, tag in pairs)
            if found:
                line += "\t" + "  ".join(f"[{s['type']} {s['text']}]" for s in found)
            yield line + "\n"
