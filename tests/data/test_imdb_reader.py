import pytest

from lstmlab.data import imdb
from lstmlab.data.imdb import Review, read_imdb, read_imdb_splits
from lstmlab.errors import DataError


def test_reads_splits_with_labels_ratings_and_ids(imdb_archive):
    train = read_imdb(imdb_archive, "train", check_sizes=False)
    # Ordered by class (neg, pos), then id, whatever the archive order.
    assert [(r.label, r.id, r.rating) for r in train] == [
        (0, 2, 1),
        (0, 3, 2),
        (1, 0, 10),
        (1, 1, 9),
    ]
    assert train[3] == Review("A great film.<br /><br />Loved it!", 1, 9, 1)
    unsup = read_imdb(imdb_archive, "unsup", check_sizes=False)
    assert [(r.label, r.rating) for r in unsup] == [(-1, 0)] * 3
    assert len(read_imdb(imdb_archive, "test", check_sizes=False)) == 4


def test_archive_and_extracted_folder_read_the_same(imdb_archive, tmp_path, make_imdb_folder):
    folder = make_imdb_folder(tmp_path / "extracted")
    from_archive = read_imdb_splits(imdb_archive, imdb.SPLITS, check_sizes=False)
    assert read_imdb_splits(folder, imdb.SPLITS, check_sizes=False) == from_archive
    assert (
        read_imdb_splits(folder.parent, ["test"], check_sizes=False)["test"] == from_archive["test"]
    )


def test_split_size_check_says_what_is_wrong(imdb_archive, monkeypatch):
    with pytest.raises(DataError, match=r"'train' has 2 neg reviews, expected 12,500"):
        read_imdb(imdb_archive, "train")
    monkeypatch.setitem(imdb.EXPECTED_SIZES, "test", {"neg": 2, "pos": 3})
    with pytest.raises(DataError, match=r"'test' has 2 pos reviews, expected 3"):
        read_imdb(imdb_archive, "test")
    monkeypatch.setitem(imdb.EXPECTED_SIZES, "test", {"neg": 2, "pos": 2})
    assert len(read_imdb(imdb_archive, "test")) == 4


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/evil.txt", "aclImdb/train/pos/../../../x"])
def test_member_escaping_the_archive_is_refused(tmp_path, name, make_imdb_archive):
    archive = make_imdb_archive(tmp_path / "a.tar.gz", extra={name: b"pwned"})
    with pytest.raises(DataError, match="outside"):
        read_imdb(archive, "train", check_sizes=False)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_corrupt_truncated_and_missing_archives(imdb_archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(imdb_archive.read_bytes()[:-200])
    with pytest.raises(DataError, match="corrupt or truncated"):
        read_imdb(truncated, "test", check_sizes=False)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar file at all" * 10)
    with pytest.raises(DataError, match="lstmlab data fetch imdb"):
        read_imdb(garbage, "test", check_sizes=False)
    with pytest.raises(DataError, match="no such file"):
        read_imdb(tmp_path / "missing.tar.gz", "train")
    with pytest.raises(ValueError, match="valid"):
        read_imdb(imdb_archive, "valid")


def test_unsup_is_read_from_train_unsup(imdb_archive, small_imdb):
    expected = sorted(i for _, klass, i, *_ in small_imdb if klass == "unsup")
    assert [r.id for r in read_imdb(imdb_archive, "unsup", check_sizes=False)] == expected
