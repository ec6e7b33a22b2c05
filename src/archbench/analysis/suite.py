"""Statistics across the tasks of a suite directory: read each task's files, write two files.

Reads, per task directory: run.json (families, primary metric, direction), results.parquet
(family, seed, split, metric, value), summary.csv (per-seed means and intervals) and
comparisons.csv (the paired verdicts of every pair of families). Writes
``suite_summary.csv`` (task x family x split: mean, CI, normalised score) and
``suite_stats.json`` (the aggregates of :mod:`archbench.stats.aggregates`, ID test and shift set
separately). Every number of the suite report comes from these two files.

Families are matched across tasks by name when every task has the same ones, else by their
role in their kind (first: the MLP, second: the Transformer, third: the GBDT).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import archbench.stats.aggregates as ss
from archbench.analysis.normalise import DESCRIPTIONS, Normalised, SuiteScores, normalise_split
from archbench.engine.store import atomic_write_json, atomic_write_text
from archbench.errors import ConfigError, StoreError
from archbench.seeding import derive_seed

__all__ = ["SuiteScores", "analyze_suite", "load_suite_data", "split_aggregates"]


SPLITS = ("test", "shift")
ROLES = ("mlp", "transformer", "gbdt")
ROLE_LABELS = {"mlp": "MLP", "transformer": "Transformer", "gbdt": "GBDT"}
TAUS = np.linspace(-0.5, 1.5, 81)


def _read_run(task_dir: Path) -> dict[str, Any]:
    for f in ("run.json", "results.parquet", "summary.csv", "comparisons.csv", "stats.json"):
        if not (task_dir / f).exists():
            raise StoreError(
                f"{str(task_dir)!r} has no {f}: the task has not finished; run the suite again"
            )
    return dict(json.loads((task_dir / "run.json").read_text()))


def _family_keys(runs: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, str]], dict]:
    """Common family keys: names when all tasks share them, else kind roles."""
    from archbench.kinds import get_kind

    names = [tuple(r["families"]) for r in runs.values()]
    if all(set(n) == set(names[0]) for n in names):
        members = {t: {f: f for f in r["families"]} for t, r in runs.items()}
        first = next(iter(runs.values()))
        return members, {f: first["family_labels"].get(f, f) for f in first["families"]}
    members = {}
    for t, r in runs.items():
        order = get_kind(r["kind"]).family_names
        members[t] = {ROLES[order.index(f)]: f for f in r["families"] if order.index(f) < 3}
    return members, dict(ROLE_LABELS)


def load_suite_data(root: Path) -> SuiteScores:
    """Read every task directory listed in ``root/suite.json``."""
    suite = json.loads((root / "suite.json").read_text())
    tasks = list(suite["tasks"])
    runs = {t: _read_run(root / t) for t in tasks}
    members, labels = _family_keys(runs)
    common = [k for k in labels if all(k in members[t] for t in tasks)]
    if len(common) < 2:
        raise ConfigError(
            "the suite's tasks share fewer than two families; list families.names that every "
            "task's kind has, or leave families.names out"
        )
    raw: dict[str, np.ndarray] = {}
    for split in SPLITS:
        per_task = []
        for t in tasks:
            res = pd.read_parquet(root / t / "results.parquet")
            prim = runs[t]["primary_metric"]
            sel = res[(res.split == split) & (res.metric == prim)]
            if sel.empty:
                break
            wide = sel.pivot_table(index="seed", columns="family", values="value")
            per_task.append(wide[[members[t][k] for k in common]].to_numpy(float))
        if len(per_task) == len(tasks):
            n_seeds = min(a.shape[0] for a in per_task)
            raw[split] = np.stack([a[:n_seeds] for a in per_task])
    higher = [bool(runs[t]["higher_is_better"][runs[t]["primary_metric"]]) for t in tasks]
    return SuiteScores(tasks, common, {k: labels[k] for k in common}, members, runs, raw, higher)


def _verdicts(root: Path, data: SuiteScores, split: str) -> dict[str, list[float]]:
    """Per pair "a|b": per task +1 (a resolved better), -1 (b), 0 (not resolved), NaN (none).

    A task's verdict is its own: the ``all_pairs`` row of comparisons.csv for the primary
    metric, resolved when the task's declared test resolved it (its ``resolved`` column; older
    files: Holm p, else paired t p, below the task's alpha).
    """
    out: dict[str, list[float]] = {f"{a}|{b}": [] for a, b in combinations(data.families, 2)}
    for t, hib in zip(data.tasks, data.higher, strict=True):
        comp = pd.read_csv(root / t / "comparisons.csv")
        alpha = float(json.loads((root / t / "stats.json").read_text()).get("alpha", 0.05))
        prim = data.runs[t]["primary_metric"]
        c = comp[(comp.table == "all_pairs") & (comp.split == split) & (comp.metric == prim)]
        for a, b in combinations(data.families, 2):
            out[f"{a}|{b}"].append(_verdict(c, data.members[t][a], data.members[t][b], hib, alpha))
    return out


def _verdict(c: pd.DataFrame, fa: str, fb: str, hib: bool, alpha: float) -> float:
    """+1 / -1 / 0 / NaN for ``fa`` against ``fb`` from the rows ``c`` of comparisons.csv."""
    hit = c[((c.family_a == fa) & (c.family_b == fb)) | ((c.family_a == fb) & (c.family_b == fa))]
    if hit.empty:
        return float("nan")
    r = hit.iloc[0]
    if "resolved" in r.index and not pd.isna(r["resolved"]):
        # the task's own declared decision (confirmatory test, or Holm-gated secondary test)
        if not bool(r["resolved"]):
            return 0.0
    else:  # comparisons.csv written before rows carried their decision
        p = r.get("holm_pvalue")
        p = r.get("t_pvalue") if p is None or pd.isna(p) else p
        if p is None or pd.isna(p) or p >= alpha:
            return 0.0
    sign = 1.0 if r.family_a == fa else -1.0
    return float(np.sign(r.mean_diff * sign * (1 if hib else -1)))


def _bootstrap_aggregates(
    scores: np.ndarray, fams: list[str], split: str, settings: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """IQM intervals and profiles per family, P(a > b) per pair; seeds from the coordinates."""
    n_boot, seed = int(settings["n_boot"]), int(settings["seed"])

    def rng(*coords: str) -> np.random.Generator:
        return np.random.default_rng(derive_seed(seed, "suite", split, *coords))

    agg = {}
    enough = scores.shape[0] >= ss.MIN_TASKS_TASK_INTERVAL
    for j, f in enumerate(fams):
        s = ss.iqm_interval(scores[:, :, j], seed=rng("iqm", f), n_boot=n_boot)
        st = (
            ss.iqm_interval(scores[:, :, j], seed=rng("iqm_tasks", f), n_boot=n_boot, tasks=True)
            if enough
            else None  # too few tasks for the bootstrap over tasks: no interval
        )
        agg[f] = {
            "iqm": s.estimate,
            "ci_low": s.low,
            "ci_high": s.high,
            "ci_low_tasks": None if st is None else st.low,
            "ci_high_tasks": None if st is None else st.high,
            "mean": float(scores[:, :, j].mean()),
            "profile": ss.performance_profile(scores[:, :, j], TAUS).tolist(),
        }
    poi = []
    for a, b in combinations(range(len(fams)), 2):
        iv = ss.poi_interval(
            scores[:, :, a], scores[:, :, b], seed=rng("poi", fams[a], fams[b]), n_boot=n_boot
        )
        poi.append(
            {
                "a": fams[a],
                "b": fams[b],
                "estimate": iv.estimate,
                "ci_low": iv.low,
                "ci_high": iv.high,
            }
        )
    return agg, poi


def _rank_stats(
    means: np.ndarray, fams: list[str], alpha: float, seed: int, claim_alpha: float
) -> dict[str, Any]:
    """Friedman/Nemenyi, Wilcoxon-Holm, the claims beyond the tasks (at ``claim_alpha``) and
    the tasks-needed statement on ``means`` (T, K)."""
    rt = ss.friedman_test(means, True, alpha)
    perm_p, perm_how = ss.friedman_permutation_pvalue(means, True, seed=seed)
    order = np.argsort(rt.ranks, kind="stable")
    top, second = int(order[0]), int(order[1])
    diffs = means[:, top] - means[:, second]
    rank_test = asdict(rt)
    rank_test["ranks"] = dict(zip(fams, rt.ranks, strict=True))
    rank_test["permutation_pvalue"] = perm_p
    rank_test["permutation_method"] = perm_how
    rank_test["nemenyi_pairs"] = [
        {
            "a": fams[a],
            "b": fams[b],
            "rank_diff": abs(rt.ranks[a] - rt.ranks[b]),
            "significant": abs(rt.ranks[a] - rt.ranks[b]) > rt.cd,
        }
        for a, b in combinations(range(len(fams)), 2)
    ]
    wil = ss.wilcoxon_holm(means, alpha)
    cd_claim = ss.nemenyi_cd(len(fams), means.shape[0], claim_alpha)
    claims = ss.beyond_task_claims(wil, np.asarray(rt.ranks), cd_claim, perm_p, claim_alpha)
    return {
        "rank_test": rank_test,
        "wilcoxon_holm": [{**w, "a": fams[int(w["a"])], "b": fams[int(w["b"])]} for w in wil],
        "beyond_tasks": {
            "n_tasks": int(means.shape[0]),
            "task_interval": bool(means.shape[0] >= ss.MIN_TASKS_TASK_INTERVAL),
            "min_tasks_task_interval": ss.MIN_TASKS_TASK_INTERVAL,
            "claim_alpha": claim_alpha,
            "claims": [{"better": fams[a], "worse": fams[b], "test": how} for a, b, how in claims],
        },
        "power": {
            "a": fams[top],
            "b": fams[second],
            "rank_diff": rt.ranks[second] - rt.ranks[top],
            "tasks_needed_cd": ss.tasks_needed_cd(
                rt.ranks[second] - rt.ranks[top], len(fams), alpha
            ),
            "mean_norm_diff": float(diffs.mean()),
            "tasks_needed_wilcoxon": ss.tasks_needed_paired(diffs, alpha),
            "n_tasks": int(means.shape[0]),
        },
    }


def split_aggregates(
    scores: np.ndarray, fams: list[str], split: str, settings: dict[str, Any], n_splits: int = 2
) -> dict[str, Any]:
    """The aggregates of one split from its normalised scores alone (no task files): IQM and
    P(X > Y) with their intervals, the rank tests and the claims beyond these tasks.

    Args:
        scores: ``(n_tasks, n_seeds, n_families)`` normalised scores, higher = better.
        fams: family keys, one per column.
        settings: ``alpha``, ``n_boot`` and ``seed`` (the bootstrap seed), as suite.json.
        n_splits: the splits the suite makes claims on; claims beyond the tasks use
            ``alpha / n_splits`` (Bonferroni), so the suite's family of them holds ``alpha``.
    """
    agg, poi = _bootstrap_aggregates(scores, fams, split, settings)
    means = scores.mean(axis=1)  # (T, K) normalised task means
    return {
        "n_tasks": int(scores.shape[0]),
        "n_seeds": int(scores.shape[1]),
        "aggregate": agg,
        "probability_of_improvement": poi,
        **_rank_stats(
            means,
            fams,
            float(settings["alpha"]),
            derive_seed(int(settings["seed"]), "suite", split, "friedman"),
            float(settings["alpha"]) / max(1, n_splits),
        ),
    }


def _split_stats(
    root: Path, data: SuiteScores, split: str, settings: dict[str, Any], norm: Normalised
) -> dict:
    """Every aggregate of one split (``test`` or ``shift``), as suite_stats.json stores it."""
    scores = norm.scores
    fams = data.families
    means = scores.mean(axis=1)  # (T, K) normalised task means
    verdicts = _verdicts(root, data, split)
    return {
        **split_aggregates(scores, fams, split, settings, len(data.raw)),
        "win_tie_loss": {
            k: dict(zip(("win", "tie", "loss"), ss.win_tie_loss(np.array(v)), strict=True))
            for k, v in verdicts.items()
        },
        "verdicts": verdicts,
        "task_means_normalised": {
            t: dict(zip(fams, means[i].tolist(), strict=True)) for i, t in enumerate(data.tasks)
        },
    }


def _flips(root: Path, data: SuiteScores, norms: dict[str, Normalised]) -> dict[str, Any]:
    """Ranking changes between the ID test set and the shift set, per task and in total."""
    if "test" not in norms or "shift" not in norms:
        return {"available": False}
    id_m = norms["test"].scores.mean(axis=1)
    sh_m = norms["shift"].scores.mean(axis=1)
    # Normalised per split, so both orders read "higher = better" whatever the metric.
    fs = ss.ranking_flips(id_m, sh_m, True)
    per_task: dict[str, dict[str, Any]] = {}
    for i, t in enumerate(data.tasks):
        stats = json.loads((root / t / "stats.json").read_text())
        rf = stats.get("ranking_flip") or {}
        if isinstance(rf, list):
            rf = rf[0] if rf else {}
        per_task[t] = {
            "top_id": data.families[int(np.argmax(id_m[i]))],
            "top_shift": data.families[int(np.argmax(sh_m[i]))],
            "top_changed": fs.top_changed[i],
            "pairs_swapped": fs.pairs_swapped[i],
            "kendall_tau": fs.kendall_tau[i],
            "top_two_flip_resolved": bool(rf.get("flip_resolved", False)),
        }
    return {
        "available": True,
        "per_task": per_task,
        "n_top_changed": int(sum(fs.top_changed)),
        "n_any_swap": int(sum(n > 0 for n in fs.pairs_swapped)),
        "n_resolved_flips": int(sum(v["top_two_flip_resolved"] for v in per_task.values())),
        "n_tasks": len(data.tasks),
    }


def _directions(data: SuiteScores, mode: str) -> dict[str, Any]:
    prim = {t: data.runs[t]["primary_metric"] for t in data.tasks}
    mixed = len(set(data.higher)) > 1
    desc = ", ".join(
        f"{t}: {prim[t]} ({'higher' if h else 'lower'} is better)"
        for t, h in zip(data.tasks, data.higher, strict=True)
    )
    if mixed and mode == "same":  # caught when the suite is loaded unless a task's metric
        # could only be known from its run
        raise ConfigError(
            f"the tasks' primary metrics differ in direction ({desc}); set "
            'suite.directions = "normalised" to compare them through normalised scores and ranks'
        )
    return {
        "primary_metric": prim,
        "higher_is_better": dict(zip(data.tasks, data.higher, strict=True)),
        "mixed": mixed,
    }


def _summary_rows(root: Path, data: SuiteScores, norms: dict[str, Normalised]) -> pd.DataFrame:
    """task x family x split rows: raw mean and CI of the primary metric, normalised too,
    and what 0 of the normalised score is (``zero``: worst_family or the reference row)."""
    rows = []
    for split in SPLITS:
        if split not in norms:
            continue
        norm = norms[split]
        scores = norm.scores
        for i, t in enumerate(data.tasks):
            summ = pd.read_csv(root / t / "summary.csv")
            prim = data.runs[t]["primary_metric"]
            for j, k in enumerate(data.families):
                fam = data.members[t][k]
                r = summ[(summ.family == fam) & (summ.split == split) & (summ.metric == prim)]
                r0 = r.iloc[0] if not r.empty else None
                lo, hi = (None, None) if r0 is None else norm.interval(i, r0.ci_low, r0.ci_high)
                rows.append(
                    {
                        "task": t,
                        "kind": data.runs[t]["kind"],
                        "family": k,
                        "task_family": fam,
                        "split": split,
                        "metric": prim,
                        "higher_is_better": data.higher[i],
                        "n": int(scores.shape[1]),
                        "mean": float(data.raw[split][i, :, j].mean()),
                        "ci_low": None if r0 is None else r0.ci_low,
                        "ci_high": None if r0 is None else r0.ci_high,
                        "norm_mean": float(scores[i, :, j].mean()),
                        "norm_ci_low": lo,
                        "norm_ci_high": hi,
                        "zero": norm.zeros[i].source,
                        "zero_value": norm.zeros[i].value,
                    }
                )
    return pd.DataFrame(rows)


def analyze_suite(root: Path) -> dict[str, Any]:
    """Write ``suite_summary.csv`` and ``suite_stats.json`` for the suite in ``root``."""
    root = Path(root)
    settings = json.loads((root / "suite.json").read_text())
    data = load_suite_data(root)
    directions = _directions(data, settings.get("directions", "normalised"))
    mode = settings.get("normalise", "worst")
    chosen = str(settings.get("reference") or "")
    norms = {s: normalise_split(root, data, s, mode, chosen) for s in SPLITS if s in data.raw}
    summary = _summary_rows(root, data, norms)
    atomic_write_text(root / "suite_summary.csv", summary.to_csv(index=False))
    out: dict[str, Any] = {
        "name": settings.get("name", "suite"),
        "tasks": data.tasks,
        "kinds": {t: data.runs[t]["kind"] for t in data.tasks},
        "families": data.families,
        "family_labels": data.labels,
        "members": data.members,
        "directions": directions,
        "alpha": settings["alpha"],
        "n_boot": settings["n_boot"],
        "boot_seed": settings["seed"],
        "normalise": mode,
        "normalisation": DESCRIPTIONS[mode],
        "zeros": {
            s: {t: asdict(z) for t, z in zip(data.tasks, n.zeros, strict=True)}
            for s, n in norms.items()
        },
        "profile_taus": TAUS.tolist(),
        "splits": {s: _split_stats(root, data, s, settings, n) for s, n in norms.items()},
        "ranking_flips": _flips(root, data, norms),
    }
    atomic_write_json(root / "suite_stats.json", out)
    return out
