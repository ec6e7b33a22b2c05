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

from archbench.errors import ConfigError

if typing.TYPE_CHECKING:
    from archbench.kinds.base import Kind

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

    @property
    def kind(self) -> Kind:
        """The task kind of this spec (by task type, else by built-in name)."""
        from archbench.kinds import kind_for

        return kind_for(self.task.type, self.task.name if self.task.is_builtin else "")

    def default_out(self) -> str:
        """The run directory when neither --out nor output.dir is given."""
        name = self.task.name if self.task.is_builtin else Path(self.task.path).stem
        return self.output.dir or f"runs/{name}-{self.preset}"

    def digest(self, *, exclude_output: bool = True) -> str:
        """sha256 of the canonical JSON of the spec (the output dir and report text excluded)."""
        d = self.to_dict()
        if d["seeds"]["vary"] == "model":  # the default: digests of older specs stay valid
            del d["seeds"]["vary"]
        if exclude_output:
            d.pop("output", None)
            d.pop("report", None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading and validation


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
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:  # "X | None": X's own message names the key that is wrong
            return _coerce(value, options[0], key)
        for a in options:
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


#: The spec's tables; its other top-level fields are plain keys (preset, metrics, device, ...).
_TABLES = ("task", "split", "families", "budget", "seeds", "output", "report")


def _build(cls: type, data: dict[str, Any], prefix: str) -> Any:
    if cls is FamiliesSpec:
        return _build_families(data, prefix)
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else key
        if key not in names:
            # TOML puts a top-level `key = value` written after a [table] header into it
            top = {f.name for f in dataclasses.fields(Spec) if f.name not in _TABLES}
            if prefix and key in top:
                raise ConfigError(
                    f"unknown key {full!r}: {key!r} is a top-level key; write it above the "
                    "first [table] of the spec"
                )
            raise ConfigError(f"unknown key {full!r}: {_suggest(key, names)}")
        kwargs[key] = _coerce(value, hints[key], full)
    return cls(**kwargs)


def _build_families(data: dict[str, Any], prefix: str) -> FamiliesSpec:
    """``[families]``: names, gbdt_backend, then one table per family (checked by the kind)."""
    kwargs: dict[str, Any] = {}
    per: list[tuple[str, FamilySettings]] = []
    for key, value in data.items():
        full = f"{prefix}.{key}"
        if key == "names":
            kwargs["names"] = _coerce(value, tuple[str, ...], full)
        elif key == "gbdt_backend":
            kwargs["gbdt_backend"] = _coerce(value, str, full)
        elif isinstance(value, dict):
            per.append((key, _build(FamilySettings, value, full)))
        else:
            raise ConfigError(
                f"unknown key {full!r}: use names, gbdt_backend or a [{prefix}.<family>] table"
            )
    return FamiliesSpec(**kwargs, per_family=tuple(per))


def merge_dicts(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "params":
            out[k] = merge_dicts(out[k], v)
        else:
            out[k] = v
    return out


def preset_overrides(preset: str, kind: Kind) -> dict[str, Any]:
    """The settings a preset changes for tasks of ``kind``, as a spec dict; the user's spec is
    applied on top."""
    if preset not in PRESETS:
        raise ConfigError(f"preset {preset!r} is unknown; use one of {', '.join(PRESETS)}")
    return kind.presets(preset)


def _kind_of(data: dict[str, Any]) -> Kind:
    from archbench.kinds import kind_for

    task = data.get("task") if isinstance(data.get("task"), dict) else {}
    assert isinstance(task, dict)
    ttype, path = task.get("type", ""), task.get("path", "")
    name = task.get("name", TaskSpec.name)
    if not isinstance(ttype, str):
        raise ConfigError(f"task.type must be a string, got {ttype!r}")
    if not isinstance(name, str):
        raise ConfigError(f"task.name must be a string, got {name!r}")
    if path and not ttype:
        return kind_for("", "")  # raises below in validate with the usual message
    return kind_for(ttype, "" if ttype else name)


def user_task_keys(kind: Kind) -> tuple[str, ...]:
    """The keys a user may write in ``[task]`` for tasks of ``kind``."""
    common = tuple(k for k in COMMON_TASK_KEYS if k not in kind.unused_task_keys)
    return (*common, *(k for k in kind.task_keys if k not in common))


def _check_task_keys(data: dict[str, Any], kind: Kind) -> None:
    """Refuse a ``[task]`` key the kind does not read, listing the keys it does."""
    task = data.get("task")
    if not isinstance(task, dict):
        return
    allowed = user_task_keys(kind)
    for key in task:  # an unused common key gets the kind's own message (validate_spec)
        if key not in allowed and key not in kind.unused_task_keys:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(
                f"unknown key 'task.{key}': {hint}[task] of a {kind.name} task takes "
                f"{', '.join(sorted(allowed))}"
            )


def _split_task_options(data: dict[str, Any], kind: Kind) -> None:
    """Move the kind's own [task] keys into ``task.options`` (unknown keys stay and fail)."""
    task = data.get("task")
    if not isinstance(task, dict):
        return
    opts = {k: task.pop(k) for k in list(task) if k in kind.task_keys and k not in COMMON_TASK_KEYS}
    if opts:
        task["options"] = opts


def spec_from_dict(data: dict[str, Any], *, preset: str | None = None) -> Spec:
    """Validate a spec dict (as read from TOML) into a frozen Spec.

    The preset (argument, else the spec's ``preset`` key, else "default") supplies defaults that
    the spec's own keys override; the task's kind supplies the preset's values.
    """
    chosen = preset or data.get("preset") or "default"
    if not isinstance(chosen, str):
        raise ConfigError(f"preset must be a string, got {chosen!r}")
    task = data.get("task")
    if task is not None and not isinstance(task, dict):
        raise ConfigError(f"[task] must be a table, got {task!r}")
    if isinstance(task, dict) and task.get("path") and not task.get("type"):
        raise ConfigError(_missing_type_message())
    kind = _kind_of(data)
    merged = merge_dicts(preset_overrides(chosen, kind), data)
    merged["preset"] = chosen
    fams = merged.setdefault("families", {})
    if not isinstance(fams, dict):
        raise ConfigError(f"[families] must be a table, got {fams!r}")
    if "names" not in fams:
        fams["names"] = list(kind.family_names)
    for f in kind.family_names:  # every family of the kind has its settings table
        fams.setdefault(f, {})
    merged["families"] = {
        "names": fams["names"],
        **({"gbdt_backend": fams["gbdt_backend"]} if "gbdt_backend" in fams else {}),
        **{f: fams[f] for f in kind.family_names},
        **{k: v for k, v in fams.items() if k not in (*kind.family_names, "names", "gbdt_backend")},
    }
    _check_task_keys(merged, kind)
    _split_task_options(merged, kind)
    spec = typing.cast(Spec, _build(Spec, merged, ""))
    validate(spec, kind)
    return spec


def _missing_type_message() -> str:
    from archbench.kinds import task_types

    return "task.type is missing: use " + " or ".join(f'"{t}"' for t in task_types())


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
    given = ""
    if isinstance(task, dict) and isinstance(task.get("path"), str) and task["path"]:
        given = task["path"]
        tp = Path(given).expanduser()
        if not tp.is_absolute():
            task["path"] = str((p.parent / tp).resolve())
    spec = spec_from_dict(data, preset=preset)
    if given:
        spec = dataclasses.replace(spec, task=dataclasses.replace(spec.task, given_path=given))
    return spec


def validate(spec: Spec, kind: Kind | None = None) -> None:
    """Cross-field checks that types alone cannot express; then the kind's own checks."""
    kind = kind or spec.kind
    t = spec.task
    if not t.is_builtin:
        if not t.target:
            raise ConfigError("task.target is missing: name the column to predict")
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
    if sp.group and not kind.groups_split:
        raise ConfigError(
            f"split.group applies to tables and text; {kind.name} tasks keep their own units "
            "together (forecasting: each series); remove split.group"
        )
    _validate_families(spec.families, kind)
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
        try:
            kind.metric(m)
        except KeyError:
            raise ConfigError(
                f"metrics: unknown metric {m!r} ({_suggest(m, list(kind.metric_names))})"
            ) from None
    if spec.seeds.vary == "model+data" and not kind.supports_data_bootstrap:
        raise ConfigError(
            f'seeds.vary = "model+data" is not available for {kind.name} tasks; use "model"'
        )
    kind.validate_spec(spec)


def _validate_families(fam: FamiliesSpec, kind: Kind) -> None:
    known = list(kind.family_names)
    if not fam.names:
        raise ConfigError("families.names is empty: list at least two of " + ", ".join(known))
    for name in fam.names:
        if name not in known:
            raise ConfigError(f"families.names: unknown family {name!r} ({_suggest(name, known)})")
    if len(set(fam.names)) != len(fam.names):
        raise ConfigError("families.names lists a family twice")
    if len(fam.names) < 2:
        raise ConfigError("families.names needs at least two families to compare")
    for name, _ in fam.per_family:
        if name not in known:
            raise ConfigError(f"unknown key 'families.{name}': {_suggest(name, known)}")
    for f in kind.families:
        if len(f.backends) > 1 and fam.gbdt_backend not in f.backends:
            allowed = ", ".join(repr(b) for b in f.backends)
            raise ConfigError(
                f"families.gbdt_backend = {fam.gbdt_backend!r} is not allowed; use one of {allowed}"
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
    if d["task"].get("path") and d["task"].get("name") == TaskSpec.name:
        del d["task"]["name"]  # a user file: the built-in default name is not the user's task
    for key in ("preset", "device", "matmul_precision", "metrics"):
        lines.insert(2, f"{key} = {_toml_value(d.pop(key))}")
    for name, sub in d.items():
        if sub is None:
            continue
        table(name, sub)
    return "\n".join(lines) + "\n"
