"""The allocator setting of a training process: freed tensors' memory is reused, not refaulted."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

#: Five training steps of the text encoder at length 128 (attention tensors of 16 MiB); prints
#: the fewest page faults of a step over those steps (other processes can only add faults, so
#: the minimum is the measure that a loaded machine does not disturb).
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
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(min(faults))
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the setting is glibc's (mallopt); elsewhere reuse_freed_memory does nothing",
)
def test_reuse_freed_memory_stops_refaulting_activation_pages() -> None:
    def faults(on: bool) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, "1" if on else "0"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return int(out.stdout.strip())

    # glibc's default maps fresh pages for the activations on every step (7,000-20,000 a
    # step here); with the setting the heap keeps them (a step that grows the heap to a new
    # peak faults its new pages once, hence the fewest of a step)
    assert faults(False) > 2_000
    assert faults(True) < 500
