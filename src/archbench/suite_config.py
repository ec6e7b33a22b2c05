"""The suite spec: several tasks run with shared settings, loaded from TOML.

A suite file has a ``[suite]`` table (its name, the task list, the preset, how many tasks run
at once, how tasks whose primary metrics differ in direction are handled) and the shared
settings ``[budget] trials``, ``[seeds] count`` and ``[families] names``. Each task is a
built-in task name or the path of a spec file (``.toml``); the shared settings override the
task's own, so every task runs with the same budget and seeds.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .config import PRESETS, Spec, _build, load_spec, merge_dicts, spec_from_dict
from .errors import ConfigError

__all__ = [
    "BUILTIN_SUITE",
    "SuiteSettings",
    "SuiteSpec",
    "SuiteTask",
    "builtin_suite",
    "builtin_suite_tasks",
    "load_suite",
    "suite_from_dict",
    "suite_template",
]

#: The built-in suite's tasks per kind. A registered kind not listed here contributes its first
#: built-in task (so a new kind joins the suite at once and the suite stays near 15 minutes on
#: 2 cores with the default preset); list a kind here to choose its tasks.
#: The built-in suite: one task per problem kind and two tables, sized for <= 15 minutes of a
#: 2-core machine at the default preset (adult's FT-Transformer seeds are the costliest tabular
#: block, so the tabular tasks are california and flights).
BUILTIN_SUITE: dict[str, tuple[str, ...]] = {
    "tabular": ("california", "flights"),
    "forecasting": ("weather",),
    "text": ("clothing_reviews",),
}


@dataclass(frozen=True)
class SuiteSettings:
    """``[suite]``: the tasks and how the suite runs and compares them."""

    name: str = "suite"
    tasks: tuple[str, ...] = ()
    preset: Literal["quick", "default", "thorough"] = "default"
    #: Tasks whose units run at the same time on the shared pool (1: one after another).
    parallel_tasks: int = 2
    #: "normalised": tasks whose primary metrics point in different directions are compared
    #: only through direction-aware normalised scores and ranks (a warning says so);
    #: "same": such a suite is an error.
    directions: Literal["normalised", "same"] = "normalised"
    n_boot: int = 2000
    seed: int = 0
    alpha: float = 0.05


@dataclass(frozen=True)
class SharedBudget:
    trials: int | None = None
    threads_per_worker: int = 1


@dataclass(frozen=True)
class SharedSeeds:
    count: int | None = None


@dataclass(frozen=True)
class SharedFamilies:
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuiteFile:
    """The TOML file as written (validated types, unknown keys rejected)."""

    suite: SuiteSettings = SuiteSettings()
    budget: SharedBudget = SharedBudget()
    seeds: SharedSeeds = SharedSeeds()
    families: SharedFamilies = SharedFamilies()


@dataclass(frozen=True)
class SuiteTask:
    """One task of the suite: its id (the run directory name), where it came from, its spec."""

    id: str
    source: str  # a built-in name or a spec file path
    spec: Spec


@dataclass(frozen=True)
class SuiteSpec:
    settings: SuiteSettings
    tasks: tuple[SuiteTask, ...]
    threads: int = 1


def _is_file(entry: str) -> bool:
    return entry.endswith(".toml") or "/" in entry or "\\" in entry


def _overrides(f: SuiteFile, spec: Spec) -> dict[str, Any]:
    over: dict[str, Any] = {"budget": {"threads_per_worker": f.budget.threads_per_worker}}
    if f.budget.trials is not None:
        over["budget"]["trials"] = f.budget.trials
    if f.seeds.count is not None:
        over["seeds"] = {"count": f.seeds.count}
    known = spec.kind.family_names
    if f.families.names and all(n in known for n in f.families.names):
        over["families"] = {"names": list(f.families.names)}
    return over


def _task(entry: str, f: SuiteFile, base: Path) -> SuiteTask:
    from .kinds import builtin_tasks

    preset = f.suite.preset
    if _is_file(entry):
        path = Path(entry).expanduser()
        path = path if path.is_absolute() else (base / path)
        if not path.exists():
            raise ConfigError(f"suite.tasks: spec file {str(path)!r} does not exist")
        spec = load_spec(path, preset=preset)
        tid = path.stem
    else:
        if entry not in builtin_tasks():
            raise ConfigError(
                f"suite.tasks: unknown task {entry!r}; use a built-in task "
                f"({', '.join(builtin_tasks())}) or the path of a .toml spec"
            )
        spec = spec_from_dict({"task": {"name": entry}}, preset=preset)
        tid = entry
    data = merge_dicts(spec.to_dict(), _overrides(f, spec))
    data.pop("preset")
    return SuiteTask(tid, entry, spec_from_dict(data, preset=preset))


def suite_from_dict(data: dict[str, Any], *, base: Path | None = None) -> SuiteSpec:
    """Validate a suite dict (as read from TOML) and build every task's spec.

    Raises:
        ConfigError: an unknown key or task, a task listed twice, a bad setting; one line each.
    """
    f: SuiteFile = _build(SuiteFile, data, "")
    s = f.suite
    if not s.tasks:
        raise ConfigError("suite.tasks is empty: list built-in task names or .toml spec files")
    if s.parallel_tasks < 1:
        raise ConfigError(f"suite.parallel_tasks = {s.parallel_tasks}: use 1 or more")
    if s.n_boot < 100:
        raise ConfigError(f"suite.n_boot = {s.n_boot}: use at least 100 resamples (2000 default)")
    if not 0.0 < s.alpha < 0.5:
        raise ConfigError(f"suite.alpha = {s.alpha} must lie in (0, 0.5)")
    if s.preset not in PRESETS:  # pragma: no cover - Literal checks it
        raise ConfigError(f"suite.preset {s.preset!r} is unknown")
    seen: dict[str, str] = {}
    tasks = []
    for entry in s.tasks:
        t = _task(entry, f, base or Path.cwd())
        if t.id in seen:
            raise ConfigError(
                f"suite.tasks: task {t.id!r} is listed twice ({seen[t.id]!r} and {entry!r}); "
                "list each task once (spec files need distinct file names)"
            )
        seen[t.id] = entry
        tasks.append(t)
    if f.families.names and not any(
        all(n in t.spec.kind.family_names for n in f.families.names) for t in tasks
    ):
        raise ConfigError(
            f"families.names = {list(f.families.names)} matches the families of no task; "
            "use names of the tasks' kinds (e.g. mlp, ft_transformer, gbdt) or leave it out"
        )
    return SuiteSpec(s, tuple(tasks), f.budget.threads_per_worker)


def load_suite(path: str | Path) -> SuiteSpec:
    """Read a suite TOML file; task spec paths are relative to its folder."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            f"suite file {str(p)!r} does not exist; write one with 'archbench init --task suite'"
        )
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"suite file {str(p)!r} is not valid TOML: {exc}") from None
    return suite_from_dict(data, base=p.parent.resolve())


def builtin_suite_tasks() -> list[str]:
    """The built-in suite's task names, kind by kind (see ``BUILTIN_SUITE``)."""
    from .kinds import all_kinds

    names: list[str] = []
    for kind in all_kinds():
        names.extend(BUILTIN_SUITE.get(kind.name, kind.builtin_tasks[:1]))
    return names


def builtin_suite(preset: str = "default") -> SuiteSpec:
    """The built-in suite (:func:`builtin_suite_tasks`) with the preset's budget."""
    names = builtin_suite_tasks()
    return suite_from_dict({"suite": {"name": "builtin", "tasks": names, "preset": preset}})


SUITE_TEMPLATE = """\
# An archbench suite: several tasks, one shared budget, statistics across tasks.
# Run it with:  archbench suite THIS_FILE.toml --out runs/my-suite
# (re-run the same command to resume; each task has its run directory under --out)

[suite]
name = "my-suite"
# Built-in task names and/or paths of task spec files (from 'archbench init'), any kind.
tasks = ["california", "adult", "flights"]
preset = "default"          # quick | default | thorough, for every task
parallel_tasks = 2          # tasks whose units share the worker pool at once (1: in turn)
# Tasks whose primary metrics differ in direction (accuracy up, RMSE down) are compared
# through normalised scores (1 = the task's best family, 0 = its worst) and ranks only;
# "same" makes such a suite an error instead.
directions = "normalised"
n_boot = 2000               # bootstrap resamples of the aggregate intervals
seed = 0                    # seed of the aggregate bootstraps
alpha = 0.05

# Shared by every task (override each task file's own values):
[budget]
trials = 10                 # tuning trials per family and task
threads_per_worker = 1

[seeds]
count = 5                   # final seeds per family and task (paired across families)

# [families]
# names = ["mlp", "gbdt"]   # where a task's kind has these families; others run all theirs
"""


def suite_template() -> str:
    """The commented suite file that ``archbench init --task suite`` writes."""
    return SUITE_TEMPLATE
