"""The narrow-row softmax: torch's values and gradients, by hand where torch's kernel is slow."""

from __future__ import annotations

import pytest
import torch

from archbench.kinds.common.torchops import NARROW, softmax


@pytest.mark.parametrize("width", [1, 7, 15, 16, 40])
def test_softmax_equals_torch_values_and_gradients(width: int) -> None:
    torch.manual_seed(width)
    x = (3 * torch.randn(64, 5, width)).requires_grad_()
    g = torch.randn(64, 5, width)
    ours = softmax(x)
    (ours * g).sum().backward()
    assert x.grad is not None
    grad_ours, x.grad = x.grad.clone(), None
    want = torch.softmax(x, dim=-1)
    (want * g).sum().backward()
    assert torch.allclose(ours, want, atol=1e-6)
    assert torch.allclose(grad_ours, x.grad, atol=1e-6)
    uses_own = ours.grad_fn is not None and "NarrowSoftmax" in type(ours.grad_fn).__name__
    assert uses_own == (width < NARROW)


def test_softmax_gradcheck_and_masked_entries() -> None:
    x = torch.randn(3, 4, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(softmax, (x,))
    masked = torch.randn(2, 9).masked_fill(torch.arange(9) >= 6, float("-inf"))
    p = softmax(masked)
    assert torch.all(p[:, 6:] == 0) and torch.allclose(p.sum(-1), torch.ones(2))
