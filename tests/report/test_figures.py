"""Figures: each function draws on a given axes from run-directory tables, readable in print."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import archbench.report.figures as fg

matplotlib.use("Agg")
import matplotlib.pyplot as plt

FAMS = ["mlp", "ft_transformer", "gbdt"]
LABELS = {"mlp": "MLP", "ft_transformer": "FT-Transformer", "gbdt": "GBDT"}


def _tables(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, summ, trials = [], [], []
    for k, fam in enumerate(FAMS):
        for split, base in (("test", 0.72), ("shift", 0.69)):
            v = base + 0.01 * k + rng.normal(0, 0.003, 5)
            rows += [
                {
                    "family": fam,
                    "seed": i,
                    "split": split,
                    "metric": "roc_auc",
                    "value": float(v[i]),
                }
                for i in range(5)
            ]
            h = 2.776 * v.std(ddof=1) / np.sqrt(5)
            summ.append(
                {
                    "family": fam,
                    "split": split,
                    "metric": "roc_auc",
                    "n": 5,
                    "mean": v.mean(),
                    "sd": v.std(ddof=1),
                    "ci_low": v.mean() - h,
                    "ci_high": v.mean() + h,
                }
            )
        for n in range(8):
            state = "FAIL" if (fam == "mlp" and n == 3) else "COMPLETE"
            trials.append(
                {
                    "family": fam,
                    "number": n,
                    "state": state,
                    "value": None if state == "FAIL" else 0.7 + rng.random() * 0.02,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(summ), pd.DataFrame(trials)


@pytest.mark.parametrize("higher", [True, False])
def test_best_so_far_is_monotone_and_skips_missing(higher: bool) -> None:
    vals = np.array([np.nan, 0.3, 0.1, np.nan, 0.5, 0.2])
    run = fg.best_so_far(vals, higher_is_better=higher)
    assert np.isnan(run[0])
    finite = run[1:]
    assert np.all(np.diff(finite) >= 0) if higher else np.all(np.diff(finite) <= 0)
    assert finite[-1] == (0.5 if higher else 0.1)


def test_seed_scores_draws_every_seed_and_interval() -> None:
    results, summary, _ = _tables()
    with fg.style():
        fig, ax = plt.subplots()
        out = fg.seed_scores(
            ax,
            results,
            summary,
            split="test",
            metric="roc_auc",
            families=FAMS,
            labels=LABELS,
            metric_label="ROC-AUC",
        )
    assert out is ax
    dots = sum(len(c.get_offsets()) for c in ax.collections)
    assert dots == 5 * len(FAMS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["GBDT", "FT-Transformer", "MLP"]
    lo = summary[(summary.family == "mlp") & (summary.split == "test")]["ci_low"].iloc[0]
    xs = np.concatenate([ln.get_xdata() for ln in ax.lines])
    assert np.isclose(xs, lo).any()
    plt.close(fig)


def test_id_vs_shift_and_tuning_curves_have_one_entry_per_family() -> None:
    results, summary, trials = _tables()
    with fg.style():
        fig, (a1, a2) = plt.subplots(1, 2)
        fg.id_vs_shift(
            a1,
            results,
            summary,
            metric="roc_auc",
            families=FAMS,
            labels=LABELS,
            metric_label="ROC-AUC",
        )
        fg.tuning_curves(
            a2, trials, families=FAMS, labels=LABELS, higher_is_better=True, metric_label="ROC-AUC"
        )
    for ax in (a1, a2):
        assert [t.get_text() for t in ax.get_legend().get_texts()] == list(LABELS.values())
    # The tuning curve of each family ends at its best completed trial.
    for line, fam in zip(a2.lines, FAMS, strict=True):
        best = trials[(trials.family == fam) & (trials.state == "COMPLETE")]["value"].max()
        assert line.get_ydata()[-1] == pytest.approx(best)
    plt.close(fig)


def test_saved_pdf_embeds_truetype_not_type3_and_text_is_print_size(tmp_path: Path) -> None:
    _, _, trials = _tables()
    with fg.style():
        fig, ax = plt.subplots(figsize=(fg.TEXT_WIDTH_IN / 2, 2))
        fg.tuning_curves(
            ax,
            trials,
            families=FAMS,
            labels=LABELS,
            higher_is_better=True,
            metric_label="ROC-AUC",
            title="Tuning",
        )
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        path = fg.save(fig, tmp_path / "f.pdf")
    assert min(sizes) >= 7.0
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/Type3" not in data
    assert b"/FontFile2" in data  # TrueType embedded


def test_style_uses_the_agg_backend_and_times_like_font() -> None:
    assert matplotlib.get_backend().lower() == "agg"
    with fg.style():
        assert matplotlib.rcParams["font.serif"][0] == "STIXGeneral"
        assert matplotlib.rcParams["pdf.fonttype"] == 42
