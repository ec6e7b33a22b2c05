"""The tabular kind's parts of the report: data, split and preprocessing paragraphs, how the
families are trained, and the opening of the introduction, with their citations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archbench.kinds.common.groups import groups_text
from archbench.kinds.common.imbalanced import IMBALANCED_METRICS
from archbench.kinds.common.prose import pytorch_adamw, split_sizes
from archbench.kinds.common.rare import base_rate_text, majority_accuracy_notes
from archbench.report.document import Block, Code, Figure, Paragraph, Spans, spans
from archbench.report.fmt import count
from archbench.report.prose import cite as _c
from archbench.report.prose import gbdt_backend, hashes_as_code, sentence, spec_value
from archbench.report.rundata import RunData, finite


def _backend(run: RunData) -> tuple[str, str]:
    """Display name and citation key of the run's GBDT backend, from the family declaration."""
    from archbench.kinds.tabular.families import FAMILIES

    backends = {f.name: f for f in FAMILIES}["gbdt"].backends
    b = backends.get(gbdt_backend(run)) or backends["lightgbm"]
    return b.label, b.cite


def _names(names: list[str], limit: int = 10) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _data_paragraphs(run: RunData, compact: int) -> list[Block]:
    task, sp = run.task, run.splits
    feats = task.get("features") or {}
    prep = task.get("preprocessing") or {}
    numeric = list(prep.get("numeric_used") or feats.get("numeric") or [])
    categorical = list(prep.get("categorical_used") or feats.get("categorical") or [])
    classes = [str(c) for c in (run.run.get("class_names") or task.get("classes") or [])]
    target = f"Target: {task.get('target', 'n/a')} ({task.get('task_type', '')}"
    target += f", classes {', '.join(classes)})." if classes else ")."
    notes = [sentence(str(n)) for n in task.get("notes") or []]
    if compact >= 1 and len(notes) > 2:
        notes = [*notes[:2], f"{len(notes) - 2} more notes in task.json."]
    # The description opens the generated introduction; repeat it only after a user-written one.
    limit = 10 if compact < 3 else 6 if compact < 6 else 3
    user_intro = bool(str(spec_value(run, "report", "introduction") or "").strip())
    dropped = prep.get("dropped_features") or sp.get("dropped_features") or []
    drop_txt = (
        "Dropped features: " + "; ".join(f"{c} ({why})" for c, why in dropped) + "."
        if dropped
        else ""
    )
    data = spans(
        sentence(str(task.get("description", ""))) + " " if user_intro else "",
        "Source: ",
        hashes_as_code(
            sentence(
                f"{task.get('provenance', 'not recorded')} (licence "
                f"{task.get('licence', 'not recorded')})"
            )
        ),
        " ",
        target,
        f" Features: {len(numeric)} numeric ({_names(numeric, limit)}) and {len(categorical)} "
        f"categorical ({_names(categorical, limit)}). ",
        " ".join(notes),
        " ",
        drop_txt,
    )
    split_txt = split_sizes(task, sp, "rows")
    balance = sp.get("class_balance") or {}
    if classes and balance.get("train"):
        pos = classes[-1]
        shares = ", ".join(
            f"{name} {float(balance[s].get(pos, 0)):.1%}"
            for s, name in (("train", "train"), ("test", "ID test"), ("shift", "shift"))
            if s in balance
        )
        split_txt += f" Share of class {pos}: {shares}."
    imbalanced = any(m in IMBALANCED_METRICS for m in run.metrics)
    split_txt += groups_text(sp) + _split_notes(sp) + shift_size_text(task, imbalanced)
    if sp.get("hash"):
        split_txt += " The row ids per split are hashed (sha256, first 16 hex digits "
    split = spans(
        split_txt,
        Code(str(sp.get("hash", ""))[:16]) if sp.get("hash") else None,
        ")." if sp.get("hash") else None,
    )
    transform = str(
        prep.get("numeric_transform") or spec_value(run, "split", "numeric_transform") or "quantile"
    )
    how = (
        "mapped to a normal distribution by a quantile transform "
        if transform == "quantile"
        else "standardised "
    )
    prepro = spans(
        "Fitted on the training split only: numeric features are median-imputed and, for the "
        f"neural networks, {how}",
        _c("pedregosa2011scikit"),
        "; GBDT sees the raw values. "
        "Categorical features are coded by the training categories (missing and unseen "
        "categories share one code), embedded by the neural networks and used as native "
        "categoricals by GBDT.",
        _references_text(run),
    )
    return [
        Paragraph(data, lead="Data."),
        Paragraph(split, lead="Splits and shift."),
        Paragraph(prepro, lead="Preprocessing."),
    ]


def _references_text(run: RunData) -> str:
    """What the reference rows are (task.json ``references``), with the chosen strength."""
    refs = run.task.get("references") or {}
    linear = refs.get("linear") or {}
    if not refs:
        return ""
    trivial = (refs.get("trivial") or {}).get("label", "the trivial answer")
    params = ", ".join(f"{k} = {v:g}" for k, v in (linear.get("params") or {}).items())
    lin = (
        f" and {str(linear['label']).lower()} on the neural networks' numeric features with "
        f"one-hot categoricals ({params}, chosen on validation)"
        if linear
        else ""
    )
    return (
        f" Reference rows, one fit each without tuning budget: {str(trivial).lower()} (no "
        f"feature){lin}."
    )


def _split_notes(sp: dict[str, Any]) -> str:
    notes = [sentence(str(n)) for n in sp.get("notes") or []]
    return (" " + " ".join(notes)) if notes else ""


def shift_size_text(task: dict[str, Any], imbalanced: bool = False) -> str:
    """ " A domain classifier ... ROC-AUC 0.94 [0.93, 0.94] ...": how big the shift is (task.json
    ``shift_profile``) and the label shift (with the base rate when ``imbalanced`` metrics are
    reported or a positive class is set), or "" for runs without a profile."""
    prof = task.get("shift_profile") or {}
    dom = prof.get("domain_auc") or {}
    est = finite(dom.get("estimate"))
    if est is None:
        return ""
    lo, hi = finite(dom.get("ci_low")), finite(dom.get("ci_high"))
    ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
    rows = dom.get("rows") or {}
    txt = (
        f" How big is the shift: a domain classifier (LightGBM, 5-fold) tells the "
        f"{count(rows.get('shift'))} shift rows from {count(rows.get('test'))} ID test rows with "
        f"ROC-AUC {est:.3f}{ci} (0.5: no detectable covariate shift)"
    )
    top = [d for d in prof.get("drivers") or [] if (finite(d.get("gain_share")) or 0) >= 0.1]
    if top and est >= 0.6:
        txt += "; it relies most on " + ", ".join(
            f"{d['feature']} ({float(d['gain_share']):.0%} of its gain)" for d in top[:3]
        )
    return txt + "." + _label_shift_text(prof.get("label_shift") or {}, task, imbalanced)


def _label_shift_text(ls: dict[str, Any], task: dict[str, Any], imbalanced: bool) -> str:
    if ls.get("kind") == "target mean and SD":
        a, b = ls.get("test") or {}, ls.get("shift") or {}
        smd = finite(ls.get("standardised_mean_difference"))
        return (
            f" Label shift: target mean {float(a.get('mean', 0)):.4g} (SD "
            f"{float(a.get('sd', 0)):.3g}) on ID test, {float(b.get('mean', 0)):.4g} (SD "
            f"{float(b.get('sd', 0)):.3g}) on shift"
            + (f", a difference of {smd:+.2f} ID-test SDs." if smd is not None else ".")
        )
    return base_rate_text(task, imbalanced)


class TabularReport:
    """The report parts of the tabular kind (see archbench.report.kindparts.KindReport)."""

    citations: frozenset[str] = frozenset(
        {
            "gorishniy2021revisiting",
            "ke2017lightgbm",
            "chen2016xgboost",
            "prokhorenkova2018catboost",
            "paszke2019pytorch",
            "pedregosa2011scikit",
            "loshchilov2019decoupled",
            "grinsztajn2022why",
            "gardner2023tableshift",
        }
    )

    def data_blocks(self, run: RunData, compact: int) -> list[Block]:
        return _data_paragraphs(run, compact)

    def families_text(self, run: RunData) -> Spans:
        name, cite = _backend(run)
        return spans(
            "The MLP and the FT-Transformer ",
            _c("gorishniy2021revisiting"),
            pytorch_adamw(" are trained in "),
            f" and early stopping on the validation set; GBDT uses {name} ",
            _c(cite),
            " with early stopping on the same set.",
        )

    def introduction_context(self, run: RunData) -> Spans:
        return spans(
            "Gradient-boosted decision trees remain strong on tabular data ",
            _c("grinsztajn2022why"),
            ", while deep models such as the MLP and the FT-Transformer ",
            _c("gorishniy2021revisiting"),
            " are competitive when tuned with "
            "comparable effort. Such comparisons are sensitive to the tuning budget, the number "
            "of random seeds and the choice of test set ",
            _c("bouthillier2021accounting", "dror2018hitchhiker"),
            ", and a model chosen on in-distribution data may rank differently after a shift in "
            "the data distribution ",
            _c("koh2021wilds", "gardner2023tableshift"),
            ".",
        )

    def bib(self) -> str:
        return ""

    def limitations(self, run: RunData) -> list[str]:
        """Reviewer warnings for the limitations paragraph (see :func:`review_warnings`)."""
        return review_warnings(run)

    def figures(self, run: RunData, compact: int) -> list[Figure]:
        return []

    def draw(self, run: RunData, out_dir: Path) -> list[Path]:
        return []


def review_warnings(run: RunData) -> list[str]:
    """Sentences a reviewer would add: task.json ``warnings`` (leaking features, a feature that
    encodes the shift rule) and families whose mean validation score is near the metric's limit
    (the target may leak into the features)."""
    from archbench.kinds.tabular.profile import NEAR_PERFECT

    out = [sentence(str(w)[:1].upper() + str(w)[1:]) for w in run.task.get("warnings") or []]
    out += majority_accuracy_notes(run)
    for m in run.metrics:
        limit = NEAR_PERFECT.get(m)
        if limit is None:
            continue
        high = []
        for f in run.families:
            row = run.summary_row(f, "val", m) or {}
            v = finite(row.get("mean"))
            if v is not None and v >= limit:
                high.append(f"{run.label(f)} {v:.4f}")
        if high:
            out.append(
                f"Validation {run.metric_label(m)} is suspiciously close to perfect "
                f"({', '.join(high)}; above {limit:g}): check that no feature carries the target."
            )
    return out
