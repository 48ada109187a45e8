from collections import Counter

import pytest

from lstmlab.data.vocab import Vocab
from lstmlab.errors import DataError

CORPUS = [["b", "a", "c", "a"], ["c", "a", "d"], ["b"]]  # a:3, b:2, c:2, d:1


def test_order_is_specials_then_count_desc_then_alphabetical():
    vocab = Vocab.build(CORPUS)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b", "c", "d"]
    assert vocab.pad_index == 0
    assert vocab.unk_index == 1


def test_order_does_not_depend_on_input_order():
    assert Vocab.build(CORPUS) == Vocab.build(list(reversed([list(reversed(s)) for s in CORPUS])))


def test_min_freq_and_max_size():
    assert Vocab.build(CORPUS, min_freq=2).tokens == ["<pad>", "<unk>", "a", "b", "c"]
    assert Vocab.build(CORPUS, max_size=4).tokens == ["<pad>", "<unk>", "a", "b"]
    with pytest.raises(ValueError):
        Vocab.build(CORPUS, max_size=1)
    with pytest.raises(ValueError):
        Vocab.build(CORPUS, min_freq=0)


def test_specials_for_a_tag_vocabulary():
    tags = Vocab.build([["NN", "VB", "NN"]], specials=("<pad>",))
    assert tags.tokens == ["<pad>", "NN", "VB"]
    assert tags.pad_index == 0 and tags.unk_index is None
    with pytest.raises(KeyError):
        tags.encode(["JJ"])
    bare = Vocab.build([["NN"]], specials=())
    assert bare.tokens == ["NN"] and bare.pad_index is None


def test_a_special_in_the_corpus_is_not_counted_twice():
    vocab = Vocab.build([["<unk>", "x", "<unk>"]])
    assert vocab.tokens == ["<pad>", "<unk>", "x"]


def test_encode_decode_contains_index():
    vocab = Vocab.build(CORPUS)
    assert vocab.encode(["a", "zzz", "d"]) == [2, 1, 5]
    assert vocab.decode([2, 1, 5]) == ["a", "<unk>", "d"]
    assert "a" in vocab and "zzz" not in vocab
    assert vocab.index("c") == 4 and vocab.index("zzz") == vocab.unk_index
    assert len(vocab) == 6


def test_from_counter_matches_build():
    counter = Counter(token for sentence in CORPUS for token in sentence)
    assert Vocab.from_counter(counter, min_freq=2) == Vocab.build(CORPUS, min_freq=2)


def test_save_load_and_dict_round_trip(tmp_path):
    vocab = Vocab.build([["é", "naïve", "a"]])
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert Vocab.load(path) == vocab
    assert Vocab.from_dict(vocab.to_dict()).tokens == vocab.tokens
    assert not list(tmp_path.glob("*.tmp"))


def test_bad_saved_vocabulary_raises_data_error(tmp_path):
    path = tmp_path / "vocab.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match=r"vocab\.json"):
        Vocab.load(path)
    with pytest.raises(DataError):
        Vocab.from_dict({"tokens": [1, 2]})
    with pytest.raises(DataError):
        Vocab.load(tmp_path / "missing.json")
