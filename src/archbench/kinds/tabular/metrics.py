"""The tabular kind's metric catalogue: every metric per task type, and the default selection."""

from __future__ import annotations

from archbench.kinds.common.imbalanced import SPECS as IMBALANCED
from archbench.kinds.common.metrics import CLASSIFICATION, REGRESSION
from archbench.kinds.metric import MetricSet

#: Every metric per task type; the default selection is CLASSIFICATION / REGRESSION (the
#: imbalanced-label metrics are chosen in ``metrics`` or ``task.primary_metric``).
_SETS: dict[str, MetricSet] = {
    "classification": MetricSet((*CLASSIFICATION.specs, *IMBALANCED)),
    "regression": REGRESSION,
}
_DEFAULT: dict[str, tuple[str, ...]] = {
    "classification": CLASSIFICATION.names,
    "regression": REGRESSION.names,
}
