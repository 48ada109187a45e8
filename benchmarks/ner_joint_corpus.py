"""CoNLL-2002 Spanish and Dutch as one bilingual training set, for `lstmlab train tagger`.

Gillick et al. (2016) found that a character-level tagger trained on several languages at once
beats one trained on each (CoNLL-2002 Dutch 77.8 -> 82.8 F1, Spanish 81.8 -> 83.0): names
(``Madrid``, ``Europa``, ``Kofi Annan``) and their letter shapes are shared, and each language
has more examples of every entity type. This writes ``word tag`` files (the NE column; the
Dutch POS column is left out, Spanish has none to match) under ``--out``:

- ``train.txt``: both languages' training sentences, shuffled together (seeded);
- ``valid.txt``: both ``testa`` files (validation picks one model for both languages);
- ``esp.testb.txt``, ``ned.testb.txt``: each test set alone, for ``lstmlab evaluate --file``.

    LSTMLAB_DATA=../shared/data python benchmarks/ner_joint_corpus.py --out runs/ner-joint-data
    lstmlab train tagger --preset ner-es --set data.corpus=files \\
        --train runs/ner-joint-data/train.txt --valid runs/ner-joint-data/valid.txt
    lstmlab evaluate runs/<run> --file runs/ner-joint-data/esp.testb.txt
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from lstmlab.data.memory import write_conll
from lstmlab.data.registry import locate
from lstmlab.data.tagged import TaggedSentence, read_conll2002

LANGUAGES = ("esp", "ned")


def write(path: Path, sentences: list[TaggedSentence]) -> None:
    write_conll(sentences, path)  # `word tag` lines, a blank line after each sentence
    print(f"{path}: {len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    zipped = locate("conll2002")
    split = {
        (lang, name): read_conll2002(zipped, lang, name)
        for lang in LANGUAGES
        for name in ("train", "validation", "test")
    }
    train = [s for lang in LANGUAGES for s in split[lang, "train"]]
    random.Random(args.seed).shuffle(train)
    write(args.out / "train.txt", train)
    write(args.out / "valid.txt", [s for lang in LANGUAGES for s in split[lang, "validation"]])
    for lang in LANGUAGES:
        write(args.out / f"{lang}.testb.txt", split[lang, "test"])


if __name__ == "__main__":
    main()
