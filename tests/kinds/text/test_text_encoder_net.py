"""The encoder's network: same block as torch's pre-norm layer, cheap dropout, no-padding path."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from archbench.kinds.text.models._nets import EncoderBlock, TextEncoder, fast_dropout, keep_mask
from archbench.kinds.text.models._torch import batches
from archbench.kinds.text.models.encoder import TokenRows

#: EncoderBlock parameter -> nn.TransformerEncoderLayer parameter.
NAMES = {
    "norm1.weight": "norm1.weight",
    "norm1.bias": "norm1.bias",
    "qkv.weight": "self_attn.in_proj_weight",
    "qkv.bias": "self_attn.in_proj_bias",
    "proj.weight": "self_attn.out_proj.weight",
    "proj.bias": "self_attn.out_proj.bias",
    "norm2.weight": "norm2.weight",
    "norm2.bias": "norm2.bias",
    "ff1.weight": "linear1.weight",
    "ff1.bias": "linear1.bias",
    "ff2.weight": "linear2.weight",
    "ff2.bias": "linear2.bias",
}


def _pair() -> tuple[nn.TransformerEncoderLayer, EncoderBlock]:
    torch.manual_seed(0)
    ref = nn.TransformerEncoderLayer(
        32, 4, 64, 0.0, activation="gelu", batch_first=True, norm_first=True
    )
    block = EncoderBlock(32, 4, 64, 0.0)
    state = ref.state_dict()
    block.load_state_dict({k: state[v] for k, v in NAMES.items()})
    return ref, block


@pytest.mark.parametrize("training", [False, True])
def test_block_matches_torch_pre_norm_layer(training: bool) -> None:
    ref, block = _pair()
    ref.train(training)
    block.train(training)
    x = torch.randn(6, 11, 32)
    mask = torch.ones(6, 11, dtype=torch.bool)
    mask[:2, 7:] = False
    want = ref(x, src_key_padding_mask=~mask)
    got = block(x, mask[:, None, None, :])
    assert torch.allclose(want[mask], got[mask], atol=1e-5)
    assert torch.allclose(ref(x), block(x, None), atol=1e-5)


def test_block_dropout_path_matches_fused_attention() -> None:
    """With dropout on, attention runs by hand; at a vanishing rate it equals SDPA's."""
    _, block = _pair()
    block.p = 1e-9  # rounds to a drop threshold of 0: nothing dropped, the manual path runs
    x = torch.randn(4, 9, 32)
    mask = torch.ones(4, 9, dtype=torch.bool)
    mask[1, 5:] = False
    manual = block.train()(x, mask[:, None, None, :])
    fused = block.eval()(x, mask[:, None, None, :])
    assert torch.allclose(manual[mask], fused[mask], atol=1e-5)
    manual.sum().backward()
    assert all(q.grad is not None and torch.isfinite(q.grad).all() for q in block.parameters())


@pytest.mark.parametrize("padded", [False, True])
def test_block_dropout_path_is_dropout_with_the_scales_folded(padded: bool) -> None:
    """The training path folds 1/sqrt(d_head) and the attention dropout's 1/keep-rate into
    the projection rows and the other scales into products and sums; written out plainly with
    the same masks (same seed, same draw order) it is the textbook block."""
    _, block = _pair()
    block.p = 0.3
    block.train()
    x = torch.randn(4, 9, 32)
    mask = torch.ones(4, 9, dtype=torch.bool)
    if padded:
        mask[1, 5:] = False
    keep = mask[:, None, None, :]
    torch.manual_seed(3)
    got = block(x, keep)
    torch.manual_seed(3)
    b, length, d, h = 4, 9, 32, 4
    m_attn, s = keep_mask((b * h, length, length), 0.3, x.device)
    qkv = block.qkv(block.norm1(x)).view(b, length, 3, h, d // h).permute(2, 0, 3, 1, 4)
    q, k, v = qkv
    scores = (q @ k.transpose(-1, -2)) / (d // h) ** 0.5
    scores = scores.masked_fill(~keep, float("-inf"))
    probs = scores.softmax(-1) * m_attn.view(b, h, length, length) * s
    a = block.proj((probs @ v).transpose(1, 2).reshape(b, length, d))
    m_a, _ = keep_mask((b, length, d), 0.3, x.device)
    x1 = x + a * m_a * s
    m_f, _ = keep_mask((b, length, 64), 0.3, x.device)
    f = block.ff2(F.gelu(block.ff1(block.norm2(x1))) * m_f * s)
    m_o, _ = keep_mask((b, length, d), 0.3, x.device)
    want = x1 + f * m_o * s
    assert torch.allclose(got[mask], want[mask], atol=1e-5)
    assert 0.2 < 1 - m_attn.mean().item() < 0.4  # dropout was on


def test_keep_mask_rate_values_and_seed() -> None:
    torch.manual_seed(7)
    m, scale = keep_mask((501, 397), 0.1, torch.device("cpu"))
    torch.manual_seed(7)
    again, _ = keep_mask((501, 397), 0.1, torch.device("cpu"))
    assert m.dtype == torch.float32 and m.shape == (501, 397) and torch.equal(m, again)
    assert set(m.unique().tolist()) == {0.0, 1.0}
    rate = round(0.1 * 32768) / 32768
    assert scale == pytest.approx(1 / (1 - rate))
    # 198,897 draws: the drop rate is within 4 standard errors of 0.100006
    assert abs((1 - m.mean().item()) - rate) < 4 * (rate * (1 - rate) / m.numel()) ** 0.5
    flat = m.flatten()[: 4 * (m.numel() // 4)].view(-1, 4)
    assert torch.all((1 - flat.mean(0) - rate).abs() < 0.01)  # every 16-bit field alike


def test_block_initialised_like_torch_layer() -> None:
    torch.manual_seed(0)
    block = EncoderBlock(64, 4, 128, 0.1)
    assert torch.count_nonzero(block.qkv.bias) == 0 and torch.count_nonzero(block.proj.bias) == 0
    bound = (6 / (64 + 3 * 64)) ** 0.5  # Xavier-uniform over the whole (3d, d) projection
    assert block.qkv.weight.abs().max() <= bound
    assert block.qkv.weight.abs().max() > 0.9 * bound


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_fast_dropout_rate_scale_and_seed(p: float) -> None:
    x = torch.ones(400_003)
    torch.manual_seed(5)
    a = fast_dropout(x, p, True)
    torch.manual_seed(5)
    b = fast_dropout(x, p, True)
    assert torch.equal(a, b)
    kept = a > 0
    assert abs(kept.float().mean().item() - (1 - p)) < 0.005
    assert abs(a.mean().item() - 1.0) < 0.01  # inverted dropout keeps the expectation
    fields = kept[: 4 * (x.numel() // 4)].view(4, -1).float().mean(1)
    assert torch.all((fields - (1 - p)).abs() < 0.01)  # each 16-bit field has the same rate
    assert fast_dropout(x, p, False) is x and fast_dropout(x, 0.0, True) is x


def test_fast_dropout_gradient_is_the_mask() -> None:
    x = torch.randn(3, 50, requires_grad=True)
    torch.manual_seed(1)
    y = fast_dropout(x, 0.2, True)
    y.sum().backward()
    assert x.grad is not None
    assert torch.allclose(x.grad, (y / x).detach(), atol=1e-5)


def test_token_rows_mask_only_with_padding() -> None:
    ids = np.arange(1, 13, dtype=np.int64).reshape(3, 4)
    rows = TokenRows(ids, np.array([4, 4, 2]), 0)
    cpu = torch.device("cpu")
    same, mask = rows.batch(np.array([0, 1]), cpu)
    assert mask is None and same.shape == (2, 4)
    mixed, mask = rows.batch(np.array([0, 2]), cpu)
    assert mixed.tolist() == [[1, 2, 3, 4], [9, 10, 11, 12]]
    assert mask is not None and mask.tolist() == [[True] * 4, [True, True, False, False]]
    short, mask = rows.batch(np.array([2]), cpu)
    assert mask is None and short.tolist() == [[9, 10]]


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_encoder_no_mask_equals_all_true_mask(pooling: str) -> None:
    torch.manual_seed(0)
    net = TextEncoder(
        vocab_size=50, max_length=16, d_model=16, n_layers=2, n_heads=2, d_ffn=32,
        dropout=0.1, pooling=pooling, d_out=3,
    ).eval()  # fmt: skip
    ids = torch.randint(1, 50, (5, 12))
    full = torch.ones(5, 12, dtype=torch.bool)
    assert torch.allclose(net(ids, None), net(ids, full), atol=1e-6)


def test_length_buckets_cover_every_row_once() -> None:
    lengths = np.random.default_rng(0).integers(1, 100, size=1000)
    gen = torch.Generator().manual_seed(0)
    out = batches(1000, 16, gen, lengths)
    assert np.array_equal(np.sort(np.concatenate(out)), np.arange(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in out])
    assert spread < 10  # rows of a batch have similar lengths (random batches: ~90)
