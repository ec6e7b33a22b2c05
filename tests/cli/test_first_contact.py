"""First contact with a user table (issue 15): row-id columns, duplicated column names, the
file's name and hash, the shift profile and reviewer warnings (each where it applies and not
elsewhere), the positive class and the positives every split needs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archbench.errors import ConfigError, DataError
from archbench.kinds import kind_of
from archbench.kinds.tabular.tasks.user import identifies_rows
from archbench.spec.load import spec_from_dict


def _frame(n: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.choice(["x", "y", "z"], size=n),
            "c": rng.normal(size=n),
            "grp": rng.choice(["p", "q", "r"], size=n),
        }
    )
    df["y"] = df["a"] + 0.5 * (df["b"] == "x") + rng.normal(size=n)
    return df


def _prepare(path: Path, **task: object):
    raw = {
        "path": str(path),
        "type": "regression",
        "target": "y",
        "shift": {"kind": "groups", "column": "grp", "values": ["r"]},
        **task,
    }
    spec = spec_from_dict({"task": raw, "split": {"min_rows": 20}}, preset="quick")
    kind = kind_of(spec)
    data = kind.load(spec)
    splits = kind.split(data, spec)
    return data, kind.prepare(data, splits, spec)


def test_row_ids_are_excluded_with_a_note_and_kept_on_request(tmp_path: Path) -> None:
    df = _frame()
    df.insert(0, "row", np.arange(len(df)))
    df.insert(1, "code", [f"17-{i:06d}" for i in range(len(df))])
    df.to_csv(tmp_path / "t.csv", index=False)
    data, _ = _prepare(tmp_path / "t.csv")
    assert "row" not in data.features and "code" not in data.features
    note = next(n for n in data.notes if "identify rows" in n)
    assert "'row', 'code'" in note and "task.keep_ids" in note
    data, _ = _prepare(tmp_path / "t.csv", keep_ids=["code"])
    assert "code" in data.features and "row" not in data.features


def test_row_names_of_a_filtered_file_are_row_ids(tmp_path: Path) -> None:
    """A file written from a filtered frame keeps its row names (rising, with gaps) as a column
    ("Unnamed: 0"); they identify rows as consecutive numbers do."""
    full = _frame(1400, seed=3)
    kept = full[np.random.default_rng(4).random(len(full)) < 0.7]
    assert kept.index[0] > 0 and np.diff(kept.index).max() > 1  # gaps: not consecutive
    kept.to_csv(tmp_path / "f.csv")  # index=True, as pandas writes by default
    data, _ = _prepare(tmp_path / "f.csv")
    assert "Unnamed: 0" not in data.features
    note = next(n for n in data.notes if "identifies rows" in n)
    assert "'Unnamed: 0'" in note and "rising with the row order" in note
    data, _ = _prepare(tmp_path / "f.csv", keep_ids=["Unnamed: 0"])
    assert "Unnamed: 0" in data.features
    # the same numbers out of row order, or repeated, describe rows rather than name them
    names = pd.Series(kept.index.to_numpy(), name="n")
    assert identifies_rows(names)
    assert not identifies_rows(names.sample(frac=1.0, random_state=0))
    assert not identifies_rows(pd.Series(np.sort(np.r_[names.to_numpy(), 5]), name="n"))


def test_ordinary_columns_are_not_row_ids() -> None:
    rng = np.random.default_rng(0)
    assert not identifies_rows(pd.Series(rng.normal(size=500), name="x"))  # continuous
    assert not identifies_rows(pd.Series(rng.integers(0, 50, 500), name="id"))  # repeats
    assert not identifies_rows(pd.Series(rng.choice(["a", "b"], 500), name="s"))
    assert identifies_rows(pd.Series(rng.permutation(500) + 7, name="n"))  # a row number
    assert identifies_rows(pd.Series(rng.permutation(10**6)[:500], name="customer_id"))
    assert not identifies_rows(pd.Series(rng.permutation(10**6)[:500], name="income"))


def test_duplicated_column_names_are_renamed_with_a_note(tmp_path: Path) -> None:
    df = _frame()
    text = df.to_csv(index=False).replace("a,b,c,grp,y", "a,b,a,grp,y", 1)
    (tmp_path / "d.csv").write_text(text)
    data, _ = _prepare(tmp_path / "d.csv")
    assert "a.1" in data.features
    assert any("'a' occurs 2 times" in n and "'a.1'" in n for n in data.notes)


def test_report_names_the_file_and_its_hash_never_the_folder(tmp_path: Path) -> None:
    _frame().to_csv(tmp_path / "t.csv", index=False)
    data, prepared = _prepare(tmp_path / "t.csv")
    digest = hashlib.sha256((tmp_path / "t.csv").read_bytes()).hexdigest()
    assert data.provenance.startswith("user file t.csv (")
    assert digest in data.provenance
    assert str(tmp_path) not in str(prepared.task_json)


def test_no_warnings_and_no_separation_where_nothing_applies(tmp_path: Path) -> None:
    _frame().to_csv(tmp_path / "t.csv", index=False)
    _, prepared = _prepare(tmp_path / "t.csv", drop=["grp"])
    prof = prepared.task_json["shift_profile"]
    dom = prof["domain_auc"]
    assert dom["ci_low"] <= dom["estimate"] <= dom["ci_high"]
    assert dom["estimate"] < 0.65  # a random group: no detectable covariate shift
    assert prof["separating"] == []
    assert prepared.task_json["warnings"] == []
    assert prof["label_shift"]["kind"] == "target mean and SD"


def test_a_leaking_sum_and_a_shift_encoding_feature_are_named(tmp_path: Path) -> None:
    df = _frame()
    rng = np.random.default_rng(1)
    df["casual"] = rng.gamma(2.0, 10.0, size=len(df))
    df["registered"] = rng.gamma(3.0, 20.0, size=len(df))
    df["y"] = df["casual"] + df["registered"]
    df["year"] = np.where(df["grp"] == "r", 2012, 2011) + 0.0
    df.to_csv(tmp_path / "bike.csv", index=False)
    _, prepared = _prepare(tmp_path / "bike.csv")
    warnings = prepared.task_json["warnings"]
    leak = [w for w in warnings if "linear combination" in w]
    assert len(leak) == 1 and "'casual'" in leak[0] and "'registered'" in leak[0]
    assert "'a'" not in leak[0]
    sep = [w for w in warnings if "alone separate" in w]  # one sentence names both features
    assert len(sep) == 1 and "'year'" in sep[0] and "'grp'" in sep[0]
    assert prepared.task_json["shift_profile"]["domain_auc"]["estimate"] > 0.99
    # a groups rule: the shift holds groups training never saw, not an extrapolation
    assert "new groups of 'year', 'grp'" in sep[0] and "extrapolation along" not in sep[0]


def test_an_ordered_rule_column_is_an_extrapolation(tmp_path: Path) -> None:
    _frame().to_csv(tmp_path / "t.csv", index=False)
    quantile = {"kind": "quantile", "column": "c", "quantile": 0.7}
    _, prepared = _prepare(tmp_path / "t.csv", shift=quantile)
    (sep,) = [w for w in prepared.task_json["warnings"] if "alone separates" in w]
    assert "feature 'c' alone" in sep and "extrapolation along 'c'" in sep
    assert "new groups" not in sep


def test_one_feature_copying_a_class_target_is_named(tmp_path: Path) -> None:
    df = _frame()
    df["label"] = np.where(df["a"] + df["c"] > 0.3, "yes", "no")  # 'a' informs, 'copy' leaks
    df["copy"] = np.where(df["label"] == "yes", "Y", "N")
    df = df.drop(columns=["y"])
    df.to_csv(tmp_path / "c.csv", index=False)
    _, prepared = _prepare(tmp_path / "c.csv", type="classification", target="label")
    warnings = prepared.task_json["warnings"]
    assert any("feature 'copy' alone predicts" in w for w in warnings)
    assert not any("'a' alone predicts" in w for w in warnings)


def _imbalanced(tmp_path: Path, rate: float, n: int = 3000) -> Path:
    df = _frame(n)
    rng = np.random.default_rng(2)
    df["fraud"] = np.where(rng.random(n) < rate * (1 + (df["a"] > 1)), "fraud", "ok")
    df.drop(columns=["y"]).to_csv(tmp_path / "f.csv", index=False)
    return tmp_path / "f.csv"


def test_positive_class_goes_last_and_primary_metric_leads(tmp_path: Path) -> None:
    path = _imbalanced(tmp_path, 0.05)
    data, prepared = _prepare(
        path,
        type="classification",
        target="fraud",
        positive_class="fraud",
        primary_metric="average_precision",
    )
    assert data.classes == ("ok", "fraud")
    assert prepared.metrics.primary.name == "average_precision"
    assert "roc_auc" in prepared.metrics and "f1_at_val" not in prepared.metrics
    assert "base rate of class 'fraud'" in prepared.metrics["average_precision"].note
    pos = prepared.task_json["positive_class"]
    assert pos["label"] == "fraud" and 0.03 < pos["base_rate"]["train"] < 0.15


def test_too_few_positives_stop_with_the_split_named(tmp_path: Path) -> None:
    path = _imbalanced(tmp_path, 0.004)
    with pytest.raises(DataError, match=r"positive class 'fraud'.*task.min_positives"):
        _prepare(path, type="classification", target="fraud", positive_class="fraud")
    _prepare(path, type="classification", target="fraud", positive_class="fraud", min_positives=1)


def test_imbalanced_settings_are_checked(tmp_path: Path) -> None:
    path = _imbalanced(tmp_path, 0.05)
    with pytest.raises(DataError, match="not a class"):
        _prepare(path, type="classification", target="fraud", positive_class="spam")
    _frame().to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ConfigError, match="classification tasks only"):
        _prepare(tmp_path / "t.csv", positive_class="x")
    with pytest.raises(ConfigError, match="primary_metric 'average_precison' is unknown"):
        _prepare(tmp_path / "t.csv", primary_metric="average_precison")
    with pytest.raises(ConfigError, match="min_positives"):
        _prepare(tmp_path / "t.csv", min_positives=0)


def test_an_interaction_only_a_model_sees_is_flagged(tmp_path: Path) -> None:
    df = _frame(1500)
    df["label"] = np.where((df["a"] > 0) == (df["c"] > 0), "same", "diff")  # no feature alone
    df.drop(columns=["y"]).to_csv(tmp_path / "x.csv", index=False)
    _, prepared = _prepare(tmp_path / "x.csv", type="classification", target="label")
    warnings = prepared.task_json["warnings"]
    assert not any("alone predicts" in w for w in warnings)
    quick = [w for w in warnings if "quick LightGBM" in w]
    assert len(quick) == 1 and "'a'" in quick[0] and "'c'" in quick[0]


def test_imbalanced_run_end_to_end(tmp_path: Path) -> None:
    """A tiny run with average precision as the primary metric and F1 at the validation
    threshold: the test F1 uses the threshold of the same seed's validation predictions."""
    import json

    import archbench.cli as cli
    import archbench.kinds.common.imbalanced as im

    path = _imbalanced(tmp_path, 0.06, n=2500)
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'metrics = ["f1_at_val", "recall_at_1pct_fpr"]\n[task]\npath = "{path.name}"\n'
        'target = "fraud"\ntype = "classification"\npositive_class = "fraud"\n'
        'primary_metric = "average_precision"\n'
        '[task.shift]\nkind = "groups"\ncolumn = "grp"\nvalues = ["r"]\n'
        "[budget]\ntrials = 1\nbatch = 1\nstartup_trials = 1\n[seeds]\ncount = 2\n"
        '[families]\nnames = ["mlp", "gbdt"]\n[families.mlp]\nmax_epochs = 2\n'
        "[report]\nenabled = false\n"
    )
    out = tmp_path / "run"
    assert (
        cli.main(["run", "--spec", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    )
    run = json.loads((out / "run.json").read_text())
    assert run["primary_metric"] == "average_precision"
    assert "base rate" in run["metric_info"]["average_precision"]["note"]
    res = pd.read_parquet(out / "results.parquet")
    assert {"average_precision", "f1_at_val", "recall_at_1pct_fpr"} <= set(res["metric"])
    preds = pd.read_parquet(out / "predictions.parquet")
    g = preds[(preds["family"] == "gbdt") & (preds["seed"] == preds["seed"].min())]
    val, test = (g[g["split"] == s].sort_values("row_id") for s in ("val", "test"))
    p_val = val[["p_0", "p_1"]].to_numpy()
    p_test = test[["p_0", "p_1"]].to_numpy()
    t = im.best_f1_threshold(val["y_true"].to_numpy(), p_val)
    want = im.f1_at(test["y_true"].to_numpy(), p_test, t)
    r = res[(res["family"] == "gbdt") & (res["seed"] == g["seed"].iloc[0])]
    got = r[(r["split"] == "test") & (r["metric"] == "f1_at_val")]["value"].iloc[0]
    assert got == pytest.approx(want, abs=1e-12)
    ap = r[(r["split"] == "test") & (r["metric"] == "average_precision")]["value"].iloc[0]
    assert ap == pytest.approx(im.average_precision(test["y_true"].to_numpy(), p_test), abs=1e-12)
    # the row bootstrap covers F1 at the validation threshold, each family with its own
    # per-seed thresholds: its point estimate is the difference of the stored means
    stats = json.loads((out / "stats.json").read_text())
    comp = next(
        c for c in stats["comparisons"] if c["split"] == "test" and c["metric"] == "f1_at_val"
    )
    assert comp["bootstrap_ci_low"] is not None and comp["bootstrap_ci_high"] is not None
    means = res[(res["split"] == "test") & (res["metric"] == "f1_at_val")]
    means = means.groupby("family")["value"].mean()
    diff = means[comp["family_a"]] - means[comp["family_b"]]
    assert comp["mean_diff"] == pytest.approx(diff, abs=1e-12)
    assert comp["bootstrap_ci_low"] - 1e-9 <= comp["bootstrap_ci_high"]


def test_progress_prints_one_line_per_stage_without_a_terminal() -> None:
    import io

    from rich.console import Console

    from archbench.cli.progress import RunProgress

    buf = io.StringIO()
    prog = RunProgress(Console(file=buf, force_terminal=False, width=100))
    fams = {"mlp": {"trials": 2, "trials_done": 0, "seeds": 2, "seeds_done": 1}}
    prog("start", {"workers": 2, "executor": "local", "families": fams})
    for kind in ("trial", "trial", "seed"):
        prog("unit", {"family": "mlp", "kind": kind})
    prog("report", {})
    prog.stop()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert all(ln.startswith("[") and " s] " in ln for ln in lines)
    assert "mlp: 2 trials done" in lines[1] and "mlp: 2 final seeds done" in lines[2]


def test_the_report_names_the_file_as_the_spec_wrote_it(tmp_path: Path) -> None:
    from archbench.spec.load import load_spec
    from archbench.spec.model import spec_to_toml

    (tmp_path / "data").mkdir()
    _frame().to_csv(tmp_path / "data" / "t.csv", index=False)
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(
        '[task]\npath = "data/t.csv"\ntype = "regression"\ntarget = "y"\n'
        '[task.shift]\nkind = "groups"\ncolumn = "grp"\nvalues = ["r"]\n'
        "[split]\nmin_rows = 20\n"
    )
    spec = load_spec(spec_file, preset="quick")
    assert spec.task.given_path == "data/t.csv" and Path(spec.task.path).is_absolute()
    data = kind_of(spec).load(spec)
    assert data.provenance.startswith("user file data/t.csv (")
    assert str(tmp_path) not in data.provenance
    # The spelling is not part of the spec: same digest, and the stored TOML reads back equal.
    assert "given_path" not in spec_to_toml(spec)
    same = spec_from_dict(spec.to_dict(), preset="quick")
    assert same.digest() == spec.digest() and same == spec and same.task.given_path == ""
