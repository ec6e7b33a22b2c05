"""The shared PyTorch training loop (``kinds.common.torchloop``) behaves the same for a tiny
neural family of each kind: matmul precision, the divergence error, early stopping with the
best weights restored, the tie-break."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError
from archbench.kinds.common.torchloop import Selection, TorchLoop, improves
from archbench.kinds.forecasting.data import ForecastSettings, load_frame
from archbench.kinds.forecasting.models.mlp import NHiTSModel
from archbench.kinds.forecasting.splits import ForecastInfo, ForecastShift, ForecastSplit
from archbench.kinds.forecasting.splits import make_splits as forecast_splits
from archbench.kinds.tabular.models.mlp import MLPModel
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix
from archbench.kinds.text.data import TextInfo, TextPart
from archbench.kinds.text.models.mlp import TextMLPModel

Case = tuple[TorchLoop[Any, Any], Any, Any, Any]


def _tabular(seed: int) -> Case:
    rng = np.random.default_rng(seed)

    def part(n: int) -> Matrix:
        x = rng.normal(size=(n, 3)).astype(np.float32)
        y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
        return Matrix(x, x, np.zeros((n, 0), np.int64), y, np.arange(n, dtype=np.int64))

    info = FeatureInfo("classification", ("a", "b", "c"), (), (), 2, ("0", "1"), 0.0, 1.0)
    model = MLPModel(n_blocks=1, d_block=16, batch_size=64, device="cpu")
    return model, part(300), part(100), info


def _forecasting(seed: int) -> Case:
    rng = np.random.default_rng(seed)
    t = np.arange(400)
    frame = pd.DataFrame(
        {
            "ts": pd.date_range("2022-01-01", periods=t.size, freq="D"),
            "y": 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size),
        }
    )
    settings = ForecastSettings(time="ts", target="y", horizon=4, context=24, season=12)
    data = load_frame(frame, settings)
    w = forecast_splits(
        data, ForecastSplit(train_stride=2), ForecastShift(kind="range", min="2022-12-01")
    ).windows
    model = NHiTSModel(width=16, n_layers=1, batch_size=32, device="cpu")
    return model, w["train"], w["val"], ForecastInfo.from_data(data)


def _text(seed: int) -> Case:
    rng = np.random.default_rng(seed)
    good, bad = ("great", "soft", "lovely"), ("awful", "itchy", "cheap")

    def part(n: int) -> TextPart:
        y = rng.integers(0, 2, size=n)
        texts = np.array(
            [" ".join(rng.choice(good if k else bad, size=3)) + " dress" for k in y], dtype=object
        )
        return TextPart(texts, y.astype(np.int64))

    model = TextMLPModel(d_block=16, min_df=1, max_features=20_000, batch_size=32, device="cpu")
    return model, part(200), part(80), TextInfo(("no", "yes"))


KINDS: dict[str, Callable[[int], Case]] = {
    "tabular": _tabular,
    "forecasting": _forecasting,
    "text": _text,
}


def _fit(kind: str, **params: Any) -> TorchLoop[Any, Any]:
    model, train, val, info = KINDS[kind](0)
    model.params.update(params)
    return model.fit(train, val, info, seed=0)


@pytest.fixture
def epochs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The float32 matmul precision in force at each training epoch of any kind, in order."""
    import torch

    seen: list[str] = []
    real = TorchLoop._train_epoch

    def spy(*a: Any, **k: Any) -> float:
        seen.append(torch.get_float32_matmul_precision())
        return real(*a, **k)

    monkeypatch.setattr(TorchLoop, "_train_epoch", spy)
    return seen


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_takes_matmul_precision_and_keeps_cpu_exact(
    kind: str, epochs: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    import torch

    family = KINDS[kind](0)[0].family
    with pytest.raises(ConfigError, match=rf"^{family}: matmul_precision = 'low'; use one of"):
        _fit(kind, matmul_precision="low")
    assert "matmul_precision" in type(KINDS[kind](0)[0]).fixed_keys  # the spec reaches it
    exact = _fit(kind, max_epochs=2)
    with caplog.at_level("WARNING"):
        asked = _fit(kind, max_epochs=2, matmul_precision="medium")
    assert epochs == ["highest"] * 4
    assert f"{family}: matmul_precision = 'medium' applies on CUDA only" in caplog.text
    _, _, val, _ = KINDS[kind](0)
    np.testing.assert_array_equal(exact.predict(val), asked.predict(val))
    assert torch.get_float32_matmul_precision() == "highest"


@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU (TF32 products)"
)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_applies_matmul_precision_on_cuda(kind: str, epochs: list[str]) -> None:
    import torch

    _fit(kind, max_epochs=2, device="cuda", matmul_precision="medium")
    assert epochs == ["medium"] * 2
    assert torch.get_float32_matmul_precision() == "highest"


def _poison_from(model: TorchLoop[Any, Any], epoch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the training loss NaN from ``epoch`` (1-based) on."""
    count = [0]
    real_epoch, real_loss = TorchLoop._train_epoch, type(model)._loss

    def counted(self: Any, *a: Any, **k: Any) -> float:
        count[0] += 1
        return real_epoch(self, *a, **k)

    def loss(self: Any, out: Any, y: Any) -> Any:
        return real_loss(self, out, y) * (math.nan if count[0] >= epoch else 1.0)

    monkeypatch.setattr(TorchLoop, "_train_epoch", counted)
    monkeypatch.setattr(type(model), "_loss", loss)


@pytest.mark.parametrize("kind", list(KINDS))
def test_divergence_is_the_same_error_in_every_kind(
    kind: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    model, train, val, info = KINDS[kind](0)
    model.params.update(lr=0.002)
    msg = rf"^{model.family}: training diverged in epoch 1 \(non-finite loss\); lr = 0.002 is"
    with monkeypatch.context() as m, pytest.raises(FloatingPointError, match=msg):
        _poison_from(model, 1, m)
        model.fit(train, val, info, seed=0)

    model, train, val, info = KINDS[kind](0)
    model.params.update(max_epochs=5)
    with monkeypatch.context() as m, caplog.at_level("WARNING"):
        _poison_from(model, 3, m)
        model.fit(train, val, info, seed=0)
    # two good epochs, the third diverged: training stops and keeps a finite best state
    assert model.n_iter_ == 2 and model.best_iter_ in (1, 2)
    assert f"{model.family}: non-finite loss in epoch 3; stopping" in caplog.text
    assert np.isfinite(model.predict(val)).all()


#: Scripted validation scores: (score, tie-break loss) per epoch; higher score wins.
SCRIPT = [(0.5, 1.0), (0.7, 0.9), (0.7, 0.8), (0.7, 0.85), (0.6, 0.1), (0.9, 2.0), (0.8, 0.1)]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("tiebreak", [False, True])
def test_early_stopping_and_restore_are_the_same_in_every_kind(
    kind: str, tiebreak: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, train, val, info = KINDS[kind](0)
    model.params.update(max_epochs=len(SCRIPT), patience=2)
    preds: list[np.ndarray] = []

    def score(pred: np.ndarray) -> float:
        preds.append(pred.copy())
        return SCRIPT[len(preds) - 1][0]

    def loss(pred: np.ndarray) -> float:
        return SCRIPT[len(preds) - 1][1]

    sel = Selection("scripted", True, score, loss if tiebreak else None)
    monkeypatch.setattr(type(model), "_selection", lambda self, v: sel)
    model.fit(train, val, info, seed=0)
    # without a tie-break epoch 2 stays best and epochs 3-4 exhaust the patience; with the
    # log-loss tie-break epoch 3 (same score, lower loss) is best and epoch 5 ends it
    best, n = (3, 5) if tiebreak else (2, 4)
    assert (model.best_iter_, model.n_iter_) == (best, n)
    assert model.history_ == [s for s, _ in SCRIPT[:n]] and model.best_score_ == 0.7
    assert model.history_metric_ == "scripted"
    # the restored weights are those of the best epoch
    np.testing.assert_array_equal(model.predict(val), preds[best - 1])
    assert not np.array_equal(preds[best - 1], preds[n - 1])


def test_improves_never_picks_a_non_finite_score() -> None:
    up = Selection("s", True, float)
    assert improves(up, 0.6, math.nan, 0.5, math.inf)
    assert not improves(up, math.nan, 0.1, 0.5, 1.0)
    assert improves(up, 0.1, math.nan, math.nan, math.inf)  # anything finite beats NaN
    assert not improves(up, 0.5, math.nan, 0.5, 1.0)  # no tie-break loss: a tie is no gain
    down = Selection("s", False, float)
    assert improves(down, 0.4, math.nan, 0.5, math.inf)
    assert not improves(down, 0.6, 0.0, 0.5, 1.0)
