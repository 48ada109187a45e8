"""Tests for lstmlab.training.device: device choice and the CPU settings training makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lstmlab.errors import ConfigError
from lstmlab.training.device import HUGE_PAGES_SETTING, resolve_device

# Allocates a 64 MiB tensor three times and reports the fewest minor page faults of one
# allocation, in blocks: glibc maps a block that big afresh each time, so with 4 KiB pages
# it faults once a page (one block), with 2 MiB huge pages 512 times less.
_FAULT_PROBE = """
import json, resource, sys, torch
from lstmlab.training.device import use_huge_pages
if sys.argv[1] == "huge":
    use_huge_pages()
faults = []
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    torch.zeros(16 * 2**20)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({"blocks_faulted": min(faults) / (64 * 2**20 // 4096)}))
"""


def _blocks_faulted(mode: str, env: dict[str, str | None]) -> float:
    env = {key: value for key, value in {**os.environ, **env}.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "-c", _FAULT_PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(result.stdout)["blocks_faulted"]


def _huge_pages_on_request() -> bool:
    try:
        setting = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    return "[madvise]" in setting  # "always" needs no request, "never" ignores it


needs_huge_pages = pytest.mark.skipif(
    not _huge_pages_on_request(),
    reason="the kernel's transparent huge pages are not in on-request (madvise) mode",
)


@needs_huge_pages
def test_use_huge_pages_cuts_page_faults_of_large_tensors() -> None:
    unset = {HUGE_PAGES_SETTING: None}
    assert _blocks_faulted("plain", unset) > 0.9  # one fault per 4 KiB page
    assert _blocks_faulted("huge", unset) < 0.25


@needs_huge_pages
def test_use_huge_pages_leaves_a_users_choice_alone() -> None:
    assert _blocks_faulted("huge", {HUGE_PAGES_SETTING: "0"}) > 0.9


def test_resolve_device_auto_and_errors() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="unknown device"):
        resolve_device("tpu7")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA device"):
            resolve_device("cuda")
