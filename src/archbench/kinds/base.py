"""The Kind contract: what a task kind (tables, time series, text) brings to the spine.

The spine (config, tuning, executor, runner, store, stats, analysis, figures, report, cli)
knows nothing of any kind. It asks the kind named by the spec's task type to

* declare itself: ``name``, ``task_types``, ``builtin_tasks``, its three ``families``, its
  ``presets`` and the spec keys of ``[task]`` it reads (``task_keys``);
* load the task, split it (with the manifest and leakage checks) and prepare what the families
  train on, fitting every statistic on the training split only (``load``, ``split``,
  ``prepare``);
* declare its metrics as :class:`archbench.kinds.metric.MetricSpec` (``metric_set``, ``metric``);
* serve the workers: targets of a part, a subsample of train for tuning (``targets``,
  ``subsample``);
* turn predictions into the store's per-unit frame and back into the arrays the paired
  bootstrap resamples, and say how units are resampled (``prediction_frame``,
  ``unit_arrays``, ``draw_counts``);
* supply its words, citations and figures for the report (``report``, a
  :class:`archbench.report.kindapi.KindReport`).

``Kind`` is generic in the types a kind's data flows through: ``Kind[DataT, SplitsT, PartT,
InfoT]`` (what ``load`` returns, what ``split`` returns, one part the families fit on and
predict, and the ``info`` passed to every ``fit``), so that mypy follows ``load -> split ->
prepare -> fit`` for each kind and refuses one kind's splits in another kind's ``prepare``. The
spine holds any kind as :data:`AnyKind`.

A kind registers itself by name (:func:`archbench.kinds.register_kind`); the spec's task type or
built-in task name picks it. ``archbench.testing.KindContract`` is the test case every
kind must pass.

Kinds are stateless singletons: methods take everything they need as arguments, and module
import stays light (no torch, no LightGBM at import time).
"""

from __future__ import annotations

import abc
import copy
import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar, cast

import numpy as np
import pandas as pd

from archbench.errors import ConfigError
from archbench.kinds.family import InfoT, Model, PartT
from archbench.kinds.metric import MetricSet, MetricSpec
from archbench.names import SCORED_SPLITS, SPLIT_NAMES

__all__ = [
    "SCORED_SPLITS",
    "SPLIT_NAMES",
    "AnyKind",
    "Backend",
    "DataT",
    "FamilyDecl",
    "InfoT",
    "Kind",
    "PartT",
    "Prepared",
    "SplitsT",
    "import_target",
]

if TYPE_CHECKING:
    from archbench.report.kindapi import KindReport
    from archbench.spec.model import Spec

#: What a kind's ``load`` returns (the task: a table, a panel of series, documents).
DataT = TypeVar("DataT")
#: What a kind's ``split`` returns (the unit ids of train, val, test and shift).
SplitsT = TypeVar("SplitsT")


def import_target(target: str) -> Any:
    """The object ``"module:attr"`` names, its module imported on first use."""
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


# ----------------------------------------------------------------------------- families
@dataclass(frozen=True)
class Backend:
    """One implementation of a family (e.g. LightGBM for GBDT).

    Attributes:
        label: display name ("LightGBM").
        target: ``"module:attr"`` of the :class:`~archbench.kinds.family.Model` subclass.
        requires: a module that must be importable (an optional extra), else ``""``.
        extra: the pip extra that installs it.
        cite: the bibliography key of its paper, for the report.
    """

    label: str
    target: str
    requires: str = ""
    extra: str = ""
    cite: str = ""


@dataclass(frozen=True)
class FamilyDecl:
    """A family slot of a kind: its name, label, implementation(s) and spec settings.

    Attributes:
        name: the key in the spec and the store ("mlp").
        label: display name ("MLP"); with several backends, "GBDT" becomes "GBDT (LightGBM)".
        backends: implementations by backend name; one entry named "" for a single one.
        cost_rank: the expected cost order, 0 = costliest: the scheduler's order among
            families none of whose trials has finished yet (then measured times decide).
        settings: the ``[families.<name>]`` keys (FamilySettings fields) passed to the model
            as fixed settings when set.
    """

    name: str
    label: str
    backends: Mapping[str, Backend]
    cost_rank: int = 9
    settings: tuple[str, ...] = ("max_epochs", "patience", "batch_size")

    def backend(self, choice: str) -> tuple[str, Backend]:
        """The backend used for ``families.gbdt_backend = choice`` (single ones ignore it)."""
        if "" in self.backends:
            return "", self.backends[""]
        if choice not in self.backends:
            raise ConfigError(
                f"unknown gbdt_backend {choice!r}; the backends are: {', '.join(self.backends)}"
            )
        return choice, self.backends[choice]

    def display(self, choice: str = "") -> str:
        """ "MLP", or "GBDT (LightGBM)" for a family with several backends."""
        key, b = self.backend(choice or next(iter(self.backends)))
        return self.label if key == "" else f"{self.label} ({b.label})"

    def load(self, choice: str = "") -> type[Model[Any, Any]]:
        """Import the model class.

        Raises:
            ConfigError: unknown backend, or an optional backend whose package is missing.
        """
        key, b = self.backend(choice or next(iter(self.backends)))
        if b.requires and not _importable(b.requires):
            raise ConfigError(
                f"gbdt_backend {key!r} needs the {b.requires} package, which is not installed; "
                f"pip install archbench[{b.extra or b.requires}]"
            )
        cls = import_target(b.target)
        assert isinstance(cls, type) and issubclass(cls, Model), b.target
        return cls


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


# ----------------------------------------------------------------------------- prepared data
@dataclass(frozen=True, eq=False)
class Prepared(Generic[PartT, InfoT]):
    """What a kind hands the spine after loading, splitting and preparing a task.

    Generic in the kind's part and info types (``Prepared[Matrix, FeatureInfo]`` for tables).

    Attributes:
        parts: ``train``, ``val``, ``test``, ``shift`` -> what the families fit on and predict
            (the kind's own type; pickled once per worker).
        info: the kind's description of the parts, passed to every ``fit``.
        metrics: the run's metrics, primary first.
        sizes: units per part (rows, windows, texts).
        split_digest: sha256 over the unit ids of every part.
        data_hash: sha256 of the loaded data.
        task_json: the content of task.json.
        splits_json: the content of splits.json (sizes, hash, seed, manifest, notes).
        splits_frame: the unit ids per part, for splits.parquet.
        run_fields: kind-specific fields of run.json (e.g. class names).
        data: the loaded task (for figures or benchmarks; never pickled to workers).
        fitted: what the kind fitted on train (e.g. the preprocessor), for inspection.
        reference_predictions: reference row (a key of task_json ``references``) -> part ->
            its predictions in the families' layout, stored as reference_predictions.parquet
            so that analysis can test each family against each reference on the same rows.
    """

    parts: Mapping[str, PartT]
    info: InfoT
    metrics: MetricSet
    sizes: Mapping[str, int]
    split_digest: str
    data_hash: str
    task_json: dict[str, Any]
    splits_json: dict[str, Any]
    splits_frame: pd.DataFrame
    run_fields: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    fitted: Any = None
    reference_predictions: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)


# ----------------------------------------------------------------------------- the contract
class Kind(abc.ABC, Generic[DataT, SplitsT, PartT, InfoT]):
    """A task kind. Subclass with its four types (``class TabularKind(Kind[TaskData, Splits,
    Matrix, FeatureInfo])``), fill the class attributes, implement the abstract methods."""

    #: Registry key, recorded in run.json ("tabular").
    name: ClassVar[str]
    #: Values of the spec's ``task.type`` this kind serves ("classification", "regression").
    task_types: ClassVar[tuple[str, ...]]
    #: Names of the built-in tasks (``--task NAME``), the first is the kind's default.
    builtin_tasks: ClassVar[tuple[str, ...]] = ()
    #: The three family slots, in report order.
    families: ClassVar[tuple[FamilyDecl, ...]]
    #: Keys of ``[task]`` this kind reads beyond the common ones (name, path, type, target,
    #: description, shift); anything else is rejected as unknown.
    task_keys: ClassVar[tuple[str, ...]] = ()
    #: Common ``[task]`` keys this kind does not read (text: features, categorical, drop):
    #: left out of the keys an unknown-key message lists.
    unused_task_keys: ClassVar[tuple[str, ...]] = ()
    #: Modules a worker process imports when it starts (model libraries, family modules), so
    #: that no unit pays for their import.
    worker_modules: ClassVar[tuple[str, ...]] = ()
    #: Words ``archbench init --task WORD`` answers to besides the built-in task names.
    init_words: ClassVar[tuple[str, ...]] = ()
    #: The word for one evaluation unit, singular and plural ("row", "rows").
    unit_word: ClassVar[tuple[str, str]] = ("row", "rows")
    #: ``seeds.vary = "model+data"`` is available: the kind implements ``bootstrap``.
    supports_data_bootstrap: ClassVar[bool] = False
    #: ``suite.normalise = "reference"``: the keys of task.json ``references`` whose row is 0 of
    #: a task's normalised score, in order of preference; empty: the kind has no such row.
    reference_zero: ClassVar[tuple[str, ...]] = ()
    #: Every reference row the kind's task.json may hold that ``suite.reference`` can name (0 of
    #: the normalised score for this kind's tasks); empty: ``reference_zero``.
    reference_rows: ClassVar[tuple[str, ...]] = ()
    #: The kind's tasks in the built-in suite; empty: its first built-in task (so a new kind
    #: joins the suite at once and the suite stays near 15 minutes on 2 cores).
    suite_tasks: ClassVar[tuple[str, ...]] = ()
    #: True when the kind honours ``split.max_train_steps`` (a cap on training steps, not rows).
    step_caps: ClassVar[bool] = False
    #: True when the kind honours ``split.group`` (a column whose groups stay in one split).
    groups_split: ClassVar[bool] = False
    #: ``"module:function"`` of the kind's commented specs (``variant -> str``) for
    #: ``archbench init --task`` with a word of ``init_words`` or a built-in task name; empty:
    #: the kind has none (or overrides :meth:`init_template`).
    spec_templates: ClassVar[str] = ""
    #: ``"module:attr"`` of the kind's presets table, preset name -> spec dict (see
    #: :meth:`presets`); empty: the kind overrides :meth:`presets`.
    preset_table: ClassVar[str] = ""

    # -- declaration -------------------------------------------------------------------------
    def fixed_params(self, spec: Spec, family: str) -> dict[str, Any]:
        """Settings of ``family`` that the spec fixes (not tuned): the ``[families.<name>]``
        keys the family declares, then the device and matrix precision for models that take
        them, then the table's ``params``."""
        decl = self.family(family)
        cls = decl.load(spec.families.gbdt_backend)
        s = spec.families.settings(family)
        out: dict[str, Any] = {}
        for key in decl.settings:
            if getattr(s, key):
                out[key] = getattr(s, key)
        if "device" in cls.fixed_keys:
            out["device"] = spec.device
        if "matmul_precision" in cls.fixed_keys and spec.matmul_precision != "highest":
            out["matmul_precision"] = spec.matmul_precision
        out.update(s.params)
        return out

    def family(self, name: str) -> FamilyDecl:
        """The family slot ``name``.

        Raises:
            ConfigError: unknown family, named with the kind's families.
        """
        for f in self.families:
            if f.name == name:
                return f
        raise ConfigError(
            f"unknown model family {name!r} for {self.name} tasks; the families are: "
            f"{', '.join(f.name for f in self.families)}"
        )

    @property
    def family_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.families)

    def model(self, family: str, backend: str = "") -> type[Model[PartT, InfoT]]:
        """The model class of ``family`` (``backend``: ``families.gbdt_backend``), typed to fit
        this kind's parts and info.

        Raises:
            ConfigError: unknown family or backend, or an optional backend not installed.
        """
        return cast("type[Model[PartT, InfoT]]", self.family(family).load(backend))

    def presets(self, preset: str) -> dict[str, Any]:
        """Spec overrides of ``preset`` ("quick", "default", "thorough") as a spec dict (a copy:
        the caller may change it); by default entry ``preset`` of the table ``preset_table``.

        The split caps, budget and ``[families.<name>]`` settings that make the preset fit its
        time goal on a 2-core CPU for this kind; the user's spec is applied on top.

        Raises:
            ConfigError: the kind declares no ``preset_table`` and does not override this.
        """
        if not self.preset_table:
            raise ConfigError(
                f"the {self.name} kind has no presets: set its preset_table or override presets()"
            )
        return copy.deepcopy(dict(import_target(self.preset_table)[preset]))

    def validate_spec(self, spec: Spec) -> None:
        """Cross-field checks of the spec for this kind; raise ConfigError naming the key."""

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric this kind can report (for suggestions in error messages)."""
        return ()

    @abc.abstractmethod
    def metric(self, name: str) -> MetricSpec:
        """The spec of metric ``name`` (any metric this kind can report).

        Raises:
            KeyError: unknown metric.
        """

    @abc.abstractmethod
    def metric_set(self, data: DataT, chosen: Sequence[str] = ()) -> MetricSet:
        """The run's metrics for the loaded task: the primary first, then ``chosen`` (or every
        metric that applies when empty).

        Raises:
            ConfigError: a chosen metric that does not apply, named with the ones that do.
        """

    # -- data ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def load(self, spec: Spec) -> DataT:
        """Load the task the spec describes (built-in or user file) with its ID and shift pools.

        Raises:
            DataError / ConfigError: one line naming the field and the fix.
        """

    @abc.abstractmethod
    def split(self, data: DataT, spec: Spec) -> SplitsT:
        """Split the ID pool into train/val/test and take the shift set; check for leakage.

        Raises:
            DataError: a split too small, duplicates across splits (when refused), ...
        """

    @abc.abstractmethod
    def prepare(self, data: DataT, splits: SplitsT, spec: Spec) -> Prepared[PartT, InfoT]:
        """Fit every preprocessing statistic on train only and build the four parts."""

    # -- workers ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def targets(self, part: PartT) -> np.ndarray:
        """The ``y_true`` the metric functions take for ``part``."""

    def subsample(self, part: PartT, n: int, seed: int, info: InfoT) -> PartT:
        """At most ``n`` units of the training part for tuning (same subsample for every
        family); ``n <= 0`` or a smaller part returns ``part`` unchanged."""
        return part

    def bootstrap(self, part: PartT, seed: int, info: InfoT) -> PartT:
        """A bootstrap resample of the training part (``seeds.vary = "model+data"``): as many
        units as ``part``, drawn with replacement from ``seed`` alone. Kinds whose units are
        dependent resample blocks. A kind that implements it sets ``supports_data_bootstrap``.

        Raises:
            ConfigError: the kind cannot redraw its training data (the default).
        """
        raise ConfigError(
            f'seeds.vary = "model+data" is not available for {self.name} tasks; use "model"'
        )

    # -- store and statistics --------------------------------------------------------------------
    @abc.abstractmethod
    def prediction_frame(self, split: str, part: PartT, pred: np.ndarray) -> pd.DataFrame:
        """Per-unit predictions of one seed on one part. Must hold ``split``, ``row_id`` (the
        unit id, unique within the part) and ``y_true``; the rest is the kind's."""

    @abc.abstractmethod
    def unit_arrays(
        self, frames: Sequence[pd.DataFrame], run: Mapping[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Back from stored predictions: one frame per seed (one family, one split, sorted
        by ``row_id``) -> unit ids ``(n,)``, ``y_true`` and predictions ``(n_seeds, n, ...)``
        in the layout the metrics' weighted forms take. ``run`` is run.json."""

    def draw_counts(
        self, rng: np.random.Generator, units: pd.DataFrame, size: int
    ) -> np.ndarray | None:
        """``(size, n)`` resampling weights of the ``n`` units of ``units`` (one split's
        prediction frame of one seed, sorted by ``row_id``), or ``None`` for the default: units
        drawn independently with replacement. Kinds whose units are dependent (overlapping
        forecast windows) draw blocks here."""
        return None

    def paired_row_test(
        self, units: pd.DataFrame, metric: str, y_true: np.ndarray, pred_a: np.ndarray,
        pred_b: np.ndarray, *, confidence: float,
    ) -> Any:  # fmt: skip
        """The kind's row-level test of A - B on ``metric`` over one split's units (``units``
        as in :meth:`draw_counts`; predictions ``(n_seeds, n, ...)``): an object with
        ``estimate``, ``p_value``, ``ci_low``/``ci_high``, ``se``, ``df``, ``too_short`` (too few
        independent units for inference: no difference is resolved) and the fields the report
        prints, e.g. :class:`archbench.stats.timeblocks.BatchMeans`. Where the metric is the
        mean of the tested loss it replaces the row bootstrap in the deciding test
        (``analysis_rowtest.combine``). Default ``None``: none."""
        return None

    def store_tables(
        self, predictions: pd.DataFrame, prepared: Prepared[PartT, InfoT]
    ) -> dict[str, pd.DataFrame]:
        """The kind's own tables in the run directory, file name -> frame (e.g. forecasting's
        ``horizon_errors.parquet``), derived from the assembled predictions (every family, seed
        and split) and the prepared task. Written after predictions.parquet on every run,
        resumed ones included, so they always agree with it. Default: none."""
        return {}

    # -- report ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def report(self) -> KindReport:
        """The kind's report parts (:class:`archbench.report.kindapi.KindReport`): data
        paragraphs, families paragraph, introduction, citations, figures and limitations."""

    # -- the user's first spec ------------------------------------------------------------------
    def init_template(self, variant: str) -> str | None:
        """A commented spec for ``archbench init --task <variant>``, or ``None`` when the kind
        does not answer to ``variant`` (a word of ``init_words`` or a built-in task name) or
        has no ``spec_templates``."""
        if not self.spec_templates or variant not in (*self.init_words, *self.builtin_tasks):
            return None
        return str(import_target(self.spec_templates)(variant))


#: A kind of any types: what the spine, the registry and the contract test hold.
AnyKind: TypeAlias = Kind[Any, Any, Any, Any]
