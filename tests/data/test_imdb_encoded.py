import numpy as np
import pytest
import torch

from lstmlab.data import cache, imdb_encoded
from lstmlab.data.cache import load_arrays, save_arrays
from lstmlab.data.imdb_encoded import load_imdb_encoded
from lstmlab.errors import DataError


@pytest.fixture
def data_dir(imdb_archive):
    return imdb_archive.parent


def load(data_dir, cache_dir, **settings):
    return load_imdb_encoded(
        data_dir, cache_dir=cache_dir, progress=False, check_sizes=False, **settings
    )


def test_encodes_both_splits_with_a_train_only_vocabulary(data_dir, tmp_path):
    data = load(data_dir, tmp_path / "cache")
    assert len(data.train) == 4 and len(data.test) == 4
    assert data.train.labels.tolist() == [0, 0, 1, 1] and data.test.labels.dtype == torch.int64
    assert data.train.review_ids.tolist() == [2, 3, 0, 1]
    assert data.train.ratings.tolist() == [1, 2, 10, 9]
    assert "zorblax" not in data.vocab  # a test-only word must not enter the vocabulary
    assert "great" in data.vocab and "boring" in data.vocab
    ids = data.test.ids[2]  # "Good, zorblax good." (test/neg ids 12, 13, then pos ids 10, 11)
    assert data.vocab.decode(ids.tolist()) == ["good", ",", "<unk>", "good", "."]
    assert ids.dtype == torch.int64 and ids.dim() == 1
    assert data.train.lengths() == [len(t) for t in data.train.ids]


def test_second_load_hits_the_cache(data_dir, tmp_path, monkeypatch):
    first = load(data_dir, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("imdb-*.npz"))) == 1

    def must_not_encode(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(imdb_encoded, "_encode", must_not_encode)
    second = load(data_dir, tmp_path / "cache")
    assert second.vocab == first.vocab
    assert all(torch.equal(a, b) for a, b in zip(first.train.ids, second.train.ids, strict=True))
    assert torch.equal(first.test.labels, second.test.labels)


@pytest.mark.parametrize(
    "settings", [{"min_freq": 2}, {"max_size": 5}, {"tokenizer": "whitespace"}]
)
def test_changed_settings_miss_the_cache(data_dir, tmp_path, settings):
    default = load(data_dir, tmp_path / "cache")
    changed = load(data_dir, tmp_path / "cache", **settings)
    assert len(list((tmp_path / "cache").glob("imdb-*.npz"))) == 2
    assert changed.vocab != default.vocab


def test_a_replaced_data_file_misses_the_cache(data_dir, tmp_path, make_imdb_archive, small_imdb):
    load(data_dir, tmp_path / "cache")
    more = [*small_imdb, ("train", "pos", 99, 8, "Brand new words here.")]
    make_imdb_archive(data_dir / "aclImdb_v1.tar.gz", reviews=more)
    reloaded = load(data_dir, tmp_path / "cache")
    assert len(reloaded.train) == 5 and "brand" in reloaded.vocab


def test_a_corrupt_cache_entry_is_rebuilt(data_dir, tmp_path):
    load(data_dir, tmp_path / "cache")
    (entry,) = (tmp_path / "cache").glob("imdb-*.npz")
    entry.write_bytes(b"garbage")
    assert len(load(data_dir, tmp_path / "cache").train) == 4
    assert load_arrays(entry) is not None


def test_default_cache_dir_is_under_the_data_root(data_dir):
    load_imdb_encoded(data_dir, progress=False, check_sizes=False)
    assert list((data_dir / "cache").glob("imdb-*.npz"))


def test_default_cache_dir_falls_back_when_data_root_is_read_only(data_dir, tmp_path, monkeypatch):
    # A chmod-ed folder is still writable for root, so simulate the check's answer instead.
    monkeypatch.setattr(cache, "_is_writable_dir", lambda directory: directory.parent != data_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_imdb_encoded(data_dir, progress=False, check_sizes=False)
    assert not (data_dir / "cache").exists()
    assert list((tmp_path / "xdg" / "lstmlab" / "cache").glob("imdb-*.npz"))


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError, match="lstmlab data fetch imdb"):
        load_imdb_encoded(tmp_path, progress=False)


def test_save_arrays_is_atomic_and_leaves_no_temp_files(tmp_path):
    save_arrays(tmp_path / "x.npz", {"a": np.arange(3)})
    assert load_arrays(tmp_path / "x.npz")["a"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]
    assert load_arrays(tmp_path / "missing.npz") is None
