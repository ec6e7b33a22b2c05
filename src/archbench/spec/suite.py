"""The suite spec: several tasks run with shared settings, loaded from TOML.

A suite file has a ``[suite]`` table (its name, the task list, the preset, how many tasks run
at once, how tasks whose primary metrics differ in direction are handled, what 0 of the
normalised score is) and the shared
settings ``[budget] trials``, ``[seeds] count`` and ``[families] names``. Each task is a
built-in task name or the path of a spec file (``.toml``); the shared settings override the
task's own, so every task runs with the same budget and seeds.

Everything a suite can be refused for is checked here, before any task runs: unknown or
duplicated tasks, bad settings, primary metrics of different directions under
``directions = "same"`` (resolved from each task's spec and kind, :func:`resolve_primary`),
and tasks without a reference row under ``normalise = "reference"``.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from archbench.errors import ConfigError
from archbench.kinds import kind_of
from archbench.spec.load import _build, load_spec, merge_dicts, spec_from_dict
from archbench.spec.model import PRESETS, Spec

__all__ = [
    "PrimaryMetric",
    "SuiteSettings",
    "SuiteSpec",
    "SuiteTask",
    "builtin_suite",
    "builtin_suite_tasks",
    "load_suite",
    "resolve_primary",
    "suite_from_dict",
    "suite_template",
]

log = logging.getLogger(__name__)


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
    #: 0 of the normalised score: "worst" = the task's worst family mean; "reference" = the
    #: task's reference row (its kind's ``reference_zero``), so a family worse than it scores
    #: below 0.
    normalise: Literal["worst", "reference"] = "worst"
    #: Under ``normalise = "reference"``: the reference row that is 0 for the tasks whose kind
    #: has it (e.g. "ets": AutoETS for forecasting, which needs the forecasting extra); empty:
    #: each kind's ``reference_zero``.
    reference: str = ""
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
class PrimaryMetric:
    """A task's primary metric as resolved before it runs.

    Attributes:
        name: the metric, or the candidates joined by " or " when the data decides (a text
            task: ROC-AUC for two classes, macro-F1 for more).
        higher_is_better: its direction (the same for every candidate).
    """

    name: str
    higher_is_better: bool

    def describe(self) -> str:
        return f"{self.name} ({'higher' if self.higher_is_better else 'lower'} is better)"


@dataclass(frozen=True)
class SuiteTask:
    """One task of the suite: its id (the run directory name), where it came from, its spec,
    and its primary metric (None where it could not be resolved before the run)."""

    id: str
    source: str  # a built-in name or a spec file path
    spec: Spec
    primary: PrimaryMetric | None = None


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
    known = kind_of(spec).family_names
    if f.families.names and all(n in known for n in f.families.names):
        over["families"] = {"names": list(f.families.names)}
    return over


def _task(entry: str, f: SuiteFile, base: Path) -> SuiteTask:
    from archbench.kinds import builtin_tasks

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


def _probe_primaries(spec: Spec) -> list[PrimaryMetric]:
    """The primary metric the kind's ``metric_set`` names for each stand-in of the data it
    accepts: a task type (tables), a class count (text: 2 or more), nothing (forecasting)."""
    kind = kind_of(spec)
    types = (spec.task.type,) if spec.task.type in kind.task_types else kind.task_types
    found = []
    for probe in (*types, 2, 3, None):
        try:
            m = kind.metric_set(probe, spec.metrics).primary
        except Exception:  # this stand-in is not one the kind takes
            continue
        found.append(PrimaryMetric(m.name, m.higher_is_better))
    return found


def resolve_primary(spec: Spec) -> PrimaryMetric | None:
    """A task's primary metric and its direction, from its spec and kind, before it runs.

    ``task.primary_metric`` when the spec sets one; else the kind's ``metric_set`` asked with
    stand-ins of the data (:func:`_probe_primaries`): when they agree on the direction, the
    data is not needed. Else (a built-in table, classification or regression) the task is
    loaded, as its run will load it (about a second for flights). None when that fails too;
    the task's run then reports the failure, and the direction is checked after the run.
    """
    kind = kind_of(spec)
    chosen = spec.task.options.get("primary_metric")
    if isinstance(chosen, str):
        try:
            m = kind.metric(chosen)
            return PrimaryMetric(m.name, m.higher_is_better)
        except KeyError:
            return None  # the kind's own validation names it when the task runs
    found = _probe_primaries(spec)
    if found and len({p.higher_is_better for p in found}) == 1:
        names = list(dict.fromkeys(p.name for p in found))
        return PrimaryMetric(" or ".join(names), found[0].higher_is_better)
    try:
        m = kind.metric_set(kind.load(spec), spec.metrics).primary
    except Exception as exc:  # the task's run reports it in one line
        log.debug("primary metric of %s not resolved before the run: %s", spec.task.name, exc)
        return None
    return PrimaryMetric(m.name, m.higher_is_better)


def _check_directions(tasks: list[SuiteTask], mode: str) -> None:
    """Refuse mixed directions under ``directions = "same"``; warn under "normalised"."""
    known = [(t.id, t.primary) for t in tasks if t.primary is not None]
    if len({p.higher_is_better for _, p in known}) < 2:
        return
    desc = ", ".join(f"{tid}: {p.describe()}" for tid, p in known)
    if mode == "same":
        raise ConfigError(
            f'suite.directions = "same" but the tasks\' primary metrics differ in direction '
            f'({desc}); set suite.directions = "normalised" to compare them through '
            "normalised scores and ranks, or list tasks whose metrics share a direction"
        )
    log.warning(
        "primary metrics differ in direction (%s): tasks are compared only through "
        "direction-aware normalised scores and ranks",
        desc,
    )


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _check_references(tasks: list[SuiteTask], normalise: str) -> None:
    """Under ``normalise = "reference"`` every task's kind must have a reference row."""
    if normalise != "reference":
        return
    from archbench.kinds import all_kinds

    missing = [t for t in tasks if not kind_of(t.spec).reference_zero]
    if missing:
        which = ", ".join(f"{t.id} ({kind_of(t.spec).name})" for t in missing)
        have = ", ".join(
            f"{k.name}: {' or '.join(k.reference_zero)}" for k in all_kinds() if k.reference_zero
        )
        raise ConfigError(
            f'suite.normalise = "reference": {_plural(len(missing), "task")} {which} '
            f"{'has' if len(missing) == 1 else 'have'} no reference row (kinds with one: "
            f'{have}); use suite.normalise = "worst" (0 = the worst family) or remove '
            f"{'it' if len(missing) == 1 else 'them'}"
        )


def _check_reference_choice(reference: str, normalise: str) -> None:
    """``suite.reference`` names a reference row of some kind, under ``normalise = "reference"``."""
    if not reference:
        return
    from archbench.kinds import all_kinds

    known = sorted({r for k in all_kinds() for r in (*k.reference_rows, *k.reference_zero)})
    if reference not in known:
        raise ConfigError(
            f"suite.reference = {reference!r} is not a reference row; use one of "
            f"{', '.join(known)} (or leave it out for each kind's default)"
        )
    if normalise != "reference":
        raise ConfigError(
            f'suite.reference = {reference!r} applies only under suite.normalise = "reference"; '
            "set that or remove suite.reference"
        )


def suite_from_dict(data: dict[str, Any], *, base: Path | None = None) -> SuiteSpec:
    """Validate a suite dict (as read from TOML) and build every task's spec.

    Raises:
        ConfigError: an unknown key or task, a task listed twice, a bad setting, primary
            metrics of different directions under ``directions = "same"``, a task without a
            reference row under ``normalise = "reference"``; one line each.
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
    _check_references(tasks, s.normalise)
    _check_reference_choice(s.reference, s.normalise)
    tasks = [replace(t, primary=resolve_primary(t.spec)) for t in tasks]
    _check_directions(tasks, s.directions)
    if f.families.names and not any(
        all(n in kind_of(t.spec).family_names for n in f.families.names) for t in tasks
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
    """The built-in suite's task names, kind by kind (each kind's ``suite_tasks``)."""
    from archbench.kinds import all_kinds

    names: list[str] = []
    for kind in all_kinds():
        names.extend(kind.suite_tasks or kind.builtin_tasks[:1])
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
# through normalised scores and ranks only; "same" refuses such a suite before any task runs.
directions = "normalised"
# What 0 of a task's normalised score is (1 = its best family mean, always):
#   "worst"     the task's worst family mean (any kind of task);
#   "reference" the task's reference row: seasonal naive (forecasting; naive where the season
#               is longer than the context), TF-IDF + logistic regression (text), logistic or
#               ridge regression (tables). A family worse than the reference scores below 0.
normalise = "worst"
# reference = "ets"         # under "reference": that row is 0 where a task's kind has it
                            # (forecasting: "seasonal_naive", "naive" or "ets" = AutoETS)
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
