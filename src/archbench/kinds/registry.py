"""The registry of task kinds: tables today, time series and text beside them.

A kind is registered by name with the import path of its class (loaded on first use) or with
an instance. The spine finds the kind of a spec by its task type (``task.type``) or by its
built-in task name (``task.name``). Plugins outside the package call :func:`register_kind`.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from archbench.errors import ConfigError

if TYPE_CHECKING:
    from archbench.kinds.base import AnyKind
    from archbench.spec.model import Spec

#: name -> "module:Class" (not imported yet) or the instance.
_KINDS: dict[str, str | AnyKind] = {
    "tabular": "archbench.kinds.tabular.kind:TabularKind",
    "forecasting": "archbench.kinds.forecasting.kind:ForecastingKind",
    "text": "archbench.kinds.text.kind:TextKind",
}


def register_kind(kind: AnyKind | str, *, name: str = "", replace: bool = False) -> None:
    """Register a kind: an instance, or ``"module:Class"`` imported on first use.

    Raises:
        ConfigError: the name is taken (pass ``replace=True`` to override) or a task type or
            built-in task name clashes with another kind's.
    """
    key = name or (kind.name if not isinstance(kind, str) else "")
    if not key:
        raise ConfigError("register_kind: pass name= with a 'module:Class' target")
    if key in _KINDS and not replace:
        raise ConfigError(f"a task kind named {key!r} is registered already; use replace=True")
    _KINDS[key] = kind
    if not isinstance(kind, str):
        _check_clashes(get_kind(key))


def unregister_kind(name: str) -> None:
    """Remove a kind (plugins' tests)."""
    _KINDS.pop(name, None)


def kind_names() -> tuple[str, ...]:
    return tuple(_KINDS)


def get_kind(name: str) -> AnyKind:
    """The kind registered as ``name``.

    Raises:
        ConfigError: unknown kind, named with the registered ones.
    """
    if name not in _KINDS:
        raise ConfigError(f"unknown task kind {name!r}; the kinds are: {', '.join(_KINDS)}")
    entry = _KINDS[name]
    if isinstance(entry, str):
        from archbench.kinds.base import import_target

        entry = import_target(entry)()
        _KINDS[name] = entry
    assert not isinstance(entry, str)
    return entry


def all_kinds() -> tuple[AnyKind, ...]:
    return tuple(get_kind(n) for n in _KINDS)


def task_types() -> tuple[str, ...]:
    """Every ``task.type`` some kind serves."""
    return tuple(t for k in all_kinds() for t in k.task_types)


def builtin_tasks() -> tuple[str, ...]:
    """Every built-in task name, kind by kind."""
    return tuple(t for k in all_kinds() for t in k.builtin_tasks)


def kind_of(spec: Spec) -> AnyKind:
    """The task kind of ``spec`` (by task type, else by built-in name)."""
    t = spec.task
    return kind_for(t.type, t.name if t.is_builtin else "")


def kind_for(task_type: str = "", builtin: str = "") -> AnyKind:
    """The kind of a task: by ``task.type`` for user files, else by built-in name.

    Raises:
        ConfigError: no kind serves the type or knows the built-in, with the options.
    """
    by_type = bool(task_type)
    key = task_type if by_type else builtin
    for k in all_kinds():
        if key in (k.task_types if by_type else k.builtin_tasks):
            return k
    if by_type:
        opts = task_types()
        raise ConfigError(
            f"task.type = {task_type!r} is not a task type ({_suggest(task_type, opts)}); "
            f"use one of {', '.join(repr(t) for t in opts)}"
        )
    raise ConfigError(
        f"task.name {builtin!r} is not a built-in task ({_suggest(builtin, builtin_tasks())}); "
        "for your own data, set task.path, task.target and task.type"
    )


def _suggest(key: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"options: {', '.join(options)}"


def _check_clashes(new: AnyKind) -> None:
    for other in all_kinds():
        if other is new:
            continue
        for t in set(new.task_types) & set(other.task_types):
            raise ConfigError(f"task type {t!r} is served by {other.name!r} already")
        for b in set(new.builtin_tasks) & set(other.builtin_tasks):
            raise ConfigError(f"built-in task {b!r} belongs to {other.name!r} already")
