"""``lstmlab.load(tagger run).tag(...)`` / ``.spans(...)``, ``lstmlab tag``, and the ONNX
runtime's tagger bundles (imports no torch: the backend runs the model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lstmlab.data.tagged import TaggedSentence, read_tagged_file
from lstmlab.data.tokenize import sentence_batch
from lstmlab.tasks.pos.predictor import PosPredictor


class TaggerPredictor(PosPredictor):
    """Tags sentences (``tag``) and reads their spans (``spans``: entities, chunks); a run
    with feature columns (``data.feature_columns``) tags CoNLL files (``tag_file``)."""

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

    def tag_file(self, path: str | Path) -> list[list[tuple[str, str]]]:
        """(word, tag) pairs of each sentence of a CoNLL file (one word a line, a blank line
        between sentences), read with the run's feature columns; a tag column is ignored."""
        sentences = self.read_file(path)
        return self.tag_words([s.words for s in sentences], [s.features for s in sentences])

    def read_file(self, path: str | Path) -> list[TaggedSentence]:
        """The words and feature column values of a CoNLL file to tag."""
        columns = self.codec.feature_columns
        return read_tagged_file(Path(path), column=None, feature_columns=columns)

    def file_output(
        self, path: Path, *, as_json: bool, tokenized: bool = False, **options: Any
    ) -> Iterator[str] | None:
        """``tag --file`` of a run with feature columns: the file is CoNLL, a word a line
        (None for other runs: a sentence a line, as for every task)."""
        if not self.codec.feature_columns:
            return None
        sentences = self.read_file(path)
        words = [s.words for s in sentences]
        tagged = self.tag_words(words, [s.features for s in sentences])
        return self.lines([" ".join(w) for w in words], words, tagged, as_json)

    def command_output(
        self, texts: list[str], *, as_json: bool, tokenized: bool = False, **options: Any
    ) -> Iterator[str]:
        sentences = [self.codec.split(text, tokenized) for text in texts]
        return self.lines(texts, sentences, self.tag_words(sentences), as_json)

    def lines(
        self,
        texts: list[str],
        sentences: list[list[str]],
        tagged: list[list[tuple[str, str]]],
        as_json: bool,
    ) -> Iterator[str]:
        """What ``tag`` prints of tagged sentences: ``word/tag ...`` and their spans, or
        JSON lines (``words``, ``tags``, ``spans`` with offsets in ``texts``)."""
        for text, words, pairs in zip(texts, sentences, tagged, strict=True):
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
