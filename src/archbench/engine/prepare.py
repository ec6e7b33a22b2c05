"""Everything a run needs in memory, built before a single file is written.

``prepare`` asks the spec's task kind to load the task, split it and prepare the parts the
families train on (every statistic fitted on train only); whatever can fail on bad input fails
here. ``fixed_params`` reads a family's fixed settings from the spec, by the family's own
declaration of which settings it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archbench.engine.units import Payload
from archbench.kinds import kind_of
from archbench.kinds.base import Kind, Prepared
from archbench.spec.model import Spec


@dataclass
class PreparedRun:
    """The spec, its kind, the kind's prepared task and the workers' payload."""

    spec: Spec
    kind: Kind
    prepared: Prepared
    payload: Payload

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.prepared.metrics.names

    @property
    def primary(self) -> str:
        return self.prepared.metrics.primary.name

    @property
    def data_hash(self) -> str:
        return self.prepared.data_hash

    @property
    def task(self) -> Any:
        """The loaded task (the kind's own type)."""
        return self.prepared.data


def prepare(spec: Spec, *, make_split: Callable[[Any], Any] | None = None) -> PreparedRun:
    """Load, split and prepare the task of ``spec``; raise on any bad input.

    ``make_split`` replaces the kind's split of the loaded task (benchmarks use it for a
    random split).
    """
    kind = kind_of(spec)
    data = kind.load(spec)
    splits = make_split(data) if make_split is not None else kind.split(data, spec)
    prepared = kind.prepare(data, splits, spec)
    payload = Payload(
        dict(prepared.parts),
        prepared.info,
        kind.name,
        prepared.metrics.primary.name,
        prepared.metrics.names,
        key=f"{prepared.split_digest}:{prepared.data_hash}",
    )
    return PreparedRun(spec, kind, prepared, payload)


def fixed_params(spec: Spec, family: str) -> dict[str, Any]:
    """Settings of ``family`` that the spec fixes (:meth:`Kind.fixed_params` of its kind)."""
    return kind_of(spec).fixed_params(spec, family)
