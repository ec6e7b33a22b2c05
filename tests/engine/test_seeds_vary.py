"""seeds.vary: "model" (default) fixes the training set; "model+data" redraws it per seed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError
from archbench.kinds import get_kind
from archbench.kinds.tabular.prepare import FeatureInfo, Matrix
from archbench.spec.load import spec_from_dict

TINY = {
    "preset": "quick",
    "task": {"name": "california"},
    "split": {"max_train_rows": 300, "max_val_rows": 150, "max_test_rows": 150,
              "max_shift_rows": 150},
    "budget": {"trials": 1, "startup_trials": 1},
    "seeds": {"count": 3},
    "families": {"names": ["mlp", "gbdt"], "mlp": {"max_epochs": 2},
                 "gbdt": {"max_rounds": 30}},
}  # fmt: skip


def _matrix(y: np.ndarray) -> Matrix:
    n = len(y)
    return Matrix(
        np.zeros((n, 1), np.float32), np.zeros((n, 1), np.float32),
        np.zeros((n, 0), np.int64), y, np.arange(n, dtype=np.int64),
    )  # fmt: skip


def _info(task_type: str) -> FeatureInfo:
    return FeatureInfo(task_type, ("x",), (), (), 2 if task_type == "classification" else 0,
                       ("a", "b") if task_type == "classification" else (), 0.0, 1.0)  # type: ignore[arg-type]  # fmt: skip


def test_default_is_model_and_keeps_older_spec_digests() -> None:
    spec = spec_from_dict({})
    assert spec.seeds.vary == "model"
    # the default vary stays out of the digest, so runs from before seeds.vary existed resume
    d = spec.to_dict()
    del d["seeds"]["vary"], d["output"], d["report"]
    del d["split"]["max_train_steps"], d["split"]["max_train_values"]
    before = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
    assert spec.digest() == before
    other = spec_from_dict({"seeds": {"vary": "model+data"}})
    assert other.digest() != spec.digest()


def test_unknown_vary_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"seeds\.vary = 'data' is not allowed"):
        spec_from_dict({"seeds": {"vary": "data"}})


def test_tabular_bootstrap_is_seeded_and_keeps_class_counts() -> None:
    kind = get_kind("tabular")
    y = np.array([0] * 90 + [1] * 10, dtype=np.int64)
    a = kind.bootstrap(_matrix(y), 3, _info("classification"))
    b = kind.bootstrap(_matrix(y), 3, _info("classification"))
    c = kind.bootstrap(_matrix(y), 4, _info("classification"))
    assert np.array_equal(a.row_id, b.row_id) and not np.array_equal(a.row_id, c.row_id)
    assert (a.y == 1).sum() == 10 and len(a) == 100  # the rare class keeps its count
    assert len(np.unique(a.row_id)) < 100  # drawn with replacement
    r = kind.bootstrap(_matrix(np.linspace(0, 1, 50).astype(np.float32)), 0, _info("regression"))
    assert len(r) == 50 and len(np.unique(r.row_id)) < 50


@pytest.mark.slow
def test_model_plus_data_redraws_the_training_set_per_seed(tmp_path: Path) -> None:
    from archbench.pipeline import RunOptions, run_benchmark

    def gbdt_test_rmse(vary: str) -> np.ndarray:
        spec = spec_from_dict({**TINY, "seeds": {"count": 3, "vary": vary}})
        out = tmp_path / vary
        run_benchmark(spec, RunOptions(out=out, executor="inline", report=False))
        res = pd.read_parquet(out / "results.parquet")
        sel = res.query("family == 'gbdt' and split == 'test' and metric == 'rmse'")
        return sel.sort_values("seed")["value"].to_numpy()

    fixed, redrawn = gbdt_test_rmse("model"), gbdt_test_rmse("model+data")
    # LightGBM without row subsampling is deterministic: with the training set fixed, its
    # seeds agree; redrawing the training set per seed makes them differ
    assert np.ptp(fixed) < 1e-12
    assert np.ptp(redrawn) > 1e-4
