import pytest

from lstmlab.data.splits import train_val_split


def test_split_partitions_all_indices_deterministically():
    train, val = train_val_split(1000, 0.1, seed=3)
    assert len(val) == 100 and len(train) == 900
    assert sorted(train + val) == list(range(1000))
    assert (train, val) == train_val_split(1000, 0.1, seed=3)
    assert val != train_val_split(1000, 0.1, seed=4)[1]
    assert val != list(range(900, 1000))  # actually shuffled, not a tail cut


def test_edge_cases():
    assert train_val_split(0, 0.2, seed=0) == ([], [])
    assert train_val_split(5, 0.0, seed=0) == ([0, 1, 2, 3, 4], [])
    with pytest.raises(ValueError):
        train_val_split(5, 1.0, seed=0)
