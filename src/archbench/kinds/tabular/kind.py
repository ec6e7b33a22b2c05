"""The tabular kind: classification and regression on one table, the first plugin of the spine.

Families: an MLP and the FT-Transformer (Gorishniy et al. 2021) over the preprocessed features,
and gradient-boosted trees (LightGBM; XGBoost or CatBoost as extras) on the raw values. Units
are rows; the paired bootstrap draws rows independently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

import archbench.kinds.tabular.data as opt
from archbench.errors import ConfigError
from archbench.kinds.base import SPLIT_NAMES, FamilyDecl, Kind, Prepared
from archbench.kinds.common import labelframes
from archbench.kinds.common.groups import account_drops
from archbench.kinds.common.metrics import REGRESSION
from archbench.kinds.metric import MetricSet, MetricSpec
from archbench.kinds.tabular.templates import BUILTIN_TASKS
from archbench.seeding import derive_seed

if TYPE_CHECKING:
    from archbench.kinds.tabular.prepare import FeatureInfo, Matrix
    from archbench.kinds.tabular.splits import Splits
    from archbench.kinds.tabular.tasks.base import TaskData
    from archbench.report.kindapi import KindReport
    from archbench.spec.model import Spec

from archbench.kinds.tabular.families import _MODELS, FAMILIES
from archbench.kinds.tabular.metrics import _DEFAULT, _SETS


class TabularKind(Kind["TaskData", "Splits", "Matrix", "FeatureInfo"]):
    """Classification and regression on a table (built-ins: flights, california, adult)."""

    name: ClassVar[str] = "tabular"
    task_types: ClassVar[tuple[str, ...]] = ("classification", "regression")
    builtin_tasks: ClassVar[tuple[str, ...]] = BUILTIN_TASKS
    families: ClassVar[tuple[FamilyDecl, ...]] = FAMILIES
    init_words: ClassVar[tuple[str, ...]] = ("csv",)
    supports_data_bootstrap: ClassVar[bool] = True
    #: The validated linear model (logistic or ridge regression on the preprocessed features).
    reference_zero: ClassVar[tuple[str, ...]] = ("linear",)
    reference_rows: ClassVar[tuple[str, ...]] = ("linear",)
    #: Adult's FT-Transformer seeds are the costliest tabular block, so the suite's tables are
    #: california and flights.
    suite_tasks: ClassVar[tuple[str, ...]] = ("california", "flights")
    task_keys: ClassVar[tuple[str, ...]] = opt.TASK_KEYS
    worker_modules: ClassVar[tuple[str, ...]] = ("lightgbm", f"{_MODELS}.base")
    groups_split: ClassVar[bool] = True
    spec_templates: ClassVar[str] = "archbench.kinds.tabular.templates:spec_template"
    preset_table: ClassVar[str] = "archbench.kinds.tabular.presets:PRESETS"

    # -- declaration ---------------------------------------------------------------------------
    @property
    def metric_names(self) -> tuple[str, ...]:
        return (*_SETS["classification"].names, *REGRESSION.names)

    def validate_spec(self, spec: Spec) -> None:
        opt.validate(spec, self)

    def metric(self, name: str) -> MetricSpec:
        for s in _SETS.values():
            if name in s:
                return s[name]
        raise KeyError(name)

    def metric_set(self, data: TaskData | str, chosen: Sequence[str] = ()) -> MetricSet:
        """The metrics of the task (or of a task type, the suite's stand-in for the data)."""
        task_type = data.task_type if not isinstance(data, str) else data
        available = _SETS[task_type]
        for m in chosen:
            if m not in available:
                raise ConfigError(
                    f"metrics: {m!r} does not apply to {task_type}; "
                    f"use some of {', '.join(available.names)}"
                )
        return available.select(chosen or _DEFAULT[task_type])

    # -- data ----------------------------------------------------------------------------------
    def load(self, spec: Spec) -> TaskData:
        from archbench.kinds.tabular.tasks import load_task

        return opt.with_positive_class(load_task(spec.task, spec.split.group), spec)

    def split(self, data: TaskData, spec: Spec) -> Splits:
        from archbench.kinds.common.rare import rare_requested
        from archbench.kinds.tabular.splits import make_splits

        requested = data.task_type == "classification" and rare_requested(
            spec.metrics, spec.task.options
        )
        splits = make_splits(
            data, spec.split, builtin=spec.task.is_builtin, rare_requested=requested
        )
        opt.check_positives(data, splits, spec)
        return splits

    def prepare(self, data: TaskData, splits: Splits, spec: Spec) -> Prepared[Matrix, FeatureInfo]:
        from archbench.kinds.common.files import data_digest
        from archbench.kinds.tabular.prepare import Preprocessor
        from archbench.kinds.tabular.references import references

        task = data
        pre = Preprocessor(
            num_cols=list(task.numeric),
            cat_cols=list(task.categorical),
            target=task.target,
            task_type=task.task_type,
            classes=list(task.classes),
            numeric_transform=spec.split.numeric_transform,
            max_categories=spec.split.max_categories,
            seed=derive_seed(spec.split.seed, "preprocess"),
        ).fit(task.frame.loc[splits.train])
        parts = {s: pre.transform(task.frame.loc[splits.ids(s)]) for s in SPLIT_NAMES}
        task_json = task.to_json()
        if splits.drops:
            task_json["rows"] = account_drops(task_json["rows"], splits.drops)
            task_json["row_drops"] = [dict(d) for d in splits.drops]
        task_json["preprocessing"] = {
            "numeric_transform": spec.split.numeric_transform,
            "numeric_used": list(pre.info.num_names),
            "categorical_used": list(pre.info.cat_names),
            "dropped_features": [list(x) for x in pre.dropped_],
        }
        man = splits.manifest(task)
        man["dropped_features"] = [list(x) for x in pre.dropped_]
        metrics = opt.run_metrics(self.metric_set(task, spec.metrics), task, splits, spec)
        opt.add_profile(task_json, task, splits, spec, metrics)
        ref_preds: dict[str, dict[str, np.ndarray]] = {}
        task_json["references"] = references(
            parts, pre.info, metrics, seed=spec.split.seed, predictions=ref_preds
        )
        return Prepared(
            parts=parts,
            info=pre.info,
            metrics=metrics,
            sizes=splits.sizes(),
            split_digest=splits.digest(),
            data_hash=data_digest(task.frame),
            task_json=task_json,
            splits_json=man,
            splits_frame=splits.frame(),
            run_fields={
                "n_classes": pre.info.n_classes,
                "class_names": list(pre.info.class_names),
            },
            data=task,
            fitted=pre,
            reference_predictions=ref_preds,
        )

    # -- workers ---------------------------------------------------------------------------------
    def targets(self, part: Matrix) -> np.ndarray:
        return part.y

    def subsample(self, part: Matrix, n: int, seed: int, info: FeatureInfo) -> Matrix:
        """A seeded subsample of ``n`` rows, stratified by class for classification."""
        if n <= 0 or len(part) <= n:
            return part
        from sklearn.model_selection import train_test_split

        idx = np.arange(len(part))
        strat = part.y if info.task_type == "classification" else None
        try:
            keep, _ = train_test_split(idx, train_size=n, random_state=seed, stratify=strat)
        except ValueError:
            keep, _ = train_test_split(idx, train_size=n, random_state=seed)
        return part.take(np.sort(keep))

    def bootstrap(self, part: Matrix, seed: int, info: FeatureInfo) -> Matrix:
        """Rows drawn with replacement; for classification within each class, so every class
        keeps its training count."""
        rng = np.random.default_rng(seed)
        if info.task_type == "classification":
            idx = np.concatenate(
                [rng.choice(np.flatnonzero(part.y == c), size=int((part.y == c).sum()))
                 for c in np.unique(part.y)]
            )  # fmt: skip
        else:
            idx = rng.integers(0, len(part), size=len(part))
        return part.take(np.sort(idx))

    # -- store and statistics --------------------------------------------------------------------
    def prediction_frame(self, split: str, part: Matrix, pred: np.ndarray) -> pd.DataFrame:
        """``split, row_id, y_true, y_pred`` and, for classification, ``p_0 .. p_{K-1}``."""
        return labelframes.prediction_frame(split, part.row_id, part.y, pred)

    def unit_arrays(
        self, frames: Sequence[pd.DataFrame], run: Mapping[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        classification = run.get("task_type") == "classification"
        return labelframes.unit_arrays(frames, probabilities=classification)

    # -- report ----------------------------------------------------------------------------------
    def report(self) -> KindReport:
        from archbench.kinds.tabular.report import TabularReport

        return TabularReport()
