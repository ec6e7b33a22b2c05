"""Suite reports name the scope of their aggregates and claim nothing beyond their tasks under
a null (issue 23, point 2): simulated suites through the public functions, every sentence and
caption of the generated document checked. The larger run is benchmarks/suite_null_claims.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import archbench.stats.aggregates as ss
from archbench.analysis.suite import split_aggregates
from archbench.report.document import plain_text
from archbench.report.suite.content import _task_table, beyond_sentence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import suite_null_claims as sim


def test_detector_flags_the_unscoped_wording_and_passes_scoped_or_negated_ones() -> None:
    old = (
        "MLP 0.88 [0.81, 0.96]; Transformer 0.67 [0.53, 0.79]. MLP beats Transformer with "
        "probability 0.62 [0.52, 0.70]. The best family on the shift set differs from the best "
        "on the ID test set in 3 of 4 tasks."
    )
    found = sim.beyond_claims(sim.re.split(r"(?<=[.])\s+(?=[A-Z])", old), 4)
    assert len(found) == 2
    ok = [
        "On these 4 tasks, MLP beats Transformer with probability 0.62 [0.52, 0.70].",
        "Beyond these tasks, no family is resolved against another by the rank tests.",
        "By point estimates alone, which no test backs, the best family differs in 3.",
    ]
    assert sim.beyond_claims(ok, 4) == []
    assert sim.beyond_claims(["On these 5 tasks, MLP beats GBDT."], 4) != []


@pytest.mark.parametrize("null", ["equal", "cancel"])
def test_null_suites_claim_nothing_beyond_their_tasks(null: str) -> None:
    reps = 30
    suites_claiming, seed_disjoint = 0, 0
    for r in range(reps):
        d = sim.suite_document_data(null, 4, 5, 1000 + r, n_boot=200)
        suites_claiming += bool(sim.beyond_claims(sim.document_sentences(d), 4))
        seed_disjoint += sim.seed_only_signals(d)[0]
    assert suites_claiming <= 0.06 * reps
    if null == "cancel":  # the seed-only intervals separate the families on these tasks
        assert seed_disjoint >= 0.5 * reps


def test_a_family_better_on_every_task_is_still_claimed() -> None:
    hits = 0
    for r in range(10):
        d = sim.suite_document_data("better", 10, 5, 2000 + r, n_boot=200)
        found = sim.beyond_claims(sim.document_sentences(d), 10)
        hits += any("MLP ranks above" in s for s in found)
        assert not any("ranks above MLP" in s for s in found)
    assert hits >= 8


def test_task_redrawing_interval_only_from_enough_tasks() -> None:
    rng = np.random.default_rng(3)
    settings = {"alpha": 0.05, "n_boot": 200, "seed": 1}
    for n_tasks in (ss.MIN_TASKS_TASK_INTERVAL - 1, ss.MIN_TASKS_TASK_INTERVAL):
        scores = ss.normalise_scores(rng.normal(size=(n_tasks, 5, 3)), True)
        agg = split_aggregates(scores, sim.FAMS, "test", settings)
        lows = [a["ci_low_tasks"] for a in agg["aggregate"].values()]
        enough = n_tasks >= ss.MIN_TASKS_TASK_INTERVAL
        assert all((v is not None) == enough for v in lows)
        assert agg["beyond_tasks"]["task_interval"] is enough
        assert agg["beyond_tasks"]["claim_alpha"] == pytest.approx(0.025)


def test_claims_follow_holm_p_and_gated_nemenyi() -> None:
    wil = [
        {"a": 0, "b": 1, "median_diff": -0.3, "holm_pvalue": 0.01},
        {"a": 0, "b": 2, "median_diff": 0.2, "holm_pvalue": 0.30},
        {"a": 1, "b": 2, "median_diff": 0.2, "holm_pvalue": 0.30},
    ]
    ranks = np.array([2.9, 1.0, 2.1])
    got = ss.beyond_task_claims(wil, ranks, cd=1.5, friedman_p=0.2, alpha=0.05)
    assert got == []  # Friedman does not reject: no post-hoc claim
    assert ss.beyond_task_claims(wil, ranks, cd=1.5, friedman_p=float("nan")) == []
    got = ss.beyond_task_claims(wil, ranks, cd=1.5, friedman_p=0.01, alpha=0.05)
    assert got == [(1, 0, "Wilcoxon-Holm")]  # 1 vs 2 differ by 1.1 < CD
    got = ss.beyond_task_claims(wil, ranks, cd=1.0, friedman_p=0.01, alpha=0.05)
    assert got == [(1, 0, "Wilcoxon-Holm"), (1, 2, "Nemenyi")]


def test_per_task_bold_follows_the_tasks_declared_test() -> None:
    d = sim.suite_document_data("cancel", 4, 5, 11, n_boot=200)
    st = d.stats["splits"]["test"]
    tasks = d.stats["tasks"]
    for split in ("test", "shift"):  # no task resolved anything: nothing bold
        v = d.stats["splits"][split]["verdicts"]
        for key in v:
            v[key] = [0.0] * len(tasks)
    body = _task_table(d).body
    assert not any(c.bold for row in body for c in row.cells)
    # resolve task0's best against its runner-up only
    sub = d.summary[(d.summary.split == "test") & (d.summary.task == "task0")]
    order = sub.sort_values("norm_mean", ascending=False).family.tolist()
    best, second = order[0], order[1]
    key = f"{best}|{second}" if f"{best}|{second}" in st["verdicts"] else f"{second}|{best}"
    st["verdicts"][key][0] = 1.0 if key.startswith(best) else -1.0
    bold = [
        (plain_text(row.cells[0].spans), i)
        for row in _task_table(d).body
        for i, c in enumerate(row.cells)
        if c.bold
    ]
    assert bold == [("task0", 2 + sim.FAMS.index(best))]


def test_shift_changes_count_resolved_ones_and_word_point_estimates() -> None:
    d = sim.suite_document_data("equal", 4, 5, 5, n_boot=200)
    fl = d.stats["ranking_flips"]
    fl.update(n_top_changed=3, n_resolved_flips=0)
    text = " ".join(sim.document_sentences(d))
    assert "paired tests resolve (the top two swap, both differences resolved) occurs in 0" in text
    assert "By point estimates alone, which no test backs, the highest mean differs in 3" in text


def test_beyond_sentence_and_terminal_name_the_scope(tmp_path: Path) -> None:
    from io import StringIO

    from rich.console import Console

    from archbench.cli.show import print_suite

    d = sim.suite_document_data("better", 10, 5, 2000, n_boot=200)
    assert beyond_sentence(d, "test").startswith("Beyond these tasks, by the tests")
    (tmp_path / "suite_stats.json").write_text(json.dumps(d.stats | {"family_labels": sim.LABELS}))
    buf = StringIO()
    print_suite(Console(file=buf, width=200), tmp_path)
    out = buf.getvalue()
    assert "on these 10 tasks" in out and "not the tasks" in out
    assert "beyond these tasks (ID test): MLP ranks above" in out
