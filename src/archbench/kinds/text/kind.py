"""The text-classification kind: documents with a label, an ID pool and a shifted domain.

Families: an MLP over sparse TF-IDF n-grams, a Transformer encoder over subword tokens (from
scratch, or a pretrained checkpoint), LightGBM on the sparse TF-IDF matrix. Units are texts;
the paired bootstrap draws texts independently. Every vocabulary, tokenizer and IDF weight is
fitted on the training split only, inside each family's ``fit``. ``prepare`` also fits the two
reference rows (TF-IDF + logistic regression, majority class) and computes the text statistics
(length, vocabulary, out-of-vocabulary rate, ID-vs-shift n-grams); both go into task.json.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from archbench.errors import ConfigError, DataError
from archbench.kinds.base import SPLIT_NAMES, FamilyDecl, Kind, Prepared
from archbench.kinds.common import labelframes, rare
from archbench.kinds.metric import MetricSet, MetricSpec
from archbench.kinds.text.families import _MODELS, FAMILIES
from archbench.kinds.text.metrics import METRICS, available, metric_set

if TYPE_CHECKING:
    from archbench.kinds.text.data import TextData, TextInfo, TextPart, TextSettings
    from archbench.kinds.text.splits import TextSplits
    from archbench.report.kindapi import KindReport
    from archbench.spec.model import Spec

log = logging.getLogger(__name__)

BUILTIN = "clothing_reviews"
TASK_TYPE = "text_classification"


class TextKind(Kind["TextData", "TextSplits", "TextPart", "TextInfo"]):
    """Text classification (built-in: clothing_reviews; user files: CSV/TSV/Parquet)."""

    name: ClassVar[str] = "text"
    task_types: ClassVar[tuple[str, ...]] = (TASK_TYPE,)
    builtin_tasks: ClassVar[tuple[str, ...]] = (BUILTIN,)
    families: ClassVar[tuple[FamilyDecl, ...]] = FAMILIES
    task_keys: ClassVar[tuple[str, ...]] = (
        "text",
        "separator",
        "positive_class",
        "max_empty_fraction",
        "primary_metric",
        "min_positives",
    )
    unused_task_keys: ClassVar[tuple[str, ...]] = ("features", "categorical", "drop")
    worker_modules: ClassVar[tuple[str, ...]] = (
        "torch",
        "lightgbm",
        "sklearn",
        "tokenizers",
        f"{_MODELS}._torch",
    )
    init_words: ClassVar[tuple[str, ...]] = ("text",)
    supports_data_bootstrap: ClassVar[bool] = True
    #: TF-IDF + logistic regression.
    reference_zero: ClassVar[tuple[str, ...]] = ("tfidf_logreg",)
    reference_rows: ClassVar[tuple[str, ...]] = ("tfidf_logreg",)
    suite_tasks: ClassVar[tuple[str, ...]] = (BUILTIN,)
    unit_word: ClassVar[tuple[str, str]] = ("text", "texts")
    groups_split: ClassVar[bool] = True
    spec_templates: ClassVar[str] = "archbench.kinds.text.templates:spec_template"
    preset_table: ClassVar[str] = "archbench.kinds.text.presets:PRESETS"

    # -- declaration ---------------------------------------------------------------------------
    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(METRICS)

    def metric(self, name: str) -> MetricSpec:
        return METRICS[name]

    def metric_set(self, data: TextData | int, chosen: Sequence[str] = ()) -> MetricSet:
        """The metrics of the task (or of a class count, the suite's stand-in for the data)."""
        n_classes = data if isinstance(data, int) else len(data.classes)
        every = available(n_classes)
        for m in chosen:
            if m not in every:
                raise ConfigError(
                    f"metrics: {m!r} does not apply to a task with {n_classes} classes; "
                    f"use some of {', '.join(every.names)}"
                )
        return every.select(chosen or metric_set(n_classes).names)

    def validate_spec(self, spec: Spec) -> None:
        """The text keys of ``[task]`` and every family's fixed settings (``max_length``,
        ``pretrained``, ...), checked before anything is loaded or written."""
        _settings(spec)
        rare.validate_options(spec.task.options, self)
        for name in spec.families.names:
            model = self.family(name).load()(**self.fixed_params(spec, name))
            p = model.check_params()  # type: ignore[attr-defined]
            if p.get("tokenizer") == "wordpiece" and not p.get("pretrained"):
                log.warning(
                    'families.%s tokenizer = "wordpiece": the tokenizers library learns a '
                    "WordPiece vocabulary in hash order, so it (and this family's numbers) can "
                    'differ between two runs of the same spec; "bpe" (the default) is '
                    "reproducible",
                    name,
                )
        for key in ("features", "categorical", "drop"):
            if getattr(spec.task, key):
                raise ConfigError(
                    f"task.{key} is a table-task key; text tasks read task.text (the text "
                    "column or columns) and task.target"
                )

    # -- data ----------------------------------------------------------------------------------
    def load(self, spec: Spec) -> TextData:
        from archbench.kinds.text.data import load_user_text
        from archbench.kinds.text.tasks import SHIFT
        from archbench.kinds.text.tasks import load as load_builtin

        settings = _settings(spec)
        if spec.task.is_builtin:
            if spec.task.name != BUILTIN:
                raise ConfigError(f"task.name {spec.task.name!r} is not a built-in text task")
            data = load_builtin(settings, spec.task.shift or SHIFT)
        else:
            data = load_user_text(
                spec.task.path,
                settings,
                spec.task.shift,
                given=spec.task.given_path,
                description=spec.task.description,
            )
        # the positive class is last already; this refuses an imbalanced-label metric for
        # more than two classes without task.positive_class (as tables do)
        rare.order_classes(data.classes, spec.task.options, spec.metrics, data.target)
        return data

    def split(self, data: TextData, spec: Spec) -> TextSplits:
        from archbench.kinds.common.groups import group_codes
        from archbench.kinds.text.splits import split_text

        sp = spec.split
        caps = {s: getattr(sp, f"max_{s}_rows") for s in SPLIT_NAMES}
        requested = rare.rare_requested(spec.metrics, spec.task.options)
        groups = None
        if sp.group:
            groups = group_codes(
                data.columns,
                sp.group,
                data.name if spec.task.is_builtin else spec.task.path,
                not_allowed=(*data.text_columns, data.target),
            )
        splits = split_text(
            data,
            val_fraction=sp.val_fraction,
            test_fraction=sp.test_fraction,
            seed=sp.seed,
            caps=caps,
            focus=rare.focus_class(data.labels[data.id_mask], data.n_classes, requested),
            groups=groups,
            group_column=sp.group,
        )
        for s in SPLIT_NAMES:
            if splits.sizes[s] < sp.min_rows:
                raise DataError(
                    f"the {s} split has {splits.sizes[s]:,} texts, fewer than split.min_rows = "
                    f"{sp.min_rows}; add data, change the shift rule or lower split.min_rows"
                )
        y = {s: data.labels[splits.rows[s]] for s in SPLIT_NAMES}
        rare.check_positives(y, data.classes, spec.task.options, spec.metrics, unit="texts")
        return splits

    def prepare(
        self, data: TextData, splits: TextSplits, spec: Spec
    ) -> Prepared[TextPart, TextInfo]:
        from archbench.kinds.text.data import TextInfo
        from archbench.kinds.text.prepare import text_statistics

        parts = {s: splits.part(data, s) for s in SPLIT_NAMES}
        info = TextInfo(data.classes)
        y = {s: parts[s].y for s in SPLIT_NAMES}
        rates = rare.base_rates(y, data.n_classes)
        metrics = rare.run_metrics(
            self.metric_set(data, spec.metrics),
            available(data.n_classes),
            spec.task.options,
            rates,
            data.classes[-1],
            f"a text task with {data.n_classes} classes",
        )
        frame = pd.concat(
            [pd.DataFrame({"row_id": parts[s].row_id, "split": s}) for s in SPLIT_NAMES],
            ignore_index=True,
        )
        digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        stats = text_statistics({s: parts[s].texts for s in SPLIT_NAMES})
        task_json = _task_json(data)
        task_json["text_statistics"] = {s: vars(v) for s, v in stats.splits.items()}
        task_json["discriminative_ngrams"] = stats.discriminative
        ref_preds: dict[str, dict[str, np.ndarray]] = {}
        task_json["references"] = _references(parts, info, metrics, spec.split.seed, ref_preds)
        task_json["positive_class"] = rare.positive_class_json(
            data.classes, spec.task.options, rates
        )
        task_json["warnings"] = _rare_warnings(data, y, spec)
        for w in task_json["warnings"]:
            log.warning("%s", w)
        man = splits.manifest(data)
        man.update(sizes=dict(splits.sizes), hash=digest)
        man["class_balance"] = {
            s: {c: n / max(sum(cnt.values()), 1) for c, n in cnt.items()}
            for s, cnt in man["class_counts"].items()
        }
        return Prepared(
            parts=parts,
            info=info,
            metrics=metrics,
            sizes=dict(splits.sizes),
            split_digest=digest,
            data_hash=_data_hash(data),
            task_json=task_json,
            splits_json=man,
            splits_frame=frame,
            run_fields={"n_classes": info.n_classes, "class_names": list(info.classes)},
            data=data,
            reference_predictions=ref_preds,
        )

    # -- workers ---------------------------------------------------------------------------------
    def targets(self, part: TextPart) -> np.ndarray:
        return part.y

    def subsample(self, part: TextPart, n: int, seed: int, info: TextInfo) -> TextPart:
        """A seeded, label-stratified subsample of ``n`` texts."""
        return part.subsample(n, seed)

    def bootstrap(self, part: TextPart, seed: int, info: TextInfo) -> TextPart:
        """Texts drawn with replacement within each class (``seeds.vary = "model+data"``)."""
        return part.bootstrap(seed)

    # -- store and statistics --------------------------------------------------------------------
    def prediction_frame(self, split: str, part: TextPart, pred: np.ndarray) -> pd.DataFrame:
        """``split, row_id, y_true, y_pred`` (the argmax) and ``p_0 .. p_{K-1}``."""
        assert part.row_id is not None  # TextPart fills it
        return labelframes.prediction_frame(split, part.row_id, part.y, pred)

    def unit_arrays(
        self, frames: Sequence[pd.DataFrame], run: Mapping[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return labelframes.unit_arrays(
            frames, probabilities=True, labels=True, what="texts or labels"
        )

    # -- report ----------------------------------------------------------------------------------
    def report(self) -> KindReport:
        from archbench.kinds.text.report import TextReport

        return TextReport()


def _settings(spec: Spec) -> TextSettings:
    """The text settings of the spec: the built-in's, overridden by the spec's keys."""
    from archbench.kinds.text.data import TextSettings
    from archbench.kinds.text.tasks import SETTINGS

    table: dict[str, Any] = dict(spec.task.options)
    if spec.task.target:
        table["target"] = spec.task.target
    if spec.task.is_builtin:
        table.setdefault("text", list(SETTINGS.text))
        table.setdefault("target", SETTINGS.target)
    elif "text" not in table:
        raise ConfigError('task.text is missing: name the text column, e.g. text = "review"')
    return TextSettings.from_table(table)


def _task_json(data: TextData) -> dict[str, Any]:
    return {
        "name": data.name,
        "title": data.title,
        "description": data.description,
        "provenance": data.provenance,
        "licence": data.licence,
        "target": data.target,
        "task_type": TASK_TYPE,
        "classes": list(data.classes),
        "text": {"columns": list(data.text_columns), "separator": data.separator},
        "shift": {"description": data.shift_description},
        "notes": list(data.notes),
        "rows": data.rows,
    }


def _data_hash(data: TextData) -> str:
    h = hashlib.sha256()
    for t in data.texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    for arr in (data.labels, data.id_mask, data.shift_mask):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _references(
    parts: Mapping[str, TextPart],
    info: TextInfo,
    metrics: MetricSet,
    seed: int,
    predictions: dict[str, dict[str, np.ndarray]] | None = None,
) -> dict[str, Any]:
    """Reference rows fitted on train (C of the logistic regression chosen on val);
    ``predictions`` receives their ``(n, K)`` probabilities per split."""
    from archbench.kinds.text.references import references

    out: dict[str, Any] = {}
    for ref in references(parts["train"], parts["val"], info, seed=seed):
        preds = {s: ref.predict(parts[s]) for s in ("val", "test", "shift")}
        # calibrated metrics (F1 at the validation threshold) take their state from val
        states = metrics.calibrate(parts["val"].y, preds["val"])
        scores = {}
        for s, pred in preds.items():
            at = states if s != "val" else {}
            scores[s] = {
                m.name: float(m.value(parts[s].y, pred, at.get(m.name))) for m in metrics.specs
            }
            if predictions is not None:
                predictions.setdefault(ref.name, {})[s] = pred
        out[ref.name] = {"label": ref.label, "params": ref.params, "metrics": scores}
    return out


def _rare_warnings(data: TextData, y: Mapping[str, np.ndarray], spec: Spec) -> list[str]:
    """A rare class without task.positive_class, and evaluation sets with under 100 texts of
    the class of interest (the rules tables follow, ``kinds/common/rare.py``)."""
    o = spec.task.options
    y_id = data.labels[data.id_mask]
    out = [w for w in [rare.minority_warning(y_id, data.classes, o, unit="texts")] if w]
    focus = rare.focus_class(y_id, data.n_classes, rare.rare_requested(spec.metrics, o))
    if focus is not None:
        out += rare.few_positives(y, data.classes[focus], focus, unit="texts")
    return out
