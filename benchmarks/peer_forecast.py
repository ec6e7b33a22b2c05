"""Against peers on the weather task: the seasonal naive reference vs statsforecast's
``SeasonalNaive``, and the LightGBM family vs mlforecast with the same lags.

Seasonal naive: both forecast every evaluation window (validation, test, shift) from the same
168-hour context; the script reports the largest absolute difference (goal: <= 1e-9).

LightGBM, like with like: mlforecast (``MLForecast.preprocess(max_horizon=H)`` then
``fit_models`` with one LightGBM per step, i.e. its direct strategy) and archbench's side at the
same configuration (``_forecast_matched``, variant ``matched``): the same training origins
(archbench's 3,294 weather training windows; mlforecast's preprocessed rows are restricted to
them), the same target scaling (per-series training-period mean and standard deviation, applied
before mlforecast sees the data), the same features (lags 1..L, mean and standard deviation of
the last season, hour and day of week), the same LightGBM parameters (archbench's defaults) and
number of rounds (what archbench's early stopping chose, no early stopping on either side), the
same evaluation windows. The script checks the training features agree, then reports both MASE
and the CPU seconds per fit (median of ``--repeats``). Then the steps from there to archbench's
family, one change each: the target relative to the origin (``relative``), one model for all
steps with the step as a feature (``one_model``), and the family itself (its extra features and
early stopping), which explains the gap of the unmatched comparison.

    python benchmarks/peer_forecast.py --setup     # create benchmarks/.forecast-peer-venv once
    python benchmarks/peer_forecast.py             # ~1 min
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Recorder, table
from _forecast_matched import VARIANTS, Variant, matched_features, standard

PEER_VENV = ROOT / "benchmarks" / ".forecast-peer-venv"
PEER_PY = PEER_VENV / "bin" / "python"
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def setup_peer_venv() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(PEER_PY), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "statsforecast", "mlforecast", "lightgbm", "pyarrow"], check=True)


def export(prep: Any, data: Any, folder: Path) -> list[tuple[str, int, str]]:
    """Write the peer's inputs; return (split, window index, unique_id) per window."""
    keys, ctx_rows, win_rows = [], [], []
    c = prep.info.context
    for split in ("val", "test", "shift"):
        w = prep.windows[split]
        z, _ = standard(w)
        for i in range(len(w)):
            uid = f"{split}-{i}"
            keys.append((split, i, uid))
            ctx_rows.append(pd.DataFrame({"unique_id": uid, "ds": np.arange(c), "y": w.context[i]}))
            times = w.origin[i] - np.arange(c - 1, -1, -1) * np.timedelta64(1, "h")
            win_rows.append(pd.DataFrame({"unique_id": uid, "ds": times, "y": z[i]}))
    pd.concat(ctx_rows).to_parquet(folder / "contexts.parquet")
    pd.concat(win_rows).to_parquet(folder / "windows.parquet")
    cut, stats = prep.splits.cuts["val_start"], prep.splits.stats
    train = [
        pd.DataFrame({"unique_id": name, "ds": t[t < cut], "y": (y[t < cut] - m) / sd})
        for name, t, y, m, sd in zip(
            data.series_names, data.times, data.values, stats.mean, stats.std, strict=True
        )
    ]
    pd.concat(train).to_parquet(folder / "train.parquet")
    origin_frame(prep.windows["train"], data).to_parquet(folder / "origins.parquet")
    return keys


def origin_frame(w: Any, data: Any) -> pd.DataFrame:
    """``unique_id, ds``: series name and first target time of each window, in window order."""
    names = np.asarray(data.series_names, dtype=object)[w.series]
    first = pd.DatetimeIndex(w.origin) + pd.Timedelta(hours=1)
    return pd.DataFrame({"unique_id": names, "ds": first})


def feature_gap(feats: pd.DataFrame, w: Any, data: Any, n_lags: int, season: int) -> float:
    """Largest absolute difference between mlforecast's training features and archbench's."""
    order = origin_frame(w, data).merge(feats, on=["unique_id", "ds"], how="left")
    theirs = order.drop(columns=["unique_id", "ds"]).to_numpy(np.float64)
    return float(np.abs(theirs - matched_features(w, n_lags, season)).max())


def ours(prep: Any, repeats: int) -> dict[str, Any]:
    """archbench's family at its defaults, then the matched variants at its number of rounds."""
    from archbench.kinds.forecasting.models.gbdt import LightGBMForecaster

    w, h, season = prep.windows, prep.info.horizon, prep.info.season
    cpus = []
    for _ in range(repeats):
        t0 = time.process_time()
        fam = LightGBMForecaster().fit(w["train"], w["val"], prep.info, seed=0)
        cpus.append(time.process_time() - t0)
    params = fam._lgb_params(fam.resolved_params(), seed=0)
    params = {k: v for k, v in params.items() if k != "metric"}
    out: dict[str, Any] = {"family": (fam, cpus), "params": params, "n_lags": fam.n_lags_}
    for name in VARIANTS:
        v = Variant(name, params, fam.best_iter_, fam.n_lags_, season)
        out[name] = (v, [v.fit(w["train"], h) for _ in range(repeats)])
    return out


def float_noise(
    res: dict[str, Any], feats: pd.DataFrame, prep: Any, data: Any, jitters: int
) -> tuple[Variant, list[Variant]]:
    """The matched variant trained on mlforecast's own training features, and ``jitters`` fits
    with features perturbed by at most 1e-12 (relative): the spread of float rounding."""
    w, h = prep.windows["train"], prep.info.horizon
    m: Variant = res["matched"][0]
    order = origin_frame(w, data).merge(feats, on=["unique_id", "ds"], how="left")
    theirs = order.drop(columns=["unique_id", "ds"]).to_numpy(np.float64)
    swap = Variant("matched", m.params, m.rounds, m.n_lags, m.season)
    swap.fit(w, h, x=theirs)
    noise = []
    for j in range(jitters):
        v = Variant("matched", m.params, m.rounds, m.n_lags, m.season)
        v.fit(w, h, jitter=j)
        noise.append(v)
    return swap, noise


def sklearn_params(params: dict[str, Any]) -> dict[str, Any]:
    """archbench's native LightGBM parameters under the scikit-learn wrapper's names."""
    rename = {"lambda_l2": "reg_lambda", "feature_fraction": "colsample_bytree",
              "bagging_fraction": "subsample", "bagging_freq": "subsample_freq",
              "seed": "random_state", "num_threads": "n_jobs"}  # fmt: skip
    return {rename.get(k, k): v for k, v in params.items()}


def run_peer(prep: Any, data: Any, res: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Export the inputs, run the peer side in its venv, read back what it wrote."""
    fam = res["family"][0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = export(prep, data, folder)
        params = {"horizon": prep.info.horizon, "season": prep.info.season,
                  "n_lags": res["n_lags"], "rounds": fam.best_iter_, "repeats": repeats,
                  "sklearn_params": sklearn_params(res["params"])}  # fmt: skip
        (folder / "params.json").write_text(json.dumps(params))
        side = Path(__file__).with_name("_forecast_peer_side.py")
        env = {**THREAD_ENV, "PATH": "/usr/bin:/bin"}
        subprocess.run([str(PEER_PY), str(side), str(folder)], check=True, env=env)
        return {
            "keys": keys,
            "params": {k: v for k, v in params.items() if k != "repeats"},
            "pred": pd.read_parquet(folder / "peer.parquet"),
            "info": json.loads((folder / "peer.json").read_text()),
            "features": pd.read_parquet(folder / "features.parquet"),
            "x_pred": pd.read_parquet(folder / "predict_features.parquet").set_index("unique_id"),
        }


def score_split(
    split: str, prep: Any, res: dict[str, Any], peer: dict[str, Any], extra: Any
) -> dict[str, Any]:
    """One row of the table: every side's MASE on ``split`` and the forecast differences."""
    from archbench.kinds.forecasting.metrics import METRICS

    mase, w, h = METRICS["mase"].fn, prep.windows[split], prep.info.horizon
    swap, noise = extra
    uids = [u for s, _, u in peer["keys"] if s == split]
    sn, mlf_z = (wide(peer["pred"], col, uids, h) for col in ("snaive", "mlf"))
    mlf = mlf_z * w.scale[:, None] + w.loc[:, None]
    matched = res["matched"][0].predict(w, h)
    truth, snaive = prep.truth[split], prep.references["seasonal_naive"][split]
    row = {"split": split, "mlforecast_direct": mase(truth, mlf),
           "archbench_matched": mase(truth, matched),
           "max_abs_forecast_diff": float(np.abs(mlf - matched).max())}  # fmt: skip
    theirs = swap.predict(w, h, x=peer["x_pred"].loc[uids].to_numpy(np.float64))
    row["archbench_on_mlforecast_features"] = mase(truth, theirs)
    row["max_abs_diff_on_mlforecast_features"] = float(np.abs(mlf - theirs).max())
    jit = [mase(truth, v.predict(w, h)) for v in noise]
    row["matched_float_noise_min"], row["matched_float_noise_max"] = min(jit), max(jit)
    row["matched_float_noise_sd"] = float(np.std(jit, ddof=1))
    for name in VARIANTS[1:]:
        row[f"archbench_{name}"] = mase(truth, res[name][0].predict(w, h))
    row["archbench_family"] = mase(truth, res["family"][0].predict(w))
    row["seasonal_naive"] = mase(truth, snaive)
    row["snaive_max_abs_diff"] = float(np.abs(sn - snaive).max())
    return row


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jitters", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.setup:
        setup_peer_venv()
        return
    rec = Recorder("peer_forecast", argv, args.out)
    from archbench.kinds.forecasting.prepare import prepare
    from archbench.kinds.forecasting.tasks import weather

    task = weather()
    prep = prepare(task.data, task.split, task.shift)
    res = ours(prep, args.repeats)
    fam = res["family"][0]
    peer = run_peer(prep, task.data, res, args.repeats)
    gap = feature_gap(peer["features"], prep.windows["train"], task.data, res["n_lags"],
                      prep.info.season)  # fmt: skip
    extra = float_noise(res, peer["features"], prep, task.data, args.jitters)
    rows = [score_split(s, prep, res, peer, extra) for s in ("val", "test", "shift")]
    med = {k: statistics.median(res[k][1]) for k in ("family", *VARIANTS)}
    times = {"mlforecast_direct": peer["info"]["mlf_fit_cpu_s_median"],
             **{f"archbench_{k}": v for k, v in med.items()}}  # fmt: skip
    print(table(rows))
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in times.items())
    print(f"fit CPU s (median of {args.repeats}): {cpu}")
    print(f"training features: largest |mlforecast - archbench| = {gap:.3g}")
    rec.write(rows=rows, fit_cpu_s=times, fit_cpu_s_all={k: v[1] for k, v in res.items()
              if isinstance(v, tuple)}, feature_max_abs_diff=gap, peer=peer["info"],
              params=peer["params"], family_rounds={"best": fam.best_iter_,
              "trained": fam.n_iter_},
              snaive_max_abs_diff=max(r["snaive_max_abs_diff"] for r in rows))  # fmt: skip


def wide(peer: pd.DataFrame, col: str, uids: list[str], h: int) -> np.ndarray:
    """``(len(uids), h)`` forecasts of column ``col``, windows in ``uids`` order."""
    out = peer.pivot(index="unique_id", columns="step", values=col).loc[uids]
    assert out.shape == (len(uids), h), out.shape
    return out.to_numpy(np.float64)


if __name__ == "__main__":
    main(sys.argv[1:])
