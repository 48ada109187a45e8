"""The token stream for truncated BPTT: strips, windows, continuation, sharding."""

from __future__ import annotations

import pytest
import torch

from lstmlab.data.batching import collate
from lstmlab.data.stream import StreamBatchSampler, TokenStream

BOUNDARY = 2


def documents() -> list[torch.Tensor]:
    return [torch.arange(10, 10 + n) for n in (7, 3, 12, 5, 9)]


def batches(stream: TokenStream, replicas: int = 1, rank: int = 0) -> list[dict]:
    sampler = StreamBatchSampler(stream, replicas, rank)
    return [collate([stream[i] for i in indices]) for indices in sampler]


def test_rows_read_the_stream_in_order_and_targets_are_the_next_tokens() -> None:
    stream = TokenStream(documents(), BOUNDARY, rows=3, bptt=4)
    joined = torch.cat([torch.cat([torch.tensor([BOUNDARY]), d]) for d in documents()])
    length = (len(joined) - 1) // 3
    rows: list[list[int]] = [[], [], []]
    targets: list[list[int]] = [[], [], []]
    for batch in batches(stream):
        for b in range(3):
            rows[b] += batch["ids"][b].tolist()
            targets[b] += batch["targets"][b].tolist()
    for b in range(3):  # row b of batch k+1 continues row b of batch k
        assert rows[b] == joined[b * length : (b + 1) * length].tolist()
        assert targets[b] == joined[b * length + 1 : (b + 1) * length + 1].tolist()


def test_only_the_first_window_of_each_strip_resets_the_state() -> None:
    resets = [batch["reset"].tolist() for batch in batches(TokenStream(documents(), 2, 3, 4))]
    assert resets[0] == [1, 1, 1]
    assert all(r == [0, 0, 0] for r in resets[1:])


def test_processes_share_the_rows_of_every_batch() -> None:
    stream = TokenStream(documents(), BOUNDARY, rows=4, bptt=5)
    whole = batches(stream)
    halves = [batches(stream, 2, rank) for rank in (0, 1)]
    for k, batch in enumerate(whole):
        assert torch.equal(halves[0][k]["ids"], batch["ids"][0::2])
        assert torch.equal(halves[1][k]["ids"], batch["ids"][1::2])


def test_shuffled_epochs_reorder_documents_reproducibly() -> None:
    one = TokenStream(documents(), BOUNDARY, rows=2, bptt=4, shuffle=True, seed=3)
    two = TokenStream(documents(), BOUNDARY, rows=2, bptt=4, shuffle=True, seed=3)
    one.set_epoch(1)
    two.set_epoch(1)
    assert torch.equal(one.strips, two.strips)
    first = one.strips.clone()
    one.set_epoch(2)
    assert not torch.equal(one.strips, first)
    # 41 tokens (documents + boundaries) fill 2 strips of 20 inputs, the second starting
    # where the first's last target is: joined back, the same tokens in another order.
    every_token = sorted(
        torch.cat([torch.tensor([BOUNDARY]), *documents()]).tolist()
        + [BOUNDARY] * (len(documents()) - 1)
    )
    for strips in (first, one.strips):
        assert sorted(torch.cat([strips[0], strips[1, 1:]]).tolist()) == every_token


def test_too_little_text_for_the_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot fill"):
        TokenStream([torch.tensor([5])], BOUNDARY, rows=4, bptt=3)
