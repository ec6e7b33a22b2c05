"""The benchmark spec: frozen dataclasses loaded from TOML, unknown keys and wrong types rejected.

A spec has the sections ``[task]`` (with ``[task.shift]``), ``[split]``, ``[families]`` (with
one optional table per family), ``[budget]``, ``[seeds]``, ``[output]`` and ``[report]``, plus a
top-level ``metrics`` list. Every error names the key and what to do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

PRESETS: tuple[str, ...] = ("quick", "default", "thorough")
#: The settings of [task] every kind reads; a kind adds its own (``Kind.task_keys``).
COMMON_TASK_KEYS: tuple[str, ...] = (
    "name",
    "path",
    "target",
    "type",
    "features",
    "categorical",
    "drop",
    "description",
    "shift",
)


@dataclass(frozen=True)
class ShiftSpec:
    """Which rows form the distribution-shift set; every other row is in-distribution.

    kind = "range": rows with ``min <= column <= max`` (either bound optional; numbers or
    ISO dates). kind = "groups": rows whose ``column`` is in ``values``. kind = "quantile":
    rows above (``side = "above"``) or below the ``quantile`` of ``column``.
    """

    kind: Literal["range", "groups", "quantile"] = "range"
    column: str = ""
    min: float | str | None = None
    max: float | str | None = None
    values: tuple[str | int | float, ...] = ()
    quantile: float = 0.8
    side: Literal["above", "below"] = "above"
    description: str = ""


@dataclass(frozen=True)
class TaskSpec:
    """A built-in task (``name``) or a user file (``path`` set).

    ``type`` picks the task kind for a user file (``classification``/``regression``: tables);
    ``options`` holds the keys of ``[task]`` that only the task's kind reads (``Kind.task_keys``),
    validated by that kind.
    """

    name: str = "flights"
    path: str = ""
    target: str = ""
    type: str = ""
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    description: str = ""
    shift: ShiftSpec | None = None
    options: dict[str, Any] = field(default_factory=dict)
    #: ``path`` exactly as the spec file wrote it (``path`` itself is resolved against the spec's
    #: folder): how the report names the file. Not part of the spec's dict, TOML or digest.
    given_path: str = field(default="", compare=False, metadata={"stored": False})

    @property
    def is_builtin(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class SplitSpec:
    """ID pool -> train/validation/test fractions, size caps and the data seed."""

    val_fraction: float = 0.2
    test_fraction: float = 0.2
    seed: int = 0
    max_train_rows: int = 0
    max_val_rows: int = 0
    max_test_rows: int = 0
    max_shift_rows: int = 0
    #: Forecasting: the most training window steps, windows x (context + horizon); with long
    #: windows it caps the training windows below ``max_train_rows`` (0: no such cap).
    max_train_steps: int = 0
    #: Forecasting: the most training window values, windows x (context + horizon) x channels
    #: (the target and every covariate after encoding), so that many covariates cap the
    #: training windows too (0: no such cap).
    max_train_values: int = 0
    min_rows: int = 30
    max_categories: int = 1000
    duplicates: Literal["auto", "group", "error"] = "auto"
    numeric_transform: Literal["quantile", "standard"] = "quantile"
    #: A column whose equal values mark rows that belong together (a patient, a product): each
    #: group sits whole in one of train, validation and test. Empty: rows are split one by one.
    group: str = ""


MATMUL_PRECISIONS = ("highest", "high", "medium")


@dataclass(frozen=True)
class FamilySettings:
    """Fixed (not tuned) settings of one family: epoch cap, patience, batch size, overrides."""

    max_epochs: int = 0
    patience: int = 0
    batch_size: int = 0
    max_rounds: int = 0
    early_stopping_rounds: int = 0
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FamiliesSpec:
    """Which families are compared, the GBDT backend and each family's fixed settings.

    ``per_family`` holds one ``[families.<name>]`` table per family of the task's kind (in the
    kind's order); ``spec.families.<name>`` reads one. Empty ``names``: every family of the kind.
    """

    names: tuple[str, ...] = ()
    gbdt_backend: str = "lightgbm"
    per_family: tuple[tuple[str, FamilySettings], ...] = ()

    def settings(self, family: str) -> FamilySettings:
        return dict(self.per_family).get(family, FamilySettings())

    def __getattr__(self, name: str) -> FamilySettings:
        for fam, settings in object.__getattribute__(self, "per_family"):
            if fam == name:
                return settings
        raise AttributeError(name)


@dataclass(frozen=True)
class BudgetSpec:
    """The shared tuning budget: the same number of trials for every family.

    ``batch`` is the window of trials of one family that may run at once: trial ``n`` is
    proposed when trials ``0 .. n - batch`` are finished. The default 3 is one more than the 2
    workers of a 2-core machine: a worker that finishes a trial can start the family's next one
    without waiting for the slowest trial in flight (with 2, a default run on 2 cores idled
    ~50 worker-seconds at such waits; replayed from its unit timeline, 3 saves ~24 s of its
    282 s of units and 4 only 3 s more, while TPE sees fewer finished trials).
    ``tune_max_rows`` > 0 tunes every family on the same seeded subsample of train (early
    stopping still uses the whole validation set); the final seeds train on all of train.
    """

    trials: int = 10
    tune_max_rows: int = 0
    batch: int = 3
    startup_trials: int = 4
    threads_per_worker: int = 1


@dataclass(frozen=True)
class SeedsSpec:
    """Final runs: the best configuration of each family retrained with ``count`` seeds.

    ``vary`` says what seed ``i`` changes: ``"model"`` the initialisation, batch order and
    subsampling only (the training set is fixed); ``"model+data"`` also redraws the training
    set, a bootstrap of the training units drawn from seed ``i`` alone (the same draw for every
    family, so comparisons stay paired; validation, test and shift sets fixed), so the
    intervals cover data-sampling variance too (Bouthillier et al. 2021).
    """

    count: int = 5
    base: int = 0
    vary: Literal["model", "model+data"] = "model"


@dataclass(frozen=True)
class OutputSpec:
    """Where the run directory goes; empty: ``runs/<task>-<preset>``."""

    dir: str = ""


@dataclass(frozen=True)
class ReportSpec:
    title: str = ""
    author: str = "archbench"
    introduction: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class Spec:
    """A whole benchmark."""

    task: TaskSpec = field(default_factory=TaskSpec)
    split: SplitSpec = field(default_factory=SplitSpec)
    families: FamiliesSpec = field(default_factory=FamiliesSpec)
    budget: BudgetSpec = field(default_factory=BudgetSpec)
    seeds: SeedsSpec = field(default_factory=SeedsSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    report: ReportSpec = field(default_factory=ReportSpec)
    metrics: tuple[str, ...] = ()
    device: str = "auto"
    #: float32 matrix products of the neural families (torch.set_float32_matmul_precision):
    #: "highest" exact float32; "high"/"medium" allow TF32 products on CUDA GPUs (Ampere and
    #: later). CPU training always uses exact float32 (see kinds.common.torchloop.matmul_precision).
    matmul_precision: str = "highest"
    preset: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    def default_out(self) -> str:
        """The run directory when neither --out nor output.dir is given."""
        name = self.task.name if self.task.is_builtin else Path(self.task.path).stem
        return self.output.dir or f"runs/{name}-{self.preset}"

    def digest(self, *, exclude_output: bool = True, before_groups: bool = False) -> str:
        """sha256 of the canonical JSON of the spec (the output dir and report text excluded).

        ``before_groups``: the digest as archbench computed it before ``split.group`` existed
        (the key left out at its default), so that a run stored then still resumes.
        """
        d = self.to_dict()
        if d["seeds"]["vary"] == "model":  # the default: digests of older specs stay valid
            del d["seeds"]["vary"]
        for key in ("max_train_steps", "max_train_values"):
            if not d["split"].get(key):  # unset: digests of older specs stay valid
                d["split"].pop(key, None)
        if before_groups and not d["split"].get("group"):
            d["split"].pop("group", None)
        if exclude_output:
            d.pop("output", None)
            d.pop("report", None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Plain values and TOML


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, FamiliesSpec):
        out = {"names": list(obj.names), "gbdt_backend": obj.gbdt_backend}
        out.update({fam: _to_plain(s) for fam, s in obj.per_family})
        return out
    if isinstance(obj, TaskSpec):
        d = {
            f.name: _to_plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.metadata.get("stored", True)
        }
        d.update(d.pop("options"))  # kind keys sit in [task] itself
        return d
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
        )
    raise TypeError(f"cannot write {v!r} as TOML")


def spec_to_toml(spec: Spec) -> str:
    """The resolved spec as TOML that ``load_spec`` reads back to an equal spec."""
    lines = [
        "# Resolved archbench spec (preset applied). Re-run with: archbench run --spec spec.toml",
        "",
    ]

    def table(name: str, d: dict[str, Any]) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict) or k == "params"}
        subs = {k: v for k, v in d.items() if isinstance(v, dict) and k != "params"}
        lines.append(f"[{name}]")
        for k, v in scalars.items():
            if v is None:
                continue
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
        for k, v in subs.items():
            table(f"{name}.{k}", v)

    d = spec.to_dict()
    if d["task"].get("path") and d["task"].get("name") == TaskSpec.name:
        del d["task"]["name"]  # a user file: the built-in default name is not the user's task
    for key in ("preset", "device", "matmul_precision", "metrics"):
        lines.insert(2, f"{key} = {_toml_value(d.pop(key))}")
    for name, sub in d.items():
        if sub is None:
            continue
        table(name, sub)
    return "\n".join(lines) + "\n"
