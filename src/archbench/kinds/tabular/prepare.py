"""Preprocessing fitted on the training split only.

Numeric features: median imputation, then a quantile (to normal) or standard transform for
the neural nets; GBDT sees the raw values with NaN. Categorical features: codes ``1..k`` for the
categories seen in train, ``0`` for missing values and categories unseen in training; neural
nets embed the codes, GBDT treats them as native categoricals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from archbench.errors import DataError
from archbench.kinds.common.metrics import TaskType
from archbench.kinds.common.parts import Rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureInfo:
    """What a model needs to know about the features and target."""

    task_type: TaskType
    num_names: tuple[str, ...]
    cat_names: tuple[str, ...]
    cat_cardinalities: tuple[int, ...]  # codes per column, including the 0 slot
    n_classes: int  # 0 for regression
    class_names: tuple[str, ...]
    y_mean: float  # train target mean (regression), for target standardisation
    y_std: float


@dataclass(frozen=True)
class Matrix(Rows):
    """One split, model-ready. ``n`` rows.

    x_num: ``(n, d_num)`` float32, transformed for neural nets, no NaN.
    x_num_raw: ``(n, d_num)`` float32, raw values with NaN (for GBDT).
    x_cat: ``(n, d_cat)`` int64 codes, 0 = missing or unseen in train.
    y: ``(n,)`` float32 targets (regression) or int64 class indices.
    row_id: ``(n,)`` int64 row ids of the task frame.
    """

    x_num: np.ndarray
    x_num_raw: np.ndarray
    x_cat: np.ndarray
    y: np.ndarray
    row_id: np.ndarray


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _as_float(s: pd.Series) -> pd.Series:
    """``s`` as float64 with missing, infinite and beyond-float32 values all NaN."""
    x = pd.to_numeric(s, errors="coerce").astype(np.float64)
    return x.where(x.abs() <= _FLOAT32_MAX)


class Preprocessor:
    """Fit on the training frame, then transform any split."""

    def __init__(
        self,
        *,
        num_cols: list[str],
        cat_cols: list[str],
        target: str,
        task_type: TaskType,
        classes: list[str] | None = None,
        numeric_transform: Literal["quantile", "standard"] = "quantile",
        max_categories: int = 1000,
        seed: int = 0,
    ) -> None:
        self.num_cols = list(num_cols)
        self.cat_cols = list(cat_cols)
        self.target = target
        self.task_type = task_type
        self.classes = list(classes or [])
        self.numeric_transform = numeric_transform
        self.max_categories = max_categories
        self.seed = seed
        self.dropped_: list[tuple[str, str]] = []

    def fit(self, train: pd.DataFrame) -> Preprocessor:
        """Learn imputation values, transforms and category codes from ``train`` only."""
        kept_num: list[str] = []
        for c in self.num_cols:
            col = _as_float(train[c])
            n_huge = int((pd.to_numeric(train[c], errors="coerce").notna() & col.isna()).sum())
            if n_huge:
                log.warning(
                    "feature %r: %d values beyond +-3.4e38 (or infinite) treated as "
                    "missing; rescale the column",
                    c,
                    n_huge,
                )
            if col.notna().sum() == 0:
                self.dropped_.append((c, "all values missing in train"))
            elif col.nunique(dropna=True) <= 1:
                self.dropped_.append((c, "constant in train"))
            else:
                kept_num.append(c)
        kept_cat: list[str] = []
        self.categories_: dict[str, dict[str, int]] = {}
        for c in self.cat_cols:
            col = train[c].astype("string")
            counts = col.value_counts(dropna=True)
            if len(counts) == 0:
                self.dropped_.append((c, "all values missing in train"))
                continue
            if len(counts) == 1 and col.isna().sum() == 0:
                self.dropped_.append((c, "constant in train"))
                continue
            if len(counts) > self.max_categories:
                raise DataError(
                    f"categorical column {c!r} has {len(counts)} distinct values in train, more "
                    f"than split.max_categories = {self.max_categories}; drop it (task.drop) "
                    "or raise split.max_categories"
                )
            # Codes in order of decreasing frequency, ties broken by value: deterministic.
            order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
            self.categories_[c] = {str(v): i + 1 for i, (v, _) in enumerate(order)}
            kept_cat.append(c)
        for name, why in self.dropped_:
            log.warning("feature %r dropped: %s", name, why)
        if not kept_num and not kept_cat:
            raise DataError("no usable feature is left after dropping constant/empty columns")
        self.num_cols_, self.cat_cols_ = kept_num, kept_cat
        raw = self._numeric(train)
        self.medians_ = np.nanmedian(raw, axis=0).astype(np.float32) if kept_num else np.zeros(0)
        filled = self._impute(raw)
        if kept_num and self.numeric_transform == "quantile":
            from sklearn.preprocessing import QuantileTransformer

            self.qt_ = QuantileTransformer(
                n_quantiles=max(min(1000, len(train) // 10), 10),
                output_distribution="normal",
                subsample=10**9,
                random_state=self.seed,
            ).fit(filled)
        elif kept_num:
            self.mean_ = filled.astype(np.float64).mean(axis=0)
            self.std_ = filled.astype(np.float64).std(axis=0) + 1e-8
        y = self._target(train)
        if self.task_type == "regression":
            self.y_mean_, self.y_std_ = float(np.mean(y)), float(np.std(y) + 1e-12)
        else:
            self.y_mean_, self.y_std_ = 0.0, 1.0
        return self

    @property
    def info(self) -> FeatureInfo:
        return FeatureInfo(
            task_type=self.task_type,
            num_names=tuple(self.num_cols_),
            cat_names=tuple(self.cat_cols_),
            cat_cardinalities=tuple(len(self.categories_[c]) + 1 for c in self.cat_cols_),
            n_classes=len(self.classes) if self.task_type == "classification" else 0,
            class_names=tuple(self.classes),
            y_mean=self.y_mean_,
            y_std=self.y_std_,
        )

    def _numeric(self, frame: pd.DataFrame) -> np.ndarray:
        if not self.num_cols_:
            return np.zeros((len(frame), 0), dtype=np.float32)
        cols = [_as_float(frame[c]) for c in self.num_cols_]
        return np.column_stack(
            [c.to_numpy(dtype=np.float64, na_value=np.nan) for c in cols]
        ).astype(np.float32)

    def _impute(self, raw: np.ndarray) -> np.ndarray:
        if raw.shape[1] == 0:
            return raw
        return np.where(np.isnan(raw), self.medians_[None, :], raw).astype(np.float32)

    def _target(self, frame: pd.DataFrame) -> np.ndarray:
        y = frame[self.target]
        if self.task_type == "regression":
            return pd.to_numeric(y).to_numpy(dtype=np.float32)
        index = {c: i for i, c in enumerate(self.classes)}
        return y.astype("string").map(index).to_numpy(dtype=np.int64)

    def transform(self, frame: pd.DataFrame) -> Matrix:
        """Model-ready matrices for ``frame`` (any split), using only what ``fit`` learned."""
        raw = self._numeric(frame)
        filled = self._impute(raw)
        if raw.shape[1] == 0:
            x_num = filled
        elif self.numeric_transform == "quantile":
            x_num = self.qt_.transform(filled).astype(np.float32)
        else:
            x_num = ((filled - self.mean_) / self.std_).astype(np.float32)
        if self.cat_cols_:
            x_cat = np.column_stack(
                [
                    frame[c]
                    .astype("string")
                    .map(self.categories_[c])
                    .fillna(0)
                    .to_numpy(dtype=np.int64)
                    for c in self.cat_cols_
                ]
            )
        else:
            x_cat = np.zeros((len(frame), 0), dtype=np.int64)
        row_id = frame.index.to_numpy(dtype=np.int64)
        return Matrix(
            np.ascontiguousarray(x_num),
            np.ascontiguousarray(raw),
            np.ascontiguousarray(x_cat),
            self._target(frame),
            row_id,
        )
