import random
from collections import Counter

import pytest
import torch

from lstmlab.data.batching import PAD_VALUES, BucketBatchSampler, collate, truncate


def test_truncate_modes_lists_and_tensors():
    ids = list(range(10))
    assert truncate(ids, 4) == [0, 1, 2, 3]
    assert truncate(ids, 4, "tail") == [6, 7, 8, 9]
    assert truncate(ids, 5, "head+tail") == [0, 1, 7, 8, 9]
    assert truncate(ids, None) == ids and truncate(ids, 20) == ids
    out = truncate(torch.arange(10), 4, "head+tail")
    assert isinstance(out, torch.Tensor) and out.tolist() == [0, 1, 8, 9]
    assert truncate(tuple(ids), 3, "head+tail") == (0, 8, 9)
    with pytest.raises(ValueError):
        truncate(ids, 3, "middle")


def random_lengths(n, seed=0):
    rng = random.Random(seed)
    return [rng.randint(1, 400) for _ in range(n)]


@pytest.mark.parametrize("n", [1, 7, 100, 1003])
@pytest.mark.parametrize("num_replicas", [1, 2, 3])
def test_every_index_once_per_epoch_across_ranks(n, num_replicas):
    if n < num_replicas:
        return
    lengths = random_lengths(n)
    samplers = [
        BucketBatchSampler(lengths, 32, seed=1, num_replicas=num_replicas, rank=r, bucket_factor=4)
        for r in range(num_replicas)
    ]
    for epoch in (0, 1):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        per_rank = [list(s) for s in samplers]
        assert all(len(batches) == len(samplers[0]) for batches in per_rank)
        assert all(len(batch) > 0 for batches in per_rank for batch in batches)
        seen = Counter(i for batches in per_rank for batch in batches for i in batch)
        assert sorted(seen) == list(range(n)) and set(seen.values()) == {1}


def test_last_small_batch_is_merged():
    sampler = BucketBatchSampler([5] * 65, 32, shuffle=False, num_replicas=3, rank=0)
    batches = sampler.global_batches()
    assert [len(b) for b in batches] == [32, 33] and len(sampler) == 2


def test_set_epoch_changes_order_deterministically():
    lengths = random_lengths(500)
    sampler = BucketBatchSampler(lengths, 16, seed=0)
    epoch0 = list(sampler)
    assert list(sampler) == epoch0
    sampler.set_epoch(1)
    epoch1 = list(sampler)
    assert epoch1 != epoch0
    assert list(BucketBatchSampler(lengths, 16, seed=0)) == epoch0


def test_similar_lengths_are_batched_together():
    lengths = random_lengths(3200)
    sampler = BucketBatchSampler(lengths, 32, seed=0)
    bucketed = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in sampler)
    rng = random.Random(0)
    order = list(range(3200))
    rng.shuffle(order)
    plain = sum(
        max(lengths[i] for i in order[k : k + 32]) - min(lengths[i] for i in order[k : k + 32])
        for k in range(0, 3200, 32)
    )
    assert bucketed < plain / 5


def test_no_shuffle_is_sorted_by_length():
    lengths = [5, 3, 9, 3, 1]
    batches = list(BucketBatchSampler(lengths, 2, shuffle=False))
    assert batches == [[4, 1], [3, 0], [2]]


def test_invalid_arguments():
    with pytest.raises(ValueError):
        BucketBatchSampler([1, 2], 1, num_replicas=2)
    with pytest.raises(ValueError):
        BucketBatchSampler([1, 2, 3], 4, num_replicas=2, rank=2)
    with pytest.raises(ValueError):
        BucketBatchSampler([1], 4, num_replicas=2)
    assert list(BucketBatchSampler([], 4)) == [] and len(BucketBatchSampler([], 4)) == 0


def test_collate_pads_every_kind_of_field():
    examples = [
        {"ids": torch.tensor([4, 5, 6]), "label": 1, "tags": torch.tensor([1, 2, 3])},
        {"ids": torch.tensor([7]), "label": 0, "tags": torch.tensor([2])},
    ]
    examples[0]["chars"] = torch.tensor([[7], [8], [9]])
    examples[1]["chars"] = torch.tensor([[3, 4]])
    batch = collate(examples)
    assert batch["ids"].tolist() == [[4, 5, 6], [7, 0, 0]]
    assert batch["lengths"].tolist() == [3, 1] and batch["lengths"].dtype == torch.int64
    assert batch["mask"].tolist() == [[True, True, True], [True, False, False]]
    assert batch["label"].tolist() == [1, 0]
    assert batch["tags"].tolist() == [[1, 2, 3], [2, PAD_VALUES["tags"], PAD_VALUES["tags"]]]
    assert PAD_VALUES["tags"] == -100
    assert batch["chars"].shape == (2, 3, 2)
    assert batch["chars"][1].tolist() == [[3, 4], [0, 0], [0, 0]]
    assert batch["chars"][0, :, 1].tolist() == [0, 0, 0]


def test_collate_stacks_fixed_size_target_rows():
    examples = [
        {"ids": torch.tensor([4, 5, 6]), "targets": torch.tensor([1.0, 0.0])},
        {"ids": torch.tensor([7]), "targets": torch.tensor([0.0, 1.0])},
    ]
    assert collate(examples)["targets"].tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_collate_pads_only_where_mask_is_false():
    rng = random.Random(0)
    examples = [
        {"ids": torch.randint(1, 50, (rng.randint(1, 20),)), "label": torch.tensor(1)}
        for _ in range(16)
    ]
    for example in examples:
        example["casing"] = torch.full_like(example["ids"], 3)
    batch = collate(examples)
    assert (batch["ids"][batch["mask"]] > 0).all() and (batch["ids"][~batch["mask"]] == 0).all()
    casing = batch["casing"]
    assert (casing[batch["mask"]] == 3).all() and (casing[~batch["mask"]] == 0).all()
    assert batch["mask"].sum(1).tolist() == batch["lengths"].tolist()


def test_collate_rejects_bad_fields():
    with pytest.raises(ValueError):
        collate([])
    with pytest.raises(TypeError):
        collate([{"ids": torch.tensor([1]), "text": "hello"}])
    with pytest.raises(ValueError, match="tags"):
        collate([{"ids": torch.tensor([1, 2]), "tags": torch.tensor([1])}])
