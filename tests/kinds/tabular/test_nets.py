"""archbench's FT-Transformer network against the authors' implementation, and its dropout."""

from __future__ import annotations

import pytest
import rtdl_revisiting_models as rtdl
import torch

from archbench.kinds.tabular.models._nets import FTNet, dropout


def _pair(n_num: int, cards: list[int], n_blocks: int, d: int) -> tuple[torch.nn.Module, FTNet]:
    """rtdl's FTTransformer and an FTNet carrying the same weights."""
    torch.manual_seed(0)
    kw = {"attention_dropout": 0.2, "ffn_dropout": 0.1, "residual_dropout": 0.05}
    ref = rtdl.FTTransformer(
        n_cont_features=n_num,
        cat_cardinalities=cards,
        d_out=3,
        n_blocks=n_blocks,
        d_block=d,
        attention_n_heads=8,
        ffn_d_hidden=None,
        ffn_d_hidden_multiplier=4 / 3,
        **kw,
    )
    net = FTNet(
        n_num=n_num,
        cat_cardinalities=cards,
        d_out=3,
        n_blocks=n_blocks,
        d_block=d,
        n_heads=8,
        ffn_d_hidden=int(d * 4 / 3),
        **kw,
    )
    sd = {"cls": ref.cls_embedding.weight}
    if n_num:
        sd["num_weight"] = ref.cont_embeddings.weight
        sd["num_bias"] = ref.cont_embeddings.bias
    if cards:
        sd["cat_table"] = torch.cat([e.weight for e in ref.cat_embeddings.embeddings])
        sd["cat_bias"] = ref.cat_embeddings.bias
    for i, block in enumerate(ref.backbone.blocks):
        att = block["attention"]
        sd[f"blocks.{i}.W_qkv.weight"] = torch.cat([att.W_q.weight, att.W_k.weight, att.W_v.weight])
        sd[f"blocks.{i}.W_qkv.bias"] = torch.cat([att.W_q.bias, att.W_k.bias, att.W_v.bias])
        sd[f"blocks.{i}.W_out.weight"] = att.W_out.weight
        sd[f"blocks.{i}.W_out.bias"] = att.W_out.bias
        for k in ("weight", "bias"):
            if "attention_normalization" in block:
                sd[f"blocks.{i}.attention_normalization.{k}"] = getattr(
                    block["attention_normalization"], k
                )
            sd[f"blocks.{i}.ffn_normalization.{k}"] = getattr(block["ffn_normalization"], k)
            sd[f"blocks.{i}.linear1.{k}"] = getattr(block["ffn"].linear1, k)
            sd[f"blocks.{i}.linear2.{k}"] = getattr(block["ffn"].linear2, k)
    for k in ("weight", "bias"):
        sd[f"output_normalization.{k}"] = getattr(ref.backbone.output.normalization, k)
        sd[f"head.{k}"] = getattr(ref.backbone.output.linear, k)
    net.load_state_dict({k: v.detach().clone() for k, v in sd.items()}, strict=True)
    return ref, net


@pytest.mark.parametrize(
    ("n_num", "cards", "n_blocks", "d"),
    [(5, [3, 7, 2], 3, 64), (4, [], 1, 32), (0, [6, 2], 2, 48)],
    ids=["both-3blocks", "numeric-1block", "categorical-2blocks"],
)
def test_same_function_parameters_and_decay_groups_as_rtdl(
    n_num: int, cards: list[int], n_blocks: int, d: int
) -> None:
    ref, net = _pair(n_num, cards, n_blocks, d)
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in ref.parameters())
    _, zero_wd = ref.make_parameter_groups()
    assert sum(p.numel() for p in net.no_weight_decay()) == sum(
        p.numel() for p in zero_wd["params"]
    )
    g = torch.Generator().manual_seed(1)
    x_num = torch.randn(64, n_num, generator=g) if n_num else None
    x_cat = (
        torch.stack([torch.randint(0, c, (64,), generator=g) for c in cards], 1) if cards else None
    )
    ref.eval()
    net.eval()
    with torch.no_grad():
        want, got = ref(x_num, x_cat), net(x_num, x_cat)
    assert got.shape == want.shape == (64, 3)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    # Gradients agree too (no dropout in eval mode): the same function, not only the same output.
    ref.zero_grad()
    net.zero_grad()
    ref(x_num, x_cat).square().sum().backward()
    net(x_num, x_cat).square().sum().backward()
    torch.testing.assert_close(
        net.head.weight.grad, ref.backbone.output.linear.weight.grad, rtol=1e-4, atol=1e-5
    )
    q_grad = ref.backbone.blocks[0]["attention"].W_q.weight.grad
    torch.testing.assert_close(net.blocks[0].W_qkv.weight.grad[:d], q_grad, rtol=1e-4, atol=1e-5)


def test_default_initialisation_matches_rtdl_scales() -> None:
    torch.manual_seed(0)
    net = FTNet(
        n_num=3,
        cat_cardinalities=[4],
        d_out=1,
        n_blocks=2,
        d_block=64,
        n_heads=8,
        attention_dropout=0.0,
        ffn_d_hidden=85,
        ffn_dropout=0.0,
        residual_dropout=0.0,
    )
    bound = 64**-0.5
    for p in (net.cls, net.num_weight, net.num_bias, net.cat_table, net.cat_bias):
        assert p is not None and float(p.detach().abs().max()) <= bound
    for block in net.blocks:
        assert float(block.W_qkv.bias.detach().abs().max()) == 0.0  # rtdl zeroes the Q/K/V biases
        assert block.W_out is not None and float(block.W_out.bias.detach().abs().max()) == 0.0
        # nn.Linear(d, d) bound 1/sqrt(d) for each of Q, K, V, as in rtdl
        assert float(block.W_qkv.weight.detach().abs().max()) <= bound


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5])
def test_dropout_rate_scale_and_gradient(p: float) -> None:
    torch.manual_seed(3)
    x = torch.ones(400_000, requires_grad=True)
    y = dropout(x, p, training=True)
    dropped = float((y == 0).float().mean())
    # binomial standard error at 400k draws is <= 0.0008; allow 5 of them
    assert abs(dropped - p) < 0.004
    kept = y.detach()[y.detach() != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, float(kept[0])))
    # inverted dropout: the expectation is unchanged (scale = 1 / exact keep rate)
    drop_levels = round(p * 65536)
    assert float(kept[0]) == pytest.approx(65536 / (65536 - drop_levels), rel=1e-6)
    assert float(y.detach().mean()) == pytest.approx(1.0, abs=0.01)
    y.sum().backward()
    assert x.grad is not None
    torch.testing.assert_close(x.grad, y.detach())  # d(x * mask)/dx = mask


def test_dropout_is_seeded_and_off_in_eval() -> None:
    x = torch.randn(1000, 20)
    torch.manual_seed(7)
    a = dropout(x, 0.2, training=True)
    torch.manual_seed(7)
    b = dropout(x, 0.2, training=True)
    torch.manual_seed(8)
    c = dropout(x, 0.2, training=True)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert dropout(x, 0.2, training=False) is x
    assert dropout(x, 0.0, training=True) is x
    # odd sizes use half of a 32-bit draw for the last element
    odd = dropout(torch.ones(3, 5, 7), 0.5, training=True)
    assert odd.shape == (3, 5, 7)
    assert 0 < int((odd == 0).sum()) < 105
