"""Reference rows of the tabular kind: the no-feature answer and a validated linear model."""

from __future__ import annotations

import numpy as np
import pytest

from archbench.kinds.common.imbalanced import F1_AT_VAL
from archbench.kinds.common.metrics import CLASSIFICATION, REGRESSION
from archbench.kinds.metric import MetricSet
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix
from archbench.kinds.tabular.references import ALPHA_GRID, C_GRID, references

SPLITS = ("train", "val", "test", "shift")


def _parts(task: str, seed: int = 0) -> tuple[dict[str, Matrix], FeatureInfo]:
    """A linear signal in 3 numeric features and one 4-level categorical."""
    rng = np.random.default_rng(seed)
    parts = {}
    for i, s in enumerate(SPLITS):
        n = 600 if s == "train" else 300
        x = rng.normal(size=(n, 3)).astype(np.float32)
        cat = rng.integers(1, 5, size=(n, 1))
        signal = x @ np.array([1.5, -1.0, 0.5]) + 0.8 * (cat[:, 0] == 2) + rng.normal(0, 0.5, n)
        y = (signal > 0.3).astype(np.int64) if task == "classification" else signal + 10
        parts[s] = Matrix(x, x.copy(), cat, y, np.arange(n) + 1000 * i)
    info = FeatureInfo(
        task_type=task,  # type: ignore[arg-type]
        num_names=("a", "b", "c"), cat_names=("g",), cat_cardinalities=(5,),
        n_classes=2 if task == "classification" else 0,
        class_names=("0", "1") if task == "classification" else (),
        y_mean=0.0, y_std=1.0,
    )  # fmt: skip
    return parts, info


def test_classification_prior_and_logistic_regression() -> None:
    parts, info = _parts("classification")
    refs = references(parts, info, CLASSIFICATION)
    trivial, linear = refs["trivial"], refs["linear"]
    assert trivial["label"] == "Majority class"
    share = np.bincount(parts["test"].y).max() / len(parts["test"])
    prior_major = np.bincount(parts["train"].y).argmax()
    assert trivial["metrics"]["test"]["roc_auc"] == pytest.approx(0.5)
    assert trivial["metrics"]["test"]["accuracy"] == pytest.approx(
        float(np.mean(parts["test"].y == prior_major))
    )
    assert share >= trivial["metrics"]["test"]["accuracy"] - 1e-12
    assert linear["label"] == "Logistic regression" and linear["params"]["C"] in C_GRID
    for s in ("val", "test", "shift"):
        assert linear["metrics"][s]["roc_auc"] > 0.9  # the signal is linear
        assert set(linear["metrics"][s]) == set(CLASSIFICATION.names)


def test_regression_mean_and_ridge() -> None:
    parts, info = _parts("regression")
    refs = references(parts, info, REGRESSION)
    assert refs["trivial"]["label"] == "Training mean"
    assert refs["trivial"]["metrics"]["val"]["r2"] <= 0.01
    assert refs["linear"]["label"] == "Ridge regression"
    assert refs["linear"]["params"]["alpha"] in ALPHA_GRID
    assert refs["linear"]["metrics"]["test"]["r2"] > 0.8
    assert refs["linear"]["metrics"]["test"]["rmse"] < refs["trivial"]["metrics"]["test"]["rmse"]


def test_nothing_but_train_and_val_choose_or_fit_the_references() -> None:
    """Relabelling the test and shift rows changes their scores, never the chosen strength or
    the validation scores."""
    parts, info = _parts("classification")
    a = references(parts, info, CLASSIFICATION)
    rng = np.random.default_rng(1)
    for s in ("test", "shift"):
        p = parts[s]
        parts[s] = Matrix(p.x_num, p.x_num_raw, p.x_cat, rng.permutation(p.y), p.row_id)
    b = references(parts, info, CLASSIFICATION)
    assert a["linear"]["params"] == b["linear"]["params"]
    assert a["linear"]["metrics"]["val"] == b["linear"]["metrics"]["val"]
    assert b["linear"]["metrics"]["test"]["roc_auc"] < 0.6  # labels unrelated to features now


def test_validation_calibrated_metric_takes_its_threshold_from_validation() -> None:
    parts, info = _parts("classification")
    metrics = MetricSet((CLASSIFICATION.primary, F1_AT_VAL))
    refs = references(parts, info, metrics)
    f1 = refs["linear"]["metrics"]
    assert 0.5 < f1["test"]["f1_at_val"] <= 1.0
    # the majority-class prior is one score for every row: one threshold, F1 of "all positive"
    # or of "none", the same rule on every split
    assert 0.0 <= refs["trivial"]["metrics"]["test"]["f1_at_val"] <= 1.0


def test_a_linear_model_that_cannot_be_fitted_is_left_out_with_a_warning(caplog) -> None:
    parts, info = _parts("classification")
    p = parts["train"]
    parts["train"] = Matrix(p.x_num, p.x_num_raw, p.x_cat, np.zeros_like(p.y), p.row_id)
    with caplog.at_level("WARNING", logger="archbench.kinds.tabular.references"):
        refs = references(parts, info, CLASSIFICATION)
    assert set(refs) == {"trivial"} and "logistic regression left out" in caplog.text


@pytest.mark.parametrize("task_type", ["classification", "regression"])
def test_reference_predictions_are_the_scored_ones(task_type: str) -> None:
    """The predictions handed back for reference_predictions.parquet score exactly the values
    task.json stores, so analysis tests the reference rows the report names."""
    parts, info = _parts(task_type)
    metrics = CLASSIFICATION if task_type == "classification" else REGRESSION
    preds: dict[str, dict[str, np.ndarray]] = {}
    refs = references(parts, info, metrics, predictions=preds)
    assert set(preds) == set(refs)
    for name, by_split in preds.items():
        assert set(by_split) == {"val", "test", "shift"}
        for s, p in by_split.items():
            assert len(p) == len(parts[s])
            for m in metrics.specs:
                if m.calibrate is None:
                    value = float(m.value(parts[s].y, p, None))
                    assert value == pytest.approx(refs[name]["metrics"][s][m.name], abs=1e-12)
