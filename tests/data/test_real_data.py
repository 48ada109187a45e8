"""The real data sets (skipped unless $LSTMLAB_DATA points at them)."""

import pytest

from lstmlab.data.imdb import SPLITS, read_imdb_splits
from lstmlab.data.registry import locate
from lstmlab.data.tagged import read_brown, read_conll

pytestmark = pytest.mark.realdata


def test_imdb_split_sizes(real_data_root):
    # check_sizes=True raises unless every split has the official size; count anyway.
    reviews = read_imdb_splits(locate("imdb", real_data_root), SPLITS)
    labels = {split: [r.label for r in reviews[split]] for split in SPLITS}
    assert labels["train"].count(1) == labels["train"].count(0) == 12_500
    assert labels["test"].count(1) == labels["test"].count(0) == 12_500
    assert len(labels["unsup"]) == 50_000
    assert all(1 <= r.rating <= 4 for r in reviews["test"] if r.label == 0)
    assert all(7 <= r.rating <= 10 for r in reviews["train"] if r.label == 1)


@pytest.mark.parametrize(
    ("split", "sentences", "tokens"), [("train", 8_936, 211_727), ("test", 2_012, 47_377)]
)
def test_conll2000_counts(real_data_root, split, sentences, tokens):
    data = read_conll(locate("conll2000", real_data_root, part=split))
    assert len(data) == sentences
    assert sum(len(s) for s in data) == tokens
    assert all(len(s.words) == len(s.tags) for s in data)


def test_brown_reads_with_universal_tags(real_data_root):
    sentences = read_brown(
        locate("brown", real_data_root),
        universal_map_zip=locate("brown", real_data_root, part="universal_tagset"),
    )
    assert len(sentences) == 57_340
    tags = {tag for s in sentences for tag in s.tags}
    assert tags == {
        "ADJ",
        "ADP",
        "ADV",
        "CONJ",
        "DET",
        "NOUN",
        "NUM",
        "PRON",
        "PRT",
        "VERB",
        ".",
        "X",
    }
