"""The near-leak screen (issue 23, point 5): planted near-leaks at several strengths are named,
honest strong features are not, for a rare positive class, a balanced class and regression."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from archbench.kinds.tabular.screen import MAX_TRAIN, MAX_VAL, feature_screen, screen_warnings


def _task(x: dict[str, np.ndarray], y: np.ndarray, kind: str, cat: tuple[str, ...] = ()) -> Any:
    """A TaskData-like object and its splits (60% train, 20% val, 20% test)."""
    frame = pd.DataFrame(x)
    for c in cat:
        frame[c] = frame[c].astype(int).astype(str)
    classes: tuple[str, ...] = ()
    if kind == "classification":
        frame["y"] = np.where(y > 0, "yes", "no")
        classes = ("no", "yes")
    else:
        frame["y"] = y
    n = len(frame)
    ids = np.arange(n)
    task = SimpleNamespace(
        frame=frame,
        target="y",
        task_type=kind,
        numeric=tuple(c for c in x if c not in cat),
        categorical=cat,
        classes=classes,
    )
    splits = SimpleNamespace(train=ids[: int(0.6 * n)], val=ids[int(0.6 * n) : int(0.8 * n)])
    return task, splits


def _rare(rng: np.random.Generator, n: int, leak: np.ndarray | None) -> tuple[Any, Any, np.ndarray]:
    """Rare positives (about 5%) that 6 honest features predict weakly, plus ``leak``."""
    z = rng.normal(size=(n, 6))
    logit = -3.4 + z @ np.array([0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    x = {f"x{j}": z[:, j] for j in range(6)}
    return x, y, z


def _screen(x: dict[str, np.ndarray], y: np.ndarray, kind: str, **kw: Any) -> tuple[dict, list]:
    task, splits = _task(x, y, kind, **kw)
    scr = feature_screen(task, splits, seed=5)
    return scr, screen_warnings(scr, "y")


@pytest.mark.parametrize(("shift", "warned"), [(1.0, False), (3.0, True), (3.6, True)])
def test_rare_class_near_leak_by_strength(shift: float, warned: bool) -> None:
    rng = np.random.default_rng(int(10 * shift))
    n = 20_000
    x, y, _ = _rare(rng, n, None)
    x["leak"] = y * shift + rng.normal(size=n)  # alone ROC-AUC Phi(shift / sqrt 2)
    scr, warns = _screen(x, y, "classification")
    assert scr["metric"] == "ap"
    top = scr["features"][0]
    assert top["feature"] == "leak"
    auc = sps.norm.cdf(shift / np.sqrt(2))
    assert auc < 0.999  # below the old leak check: only this screen can name it
    named = [w for w in warns if "'leak'" in w]
    assert bool(named) is warned, (top, scr["gbdt"], scr["linear"])
    assert not [w for w in warns if "'x" in w]  # the honest features are never named
    if warned:
        assert "average precision" in named[0] and "base rate" in named[0]


def test_non_monotone_and_categorical_near_leaks_are_named() -> None:
    rng = np.random.default_rng(2)
    n = 12_000
    x, y, _ = _rare(rng, n, None)
    # positives sit in the middle of a range, negatives on both sides: no linear signal
    x["band"] = np.where(
        y > 0, rng.normal(0, 0.3, n), rng.choice([-1, 1], n) * (1.5 + rng.random(n))
    )
    x["code"] = np.where(y > 0, rng.integers(0, 3, n), rng.integers(3, 40, n)).astype(float)
    x["code"][rng.random(n) < 0.01] = 1.0  # a few negatives in the positives' codes
    _, warns = _screen(x, y, "classification", cat=("code",))
    assert any("'band'" in w and "linear model on all features" in w for w in warns)
    assert any("'code'" in w for w in warns)


def test_honest_strong_feature_is_not_named_balanced_class() -> None:
    rng = np.random.default_rng(3)
    n = 10_000
    z = rng.normal(size=(n, 5))
    logit = z @ np.array([2.0, 1.2, 1.0, 0.8, 0.6])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    scr, warns = _screen({f"x{j}": z[:, j] for j in range(5)}, y, "classification")
    assert scr["metric"] == "roc_auc"
    assert scr["features"][0]["feature"] == "x0" and scr["features"][0]["value"] > 0.75
    assert warns == []


@pytest.mark.parametrize(("noise", "warned"), [(0.25, True), (0.45, True), (1.5, False)])
def test_regression_near_leak_and_honest_features(noise: float, warned: bool) -> None:
    rng = np.random.default_rng(4)
    n = 8000
    z = rng.normal(size=(n, 4))
    y = z @ np.array([1.0, 0.7, 0.5, 0.3]) + rng.normal(0, 0.5, n)
    x = {f"x{j}": z[:, j] for j in range(4)}
    x["leak"] = y + rng.normal(0, noise * y.std(), n)  # R^2 alone about 1 / (1 + noise^2)
    scr, warns = _screen(x, y, "regression")
    assert scr["metric"] == "r2"
    assert bool([w for w in warns if "'leak'" in w]) is warned
    assert not [w for w in warns if "'x" in w]


def test_perfect_leak_is_left_to_the_leak_check_and_rows_are_capped() -> None:
    rng = np.random.default_rng(6)
    n = 40_000
    x, y, _ = _rare(rng, n, None)
    x["copy"] = y.copy()
    t0 = time.process_time()
    scr, warns = _screen(x, y, "classification")
    assert time.process_time() - t0 < 30
    assert scr["rows"] == {"train": MAX_TRAIN, "val": MAX_VAL}
    assert MAX_TRAIN + MAX_VAL <= 20_000
    assert scr["features"][0]["feature"] == "copy" and scr["features"][0]["value"] == 1.0
    assert not [w for w in warns if "'copy'" in w]  # the 0.999 check names it already
