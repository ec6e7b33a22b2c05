"""Loading a spec: TOML or a dict -> :class:`Spec`, presets merged, kind settings validated.

Every error names the key and what to do (unknown keys and wrong types are rejected, with the
closest allowed key).
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from archbench.errors import ConfigError
from archbench.kinds import kind_of
from archbench.spec.model import (
    COMMON_TASK_KEYS,
    MATMUL_PRECISIONS,
    PRESETS,
    FamiliesSpec,
    FamilySettings,
    Spec,
    TaskSpec,
)

if typing.TYPE_CHECKING:
    from archbench.kinds.base import Kind


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
    kind = kind or kind_of(spec)
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
    for key in ("max_train_rows", "max_val_rows", "max_test_rows", "max_shift_rows",
                "max_train_steps", "max_train_values"):  # fmt: skip
        if getattr(sp, key) < 0:
            raise ConfigError(f"split.{key} must be >= 0 (0 means no cap)")
    if sp.min_rows < 1:
        raise ConfigError("split.min_rows must be >= 1")
    for key in ("max_train_steps", "max_train_values"):
        if getattr(sp, key) and not kind.step_caps:
            raise ConfigError(
                f"split.{key} caps forecasting windows by their size; {kind.name} tasks cap "
                f"training rows with split.max_train_rows: remove split.{key}"
            )
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
