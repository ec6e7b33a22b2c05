"""A tiny second task kind, defined outside the package, that runs through the whole spine.

Curve fitting on one input: ``y = sin(3x) + noise``; the shift set is ``x > 0.6``. Its three
families are numpy models (a constant, polynomial ridge, k nearest neighbours), so the
contract test runs in seconds. Nothing in the spine knows this kind: it registers itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import optuna
import pandas as pd

from archbench.kinds.base import SPLIT_NAMES, Backend, FamilyDecl, Kind, Prepared
from archbench.kinds.common.metrics import REGRESSION
from archbench.kinds.family import Model
from archbench.kinds.metric import MetricSet, MetricSpec
from archbench.report.document import Block, Figure, Paragraph, Spans, spans


@dataclass(frozen=True)
class Points:
    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray


class _Base(Model[Points, None]):
    n_iter_ = best_iter_ = 1
    history_: list[float] = []  # noqa: RUF012 - set per fit
    _f: Callable[[np.ndarray], np.ndarray]  # the fitted function, set by fit

    def predict(self, data: Points) -> np.ndarray:
        return self._f(data.x)


class ConstantModel(_Base):
    family: ClassVar[str] = "constant"

    @staticmethod
    def default_params() -> dict[str, Any]:
        return {"trim": 0.0}

    @staticmethod
    def search_space(trial: optuna.Trial) -> dict[str, Any]:
        return {"trim": trial.suggest_float("trim", 0.0, 0.4)}

    def fit(self, train: Points, val: Points, info: None, *, seed: int) -> ConstantModel:
        p = self.resolved_params()
        lo, hi = np.quantile(train.y, [p["trim"] / 2, 1 - p["trim"] / 2])
        c = float(np.mean(np.clip(train.y, lo, hi)))
        self._f = lambda x: np.full(len(x), c)
        return self


class RidgeModel(_Base):
    family: ClassVar[str] = "ridge"

    @staticmethod
    def default_params() -> dict[str, Any]:
        return {"degree": 3, "alpha": 1e-3}

    @staticmethod
    def search_space(trial: optuna.Trial) -> dict[str, Any]:
        return {
            "degree": trial.suggest_int("degree", 1, 7),
            "alpha": trial.suggest_float("alpha", 1e-6, 1.0, log=True),
        }

    def fit(self, train: Points, val: Points, info: None, *, seed: int) -> RidgeModel:
        p = self.resolved_params()
        feats = lambda x: np.vander(x, p["degree"] + 1)  # noqa: E731
        a = feats(train.x)
        w = np.linalg.solve(a.T @ a + p["alpha"] * np.eye(a.shape[1]), a.T @ train.y)
        self._f = lambda x: feats(x) @ w
        return self


class KNNModel(_Base):
    family: ClassVar[str] = "knn"

    @staticmethod
    def default_params() -> dict[str, Any]:
        return {"k": 10}

    @staticmethod
    def search_space(trial: optuna.Trial) -> dict[str, Any]:
        return {"k": trial.suggest_int("k", 1, 40)}

    def fit(self, train: Points, val: Points, info: None, *, seed: int) -> KNNModel:
        k = int(self.resolved_params()["k"])
        rng = np.random.default_rng(seed)  # ties broken by a seeded jitter: seeds differ
        xs = train.x + rng.normal(0, 1e-6, len(train.x))
        ys = train.y

        def f(x: np.ndarray) -> np.ndarray:
            d = np.abs(x[:, None] - xs[None, :])
            idx = np.argsort(d, axis=1, kind="stable")[:, :k]
            return np.asarray(ys[idx].mean(axis=1))

        self._f = f
        return self


_HERE = "tests.kinds.toy"


class ToyReport:
    citations: frozenset[str] = frozenset()

    def data_blocks(self, run: Any, compact: int) -> list[Block]:
        return [
            Paragraph(spans("Points on a noisy sine; the shift set is x above 0.6."), lead="Data.")
        ]

    def families_text(self, run: Any) -> Spans:
        return spans("A constant, polynomial ridge regression and k nearest neighbours.")

    def introduction_context(self, run: Any) -> Spans:
        return spans("A toy kind that checks the spine knows no kind.")

    def bib(self) -> str:
        return ""

    def figures(self, run: Any, compact: int) -> list[Figure]:
        return []

    def draw(self, run: Any, out_dir: Path) -> list[Path]:
        return []

    def limitations(self, run: Any) -> list[str]:
        return []


class ToyKind(Kind[pd.DataFrame, dict[str, np.ndarray], Points, None]):
    """Its four types: the loaded frame, the unit ids per split, the points of one part and no
    info (its families need none)."""

    name: ClassVar[str] = "toy"
    task_types: ClassVar[tuple[str, ...]] = ("toy_regression",)
    builtin_tasks: ClassVar[tuple[str, ...]] = ("toy_sine",)
    families: ClassVar[tuple[FamilyDecl, ...]] = (
        FamilyDecl(
            "constant", "Constant", {"": Backend("Constant", f"{_HERE}:ConstantModel")}, 2, ()
        ),
        FamilyDecl("ridge", "Ridge", {"": Backend("Ridge", f"{_HERE}:RidgeModel")}, 1, ()),
        FamilyDecl("knn", "kNN", {"": Backend("kNN", f"{_HERE}:KNNModel")}, 0, ()),
    )
    unit_word: ClassVar[tuple[str, str]] = ("point", "points")

    def presets(self, preset: str) -> dict[str, Any]:
        return {"budget": {"trials": 3, "startup_trials": 1}}

    def metric(self, name: str) -> MetricSpec:
        return REGRESSION[name]

    def metric_set(self, data: Any, chosen: Sequence[str] = ()) -> MetricSet:
        return REGRESSION.select(chosen or REGRESSION.names)

    def load(self, spec: Any) -> pd.DataFrame:
        rng = np.random.default_rng(spec.split.seed)
        x = rng.uniform(0, 1, 600)
        return pd.DataFrame({"x": x, "y": np.sin(3 * x) + rng.normal(0, 0.1, 600)})

    def split(self, data: pd.DataFrame, spec: Any) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(spec.split.seed + 1)
        idx = np.flatnonzero(data["x"].to_numpy() <= 0.6)
        idx = rng.permutation(idx)
        n_val, n_test = len(idx) // 5, len(idx) // 5
        return {
            "val": np.sort(idx[:n_val]),
            "test": np.sort(idx[n_val : n_val + n_test]),
            "train": np.sort(idx[n_val + n_test :]),
            "shift": np.flatnonzero(data["x"].to_numpy() > 0.6),
        }

    def prepare(
        self, data: pd.DataFrame, splits: dict[str, np.ndarray], spec: Any
    ) -> Prepared[Points, None]:
        parts = {
            s: Points(data["x"].to_numpy()[splits[s]], data["y"].to_numpy()[splits[s]], splits[s])
            for s in SPLIT_NAMES
        }
        frame = pd.concat([pd.DataFrame({"row_id": splits[s], "split": s}) for s in SPLIT_NAMES])
        digest = hashlib.sha256(frame.to_csv().encode()).hexdigest()
        return Prepared(
            parts=parts,
            info=None,
            metrics=self.metric_set(data, spec.metrics),
            sizes={s: len(splits[s]) for s in SPLIT_NAMES},
            split_digest=digest,
            data_hash=hashlib.sha256(data.to_csv().encode()).hexdigest(),
            task_json={
                "name": "toy_sine",
                "title": "Toy sine",
                "task_type": "toy_regression",
                "description": "A noisy sine.",
                "shift": {"description": "x above 0.6"},
            },
            splits_json={"sizes": {s: len(splits[s]) for s in SPLIT_NAMES}, "hash": digest},
            splits_frame=frame.reset_index(drop=True),
        )

    def targets(self, part: Points) -> np.ndarray:
        return part.y

    def prediction_frame(self, split: str, part: Points, pred: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"split": split, "row_id": part.ids, "y_true": part.y, "y_pred": pred})

    def unit_arrays(
        self, frames: Sequence[pd.DataFrame], run: Mapping[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f0 = frames[0]
        preds = np.stack([f["y_pred"].to_numpy(dtype=np.float64) for f in frames])
        return f0["row_id"].to_numpy(), f0["y_true"].to_numpy(), preds

    def report(self) -> ToyReport:
        return ToyReport()
