"""The benchmark spec: frozen dataclasses loaded from TOML, unknown keys and wrong types rejected.

A spec has the sections ``[task]`` (with ``[task.shift]``), ``[split]``, ``[families]`` (with
one optional table per family), ``[budget]``, ``[seeds]``, ``[output]`` and ``[report]``, plus a
top-level ``metrics`` list. Every error names the key and what to do.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from .errors import ConfigError
from .metrics import HIGHER_IS_BETTER

BUILTIN_TASKS: tuple[str, ...] = ("flights", "california", "adult")
FAMILIES: tuple[str, ...] = ("mlp", "ft_transformer", "gbdt")
GBDT_BACKENDS: tuple[str, ...] = ("lightgbm", "xgboost", "catboost")
PRESETS: tuple[str, ...] = ("quick", "default", "thorough")


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
    """A built-in task (``name`` in BUILTIN_TASKS) or a user file (``path`` set)."""

    name: str = "flights"
    path: str = ""
    target: str = ""
    type: Literal["classification", "regression", ""] = ""
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    description: str = ""
    shift: ShiftSpec | None = None

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
    min_rows: int = 30
    max_categories: int = 1000
    duplicates: Literal["auto", "group", "error"] = "auto"
    numeric_transform: Literal["quantile", "standard"] = "quantile"


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
    """Which families are compared, and the GBDT backend."""

    names: tuple[str, ...] = FAMILIES
    gbdt_backend: Literal["lightgbm", "xgboost", "catboost"] = "lightgbm"
    mlp: FamilySettings = field(default_factory=FamilySettings)
    ft_transformer: FamilySettings = field(default_factory=FamilySettings)
    gbdt: FamilySettings = field(default_factory=FamilySettings)

    def settings(self, family: str) -> FamilySettings:
        return typing.cast(FamilySettings, getattr(self, family))


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
    """Final runs: the best configuration of each family retrained with ``count`` seeds."""

    count: int = 5
    base: int = 0


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
    #: later). CPU training always uses exact float32 (see models._torch._matmul_precision).
    matmul_precision: str = "highest"
    preset: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return _to_plain(self)

    def default_out(self) -> str:
        """The run directory when neither --out nor output.dir is given."""
        name = self.task.name if self.task.is_builtin else Path(self.task.path).stem
        return self.output.dir or f"runs/{name}-{self.preset}"

    def digest(self, *, exclude_output: bool = True) -> str:
        """sha256 of the canonical JSON of the spec (the output dir and report text excluded)."""
        d = self.to_dict()
        if exclude_output:
            d.pop("output", None)
            d.pop("report", None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading and validation


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj


def _suggest(key: str, options: list[str]) -> str:
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"allowed keys: {', '.join(sorted(options))}"


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is tuple:
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin is dict:
        return "a table"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        tp, str(tp)
    )


def _coerce(value: Any, tp: Any, key: str) -> Any:
    if isinstance(value, datetime.date | datetime.time):  # TOML dates -> ISO strings
        value = value.isoformat()
    origin = get_origin(tp)
    if origin is Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp) if a != "")
            raise ConfigError(f"{key} = {value!r} is not allowed; use one of {allowed}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, key)
            except ConfigError:
                continue
        raise ConfigError(f"{key} must be {_type_name(tp)}, got {value!r}")
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be {_type_name(tp)}, got {value!r}")
        (inner, *_) = get_args(tp)
        return tuple(_coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"[{key}] must be a table, got {value!r}")
        return _build(typing.cast(type, tp), value, key)
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string, got {value!r}")
        return value
    return value


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if key not in names:
            raise ConfigError(f"unknown key {full!r}: {_suggest(key, names)}")
        kwargs[key] = _coerce(value, hints[key], full)
    return cls(**kwargs)


def merge_dicts(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "params":
            out[k] = merge_dicts(out[k], v)
        else:
            out[k] = v
    return out


def preset_overrides(preset: str) -> dict[str, Any]:
    """The settings a preset changes, as a spec dict; the user's spec is applied on top."""
    if preset not in PRESETS:
        raise ConfigError(f"preset {preset!r} is unknown; use one of {', '.join(PRESETS)}")
    if preset == "quick":
        return {
            "split": {
                "max_train_rows": 2000,
                "max_val_rows": 1000,
                "max_test_rows": 1000,
                "max_shift_rows": 1000,
            },
            "budget": {"trials": 3, "batch": 3, "startup_trials": 2},
            "families": {
                "mlp": {"max_epochs": 8, "patience": 3},
                "ft_transformer": {"max_epochs": 4, "patience": 2},
                "gbdt": {"max_rounds": 200, "early_stopping_rounds": 20},
            },
        }
    if preset == "thorough":
        return {
            "split": {
                "max_train_rows": 40000,
                "max_val_rows": 10000,
                "max_test_rows": 10000,
                "max_shift_rows": 10000,
            },
            "budget": {"trials": 50, "batch": 3, "startup_trials": 10},
            "families": {
                "mlp": {"max_epochs": 100, "patience": 16},
                "ft_transformer": {"max_epochs": 60, "patience": 10},
                "gbdt": {"max_rounds": 2000, "early_stopping_rounds": 50},
            },
        }
    # The default must finish in 5 minutes on 2 cores (docs/benchmarks.md). With 10 trials and
    # an FT-Transformer cap of 15 epochs it took 134 s; 20 trials took 331 s because tuning
    # then selected a 128-wide FT-Transformer whose 5 final seeds alone cost ~250 CPU-seconds.
    return {
        "split": {
            "max_train_rows": 10000,
            "max_val_rows": 4000,
            "max_test_rows": 4000,
            "max_shift_rows": 4000,
        },
        "budget": {"trials": 10, "batch": 3, "startup_trials": 4, "tune_max_rows": 5000},
        "families": {
            "mlp": {"max_epochs": 30, "patience": 5},
            "ft_transformer": {"max_epochs": 15, "patience": 4},
            "gbdt": {"max_rounds": 1000, "early_stopping_rounds": 50},
        },
    }


def spec_from_dict(data: dict[str, Any], *, preset: str | None = None) -> Spec:
    """Validate a spec dict (as read from TOML) into a frozen Spec.

    The preset (argument, else the spec's ``preset`` key, else "default") supplies defaults that
    the spec's own keys override.
    """
    chosen = preset or data.get("preset") or "default"
    if not isinstance(chosen, str):
        raise ConfigError(f"preset must be a string, got {chosen!r}")
    merged = merge_dicts(preset_overrides(chosen), data)
    merged["preset"] = chosen
    spec = typing.cast(Spec, _build(Spec, merged, ""))
    validate(spec)
    return spec


def load_spec(path: str | Path, *, preset: str | None = None) -> Spec:
    """Read and validate a TOML spec; relative data paths are resolved against its folder."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"spec file {str(p)!r} does not exist; create one with 'archbench init'")
    if p.is_dir():
        raise ConfigError(f"spec file {str(p)!r} is a directory; pass the .toml file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"spec file {str(p)!r} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"spec file {str(p)!r} is not UTF-8 text") from None
    task = data.get("task")
    if isinstance(task, dict) and isinstance(task.get("path"), str) and task["path"]:
        tp = Path(task["path"]).expanduser()
        if not tp.is_absolute():
            task["path"] = str((p.parent / tp).resolve())
    return spec_from_dict(data, preset=preset)


def validate(spec: Spec) -> None:
    """Cross-field checks that types alone cannot express."""
    t = spec.task
    if t.is_builtin:
        if t.name not in BUILTIN_TASKS:
            opts = list(BUILTIN_TASKS)
            raise ConfigError(
                f"task.name {t.name!r} is not a built-in task ({_suggest(t.name, opts)}); "
                "for your own data, set task.path, task.target and task.type"
            )
    else:
        if not t.target:
            raise ConfigError("task.target is missing: name the column to predict")
        if t.type not in ("classification", "regression"):
            raise ConfigError('task.type is missing: use "classification" or "regression"')
        if t.shift is None:
            raise ConfigError(
                "[task.shift] is missing: say which rows form the shift set, e.g. "
                'kind = "range", column = "date", min = "2020-01-01"'
            )
    if t.shift is not None:
        s = t.shift
        if not s.column:
            raise ConfigError("task.shift.column is missing: name the column the shift rule uses")
        if s.kind == "range" and s.min is None and s.max is None:
            raise ConfigError("task.shift: a range rule needs min, max or both")
        if s.kind == "groups" and not s.values:
            raise ConfigError("task.shift.values is empty: list the group values of the shift set")
        if s.kind == "quantile" and not 0.0 < s.quantile < 1.0:
            raise ConfigError(f"task.shift.quantile = {s.quantile} must lie strictly in (0, 1)")
    sp = spec.split
    for key in ("val_fraction", "test_fraction"):
        v = getattr(sp, key)
        if not 0.0 < v < 1.0:
            raise ConfigError(f"split.{key} = {v} must lie strictly in (0, 1)")
    if sp.val_fraction + sp.test_fraction >= 0.9:
        raise ConfigError("split.val_fraction + split.test_fraction must be below 0.9")
    for key in ("max_train_rows", "max_val_rows", "max_test_rows", "max_shift_rows"):
        if getattr(sp, key) < 0:
            raise ConfigError(f"split.{key} must be >= 0 (0 means no cap)")
    if sp.min_rows < 1:
        raise ConfigError("split.min_rows must be >= 1")
    fam = spec.families
    if not fam.names:
        raise ConfigError("families.names is empty: list at least two of " + ", ".join(FAMILIES))
    for name in fam.names:
        if name not in FAMILIES:
            raise ConfigError(
                f"families.names: unknown family {name!r} ({_suggest(name, list(FAMILIES))})"
            )
    if len(set(fam.names)) != len(fam.names):
        raise ConfigError("families.names lists a family twice")
    if len(fam.names) < 2:
        raise ConfigError("families.names needs at least two families to compare")
    b = spec.budget
    if b.trials < 1:
        raise ConfigError(f"budget.trials = {b.trials}: every family needs at least 1 trial")
    if b.tune_max_rows < 0:
        raise ConfigError("budget.tune_max_rows must be >= 0 (0: tune on all of train)")
    if b.batch < 1:
        raise ConfigError(f"budget.batch = {b.batch} must be >= 1")
    if b.threads_per_worker < 1:
        raise ConfigError("budget.threads_per_worker must be >= 1")
    if spec.seeds.count < 2:
        raise ConfigError(
            f"seeds.count = {spec.seeds.count}: use at least 2 seeds (5 recommended); "
            "single-seed claims cannot carry a confidence interval"
        )
    if spec.matmul_precision not in MATMUL_PRECISIONS:
        raise ConfigError(
            f"matmul_precision = {spec.matmul_precision!r}: use 'highest' (exact float32, the "
            "default), 'high' or 'medium' (TF32 matrix products on CUDA GPUs)"
        )
    for m in spec.metrics:
        if m not in HIGHER_IS_BETTER:
            raise ConfigError(
                f"metrics: unknown metric {m!r} ({_suggest(m, list(HIGHER_IS_BETTER))})"
            )


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
    for key in ("preset", "device", "matmul_precision", "metrics"):
        lines.insert(2, f"{key} = {_toml_value(d.pop(key))}")
    for name, sub in d.items():
        if sub is None:
            continue
        table(name, sub)
    return "\n".join(lines) + "\n"
