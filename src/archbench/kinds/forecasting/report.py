"""The forecasting kind's parts of the report: the forecasting setup (horizon, context, origins,
windows per split), the shift, the reference rows, how the families are built, and figures of
the error by horizon step and of forecasts on one shift-set window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.kinds.common.prose import kind_bib, pytorch_adamw
from archbench.kinds.forecasting.ets import KEY as ETS_KEY
from archbench.kinds.forecasting.ets import LABEL as ETS_LABEL
from archbench.kinds.forecasting.references import REFERENCES
from archbench.report.document import Block, Figure, Paragraph, Spans, spans
from archbench.report.fmt import count, plural
from archbench.report.prose import cite as _c
from archbench.report.prose import hashes_as_code, sentence, spec_value
from archbench.report.rundata import RunData

#: statsforecast's ETS fits no seasonal component for a season longer than this
#: (``statsforecast/ets.py``), so the row is non-seasonal there.
ETS_MAX_SEASON = 24

CITATIONS = frozenset(
    {
        "nie2023patchtst", "challu2023nhits", "oreshkin2020nbeats", "zeng2023transformers",
        "hyndman2006another", "makridakis2022m5", "kunsch1989jackknife", "kim2022reversible",
        "ke2017lightgbm", "paszke2019pytorch", "loshchilov2019decoupled",
    }
)  # fmt: skip


def _num(x: Any, d: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return f"{v:.{d}f}" if np.isfinite(v) else "n/a"


FREQ_WORDS = {
    "min": "every minute", "h": "hourly", "D": "daily", "B": "on business days", "W": "weekly",
    "MS": "monthly", "ME": "monthly", "M": "monthly", "QS": "quarterly", "QE": "quarterly",
}  # fmt: skip


def _sig(x: Any) -> str:
    """Three significant digits."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return f"{v:.3g}" if np.isfinite(v) else "n/a"


def _covariates(known: list[str], observed: list[str], limit: int) -> str:
    """ " Covariates known in advance: a, b; observed up to the origin: c." (names cut at
    ``limit``, counts only at 0)."""
    parts = []
    for label, names in (("known in advance", known), ("observed up to the origin", observed)):
        if not names:
            continue
        shown = ", ".join(map(str, names[:limit])) + (" ..." if len(names) > limit else "")
        parts.append(f"{label}: {shown}" if limit else f"{len(names)} {label}")
    return " Covariates " + "; ".join(parts) + "." if parts else ""


def _cut(value: Any) -> str:
    """A split time as the report writes it: ``1981-11-14`` at midnight, ``2013-06-01 06:00``
    otherwise, an integer step as it is."""
    text = str(value if value is not None else "n/a")[:16].replace("T", " ")
    return text[:10] if text.endswith(" 00:00") else text


def _setup(run: RunData, compact: int) -> Spans:
    t, sp = run.task, run.splits
    sizes = sp.get("sizes") or {}
    cuts = sp.get("cuts") or {}
    limit = 6 if compact < 1 else 3 if compact < 3 else 0
    cov = _covariates(t.get("known") or [], t.get("observed") or [], limit)
    why = (
        " (contexts may reach into earlier periods, which a deployed forecaster also sees)"
        if compact < 3
        else ""
    )
    freq = str(t.get("frequency", "n/a"))
    when = "on integer time steps" if freq == "1" else FREQ_WORDS.get(freq, f"at frequency {freq}")
    season = int(t.get("season") or 1)
    when += f" (season {season})" if season > 1 else " (no season: the seasonal naive is naive)"
    return spans(
        f"{len(t.get('series') or [])} series of {t.get('target', 'n/a')} {when}"
        f"{_left_out_words(t)}. "
        f"Each forecast reads {plural(t.get('context'), 'step')} and predicts the next "
        f"{t.get('horizon')} directly.{cov} "
        "Splits are temporal: the ID range is cut at "
        f"{_cut(cuts.get('val_start'))} and {_cut(cuts.get('test_start'))} "
        "into training, validation and test periods; a window belongs to the split that holds "
        f"its whole target, so no target of one split is a target of another{why}. "
        "Evaluation origins every "
        f"{plural(t.get('stride'), 'step')}{_phase_words(t, season)}, training origins every "
        f"{plural(t.get('train_stride'), 'step')}: "
        f"{_windows_word(t, sizes, 'train')} training, {_windows_word(t, sizes, 'val')} "
        f"validation, {_windows_word(t, sizes, 'test')} test and "
        f"{_windows_word(t, sizes, 'shift')} shift windows{_cap_words(t)}.",
    )


def _left_out_words(t: dict[str, Any]) -> str:
    """The series in no split (too short a history before the validation period), counted."""
    left = t.get("series_left_out") or []
    if not left:
        return ""
    return (
        f"; {count(len(left))} of them, with fewer than context + horizon steps before the "
        "validation period, are in no split (no training window, no training-period scale)"
    )


def _windows_word(t: dict[str, Any], sizes: dict[str, Any], split: str) -> str:
    """``"4,000"`` or, under a cap, ``"4,000 of 1,260,000"``."""
    per = (t.get("windows") or {}).get(split) or {}
    used, avail = sizes.get(split), per.get("available")
    if isinstance(used, int) and isinstance(avail, int) and avail > used:
        return f"{count(used)} of {count(avail)}"
    return count(used)


def _cap_words(t: dict[str, Any]) -> str:
    """Why some splits hold fewer windows than they could, when a cap bit."""
    win = t.get("windows") or {}
    if not any((v.get("available") or 0) > (v.get("used") or 0) for v in win.values()):
        return ""
    train = win.get("train") or {}
    steps, values = train.get("max_steps"), train.get("max_values")
    bit = (train.get("available") or 0) > (train.get("used") or 0)
    longer = ""
    if steps and bit:
        longer = (
            f"; training windows of {count(train.get('window_steps'))} steps are capped at "
            f"{count(train.get('cap'))} by a cap of {count(steps)} window steps, so that long "
            "windows cost what the preset budgets"
        )
    elif values and bit:
        longer = (
            f"; training windows of {count(train.get('window_values'))} values (steps times "
            f"{count(train.get('channels'))} channels: the target and its covariates) are capped "
            f"at {count(train.get('cap'))} by a cap of {count(values)} window values, so that "
            "many covariates cost what the preset budgets"
        )
    return (
        " (where fewer than available: a seeded draw under the preset's caps, across series and "
        "time for training, with equal quotas per phase of the season for evaluation; the same "
        f"windows for every family and seed{longer})"
    )


def _phase_words(t: dict[str, Any], season: int) -> str:
    """``" (40-41 test origins per phase of the season)"``; empty without a season."""
    test = ((t.get("origins_per_phase") or {}).get("test")) or []
    if season <= 1 or not test:
        return ""
    moved = (
        f"moved from {t.get('stride_requested')} to visit every phase of the season; "
        if t.get("stride_requested") not in (None, t.get("stride"))
        else ""
    )
    lo, hi = min(test), max(test)
    per = f"{lo}" if lo == hi else f"{lo}-{hi}"
    return f" ({moved}{per} test origins per phase of the season)"


def _shift(run: RunData, compact: int) -> Spans:
    t = run.task
    sh = t.get("shift") or {}
    prof = pd.DataFrame(t.get("shift_profile") or [])
    text = f"Shift set: {sentence(str(sh.get('description') or sh.get('kind', '')))}"
    text += _held_out(run)
    if compact < 4 and not prof.empty and {"train", "shift"} <= set(prof["period"]):
        g = prof.groupby("period")[["mean", "std", "seasonal_amplitude"]].mean()
        text += (
            f" Mean level {_sig(g.loc['train', 'mean'])} in the training period and "
            f"{_sig(g.loc['shift', 'mean'])} in the shift period (standard deviation "
            f"{_sig(g.loc['train', 'std'])} and {_sig(g.loc['shift', 'std'])}"
        )
        if int(t.get("season") or 1) > 1 and compact < 2:
            text += (
                f"; range of the mean seasonal cycle {_sig(g.loc['train', 'seasonal_amplitude'])}"
                f" and {_sig(g.loc['shift', 'seasonal_amplitude'])}"
            )
        text += "; means over series)."
    if compact >= 3:
        return spans(text)
    return spans(
        text,
        " Scaling statistics (level, spread, the MASE scale) come from each series' training "
        "period only; the networks also normalise each window (RevIN ",
        _c("kim2022reversible"),
        ").",
    )


def _reference_values(run: RunData) -> list[tuple[str, str, dict[str, Any]]]:
    """``(key, label, {split: metrics})`` of each reference row of task.json, in the order
    naive, seasonal naive, AutoETS."""
    refs = run.task.get("references") or {}
    out = []
    for ref, label in {**REFERENCES, ETS_KEY: ETS_LABEL}.items():
        entry = refs.get(ref)
        if isinstance(entry, dict) and entry:
            out.append((ref, str(entry.get("label") or label), entry.get("metrics", entry)))
    return out


def _ets_text(run: RunData) -> str:
    """How the AutoETS row was fitted, or the note saying why it is left out."""
    entry = (run.task.get("references") or {}).get(ETS_KEY)
    if isinstance(entry, dict):
        season = int(run.task.get("season") or 1)
        chosen = (
            "error, trend and season chosen per series by AICc"
            if 1 < season <= ETS_MAX_SEASON
            else "error and trend chosen per series by AICc; no seasonal component, since "
            f"statsforecast fits none for a season of {season} steps"
            + (f" (above {ETS_MAX_SEASON})" if season > ETS_MAX_SEASON else "")
        )
        return (
            f" AutoETS (statsforecast; {chosen}) is "
            f"fitted on the last {count(entry.get('fit_length'))} training steps of each "
            "series; its parameters then stay fixed and its states are filtered forward to each "
            "origin, so it reads only the past of each origin."
        )
    note = str(run.task.get("reference_note") or "")
    return " " + sentence(note[:1].upper() + note[1:]) if note else ""


def _mase_scale(run: RunData) -> str:
    """The MASE scale in one sentence, with seasonal naive's own test MASE as the example."""
    per = dict((k, v) for k, _, v in _reference_values(run))
    base = per.get("seasonal_naive") or per.get("naive") or {}
    own = _num((base.get("test") or {}).get("mase"))
    which = "seasonal naive" if "seasonal_naive" in per else "naive"
    return (
        "MASE's scale is fixed per series: the in-sample MAE of the seasonal naive forecast over "
        "the training period, so below 1 beats that in-sample error, and a seasonal naive "
        f"forecast of a later period can score above 1 (the {which} scores {own} on the test "
        "windows here)"
    )


def _references(run: RunData, compact: int = 0) -> Spans:
    """The reference rows' MASE, how AutoETS was fitted (dropped from compaction level 5) and
    the MASE scale (one short sentence from level 5)."""
    parts = []
    for ref, label, per in _reference_values(run):
        vals = "/".join(_num((per.get(s) or {}).get("mase")) for s in ("val", "test", "shift"))
        parts.append(f"{label.lower() if ref in REFERENCES else label} {vals}")
    return spans(
        "MASE of the reference forecasts on the same windows (validation/test/shift): "
        + "; ".join(parts)
        + ".",
        _ets_text(run) if compact < 5 else "",
        " ",
        _mase_scale(run)
        if compact < 5
        else "MASE is scaled per series by the training period's in-sample seasonal-naive MAE",
        " ",
        _c("hyndman2006another"),
        ".",
    )


def _held_out(run: RunData) -> str:
    """What the shift set holds out: the series of a groups shift (count and a few names) and
    the shift period, from task.json and splits.json."""
    sh = run.task.get("shift") or {}
    series = [str(x) for x in sh.get("series") or []]
    cuts = run.splits.get("cuts") or {}
    lo, hi = cuts.get("shift_min"), cuts.get("shift_max")
    parts = []
    if series:
        shown = ", ".join(series[:4]) + (f" and {len(series) - 4} more" if len(series) > 4 else "")
        n = len(series)
        parts.append(f"{n} series never seen in training ({shown})")
    if lo and hi:
        where = "over the ID test period" if sh.get("kind") == "groups" else "over the period"
        parts.append(f"{where if series else 'the period'} {_cut(lo)} to {_cut(hi)}")
    return " Held out: " + ", ".join(parts) + "." if parts else ""


def _data(run: RunData, compact: int) -> Spans:
    t = run.task
    user_intro = bool(str(spec_value(run, "report", "introduction") or "").strip())
    shown = (t.get("notes") or [])[: 3 if compact < 2 else 1 if compact < 4 else 0]
    notes = " ".join(sentence(str(n)[:1].upper() + str(n)[1:]) for n in shown)
    return spans(
        sentence(str(t.get("description", ""))) + " " if user_intro else "",
        "Source: ",
        hashes_as_code(
            sentence(f"{t.get('provenance', 'not recorded')} (licence {t.get('licence', 'n/a')})")
        ),
        " ",
        notes,
    )


class ForecastReport:
    """The report parts of the forecasting kind (see archbench.report.kindparts.KindReport)."""

    citations: frozenset[str] = CITATIONS

    def data_blocks(self, run: RunData, compact: int) -> list[Block]:
        blocks: list[Block] = [
            Paragraph(_data(run, compact), lead="Data."),
            Paragraph(_setup(run, compact), lead="Forecasting setup."),
            Paragraph(_shift(run, compact), lead="Shift."),
        ]
        blocks.append(Paragraph(_references(run, compact), lead="Reference rows."))
        return blocks

    def families_text(self, run: RunData) -> Spans:
        return spans(
            "The MLP is an N-HiTS-style stack of residual blocks with multi-rate pooling ",
            _c("challu2023nhits", "oreshkin2020nbeats"),
            "; the Transformer is PatchTST ",
            _c("nie2023patchtst"),
            pytorch_adamw(
                " (patches, channel independence, RevIN; the paper's small-data configuration as "
                "the first trial); both are trained in "
            ),
            ". GBDT is LightGBM ",
            _c("ke2017lightgbm"),
            " on lags, rolling statistics and calendar features of each window, one direct "
            "model for all horizon steps. All three stop early on the validation MASE.",
        )

    def introduction_context(self, run: RunData) -> Spans:
        return spans(
            "Gradient-boosted trees on lag features won the M5 forecasting competition ",
            _c("makridakis2022m5"),
            ", deep MLP forecasters such as N-BEATS and N-HiTS ",
            _c("oreshkin2020nbeats", "challu2023nhits"),
            " and patch-based Transformers ",
            _c("nie2023patchtst"),
            " report strong results on public benchmarks, and simple linear and naive forecasts "
            "remain hard to beat ",
            _c("zeng2023transformers"),
            ". Forecast windows overlap and errors are autocorrelated, so comparisons resample "
            "blocks of forecast origins rather than single windows ",
            _c("kunsch1989jackknife"),
            ", and a model tuned on one period may rank differently on a later one.",
        )

    def bib(self) -> str:
        return kind_bib("archbench.kinds.forecasting")

    def figures(self, run: RunData, compact: int) -> list[Figure]:
        from archbench.kinds.forecasting.report_figures import figures

        return figures(run, compact)

    def draw(self, run: RunData, out_dir: Path) -> list[Path]:
        from archbench.kinds.forecasting.report_figures import draw

        return draw(run, out_dir)

    def limitations(self, run: RunData) -> list[str]:
        return []
