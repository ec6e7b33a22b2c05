"""The allocator setting of a training process: freed tensors' memory is reused, not refaulted."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

#: Seven training steps of the text encoder at length 128 (attention tensors of 16 MiB); prints
#: the page faults of each step (of this process only: other processes do not add to them).
_PROBE = """
import resource, sys, torch
from torch.nn import functional as F
from archbench.kinds.common.torchfit import reuse_freed_memory
from archbench.kinds.text.models._nets import TextEncoder
if sys.argv[1] == "1":
    assert reuse_freed_memory() and reuse_freed_memory()
torch.set_num_threads(1)
torch.manual_seed(0)
net = TextEncoder(vocab_size=500, max_length=128, d_model=64, n_layers=1, n_heads=4,
                  d_ffn=128, dropout=0.1, pooling="mean", d_out=2).train()
opt = torch.optim.AdamW(net.parameters())
ids, y = torch.randint(1, 500, (64, 128)), torch.randint(0, 2, (64,))
def step():
    opt.zero_grad()
    F.cross_entropy(net(ids, None), y).backward()
    opt.step()
for _ in range(3):
    step()
faults = []
for _ in range(7):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(*faults)
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the setting is glibc's (mallopt); elsewhere reuse_freed_memory does nothing",
)
def test_reuse_freed_memory_stops_refaulting_activation_pages() -> None:
    def faults(on: bool) -> list[int]:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, "1" if on else "0"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return sorted(int(n) for n in out.stdout.split())

    # glibc's default maps fresh pages for the activations on most steps (4,000-25,000 a step
    # here), but not on every one: its mmap threshold moves as chunks are freed, so a step can
    # find its 16 MiB tensors in the heap and fault none. Hence the total over the steps, and
    # the median with the setting, where the heap keeps the pages (a step that grows the heap
    # to a new peak faults its new pages once).
    off, on = faults(False), faults(True)
    assert sum(off) > 14_000, off
    assert on[len(on) // 2] < 500, on
