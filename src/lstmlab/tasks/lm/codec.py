"""Text -> token ids of a language model's stream, ids -> words (imports no torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lstmlab.data.textfile import read_lines
from lstmlab.data.tokenize import get_tokenizer
from lstmlab.data.vocab import PAD, UNK, Vocab
from lstmlab.errors import DataError
from lstmlab.tasks.codec import Encoded

EOS = "<eos>"  # the document boundary: put before every document of the stream
SPECIALS = (PAD, UNK, EOS)


class LmCodec:
    """A language-model run's tokenizer and vocabulary.

    Args:
        data: the run's ``[data]`` settings (``tokenizer``, ``reverse``).
        vocabs: ``vocab`` (its specials: ``<pad>``, ``<unk>``, ``<eos>``).
    """

    def __init__(self, data: Any, vocabs: dict[str, Any]) -> None:
        self.vocab = Vocab.from_dict(vocabs["vocab"])
        self.tokenize = get_tokenizer(data.tokenizer)
        self.eos = EOS
        self.reverse: bool = data.reverse  # a backward LM: it reads each text right to left
        # Never sampled, never offered as a next word.
        self.never = [self.vocab.index(token) for token in SPECIALS if token in self.vocab]

    def encode(self, text: str) -> Encoded:
        """``<eos>`` (a document start, as the model was trained) and the text's tokens, in
        the order the model reads them (a backward LM: last word first)."""
        words = self.tokenize(text)
        tokens = [EOS, *(words[::-1] if self.reverse else words)]
        return Encoded(tokens, {"ids": self.vocab.encode(tokens)})

    def word(self, index: int) -> str:
        return self.vocab.tokens[index]


def read_documents(path: str | Path, mode: str = "lines") -> list[str]:
    """The documents of a plain-text file: one a line, or blank-line separated blocks."""
    documents: list[str] = []
    block: list[str] = []
    for _, line in read_lines(Path(path)):
        if mode == "lines":
            if line.strip():
                documents.append(line)
        elif line.strip():
            block.append(line)
        elif block:
            documents.append(" ".join(block))
            block = []
    if block:
        documents.append(" ".join(block))
    if not documents:
        raise DataError(f"{path} holds no text")
    return documents
