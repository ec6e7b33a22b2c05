"""Peer side of peer_forecast.py: statsforecast's SeasonalNaive and mlforecast's direct LightGBM.

Runs in ``benchmarks/.forecast-peer-venv`` (statsforecast, mlforecast, lightgbm, pyarrow; its own
pandas < 3, which mlforecast requires), not in archbench's environment. Reads from the folder
given as the first argument:

- ``contexts.parquet``: ``unique_id`` = one evaluation window, ``ds`` = integer step, ``y`` (the
  context in the target's units), for SeasonalNaive;
- ``train.parquet``: ``unique_id`` = series, ``ds`` timestamps, ``y``: the training period in
  per-series standard units (training-period mean and standard deviation, as archbench);
- ``origins.parquet``: ``unique_id``, ``ds``: the first target time of each archbench training
  window, the rows mlforecast trains on;
- ``windows.parquet``: ``unique_id`` = one evaluation window, ``ds`` timestamps, ``y`` its context
  in standard units (``new_df`` of ``predict``);
- ``params.json``: horizon, season, lags, rounds, LightGBM parameters, repeats.

Writes ``peer.parquet`` (``unique_id``, ``step``, ``snaive``, ``mlf`` in standard units),
``features.parquet`` (the training rows mlforecast built: ``unique_id``, ``ds``, features),
``predict_features.parquet`` (``unique_id`` and the features of each evaluation window) and
``peer.json`` (fit times, versions).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any


def seasonal_naive(folder: Path, h: int, season: int) -> tuple[Any, float]:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    ctx = pd.read_parquet(folder / "contexts.parquet")
    t0 = time.perf_counter()
    sf = StatsForecast(models=[SeasonalNaive(season_length=season)], freq=1, n_jobs=1)
    out = sf.forecast(df=ctx, h=h).reset_index()
    seconds = time.perf_counter() - t0
    out["step"] = out["ds"] - out.groupby("unique_id")["ds"].transform("min") + 1
    return out[["unique_id", "step", "SeasonalNaive"]].rename(
        columns={"SeasonalNaive": "snaive"}
    ), seconds


def direct_lightgbm(folder: Path, p: dict[str, Any]) -> tuple[Any, Any, float]:
    """Preprocess the training series, keep archbench's training origins, fit one LightGBM per
    step (``fit_models`` with a per-horizon generator, as ``fit(max_horizon=H)`` does)."""
    import lightgbm as lgb
    import pandas as pd
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, RollingStd

    h, season = p["horizon"], p["season"]
    train = pd.read_parquet(folder / "train.parquet")
    origins = pd.read_parquet(folder / "origins.parquet")
    t0 = time.process_time()
    fcst = MLForecast(
        models={"mlf": lgb.LGBMRegressor(**p["sklearn_params"], n_estimators=p["rounds"])},
        freq="h",
        lags=list(range(1, p["n_lags"] + 1)),
        lag_transforms={1: [RollingMean(window_size=season), RollingStd(window_size=season)]},
        date_features=["hour", "dayofweek"],
        num_threads=1,
    )
    prep = fcst.preprocess(train, max_horizon=h)
    prep = prep.merge(origins, on=["unique_id", "ds"], how="inner")
    if len(prep) != len(origins):
        raise SystemExit(f"mlforecast kept {len(prep)} of {len(origins)} training origins")
    cols = list(fcst.ts.features_order_)
    x = prep[cols]
    y = prep[[f"y{i}" for i in range(h)]].to_numpy()
    fcst.fit_models(generator_factory=lambda: ((k, x, y[:, k]) for k in range(h)))
    cpu = time.process_time() - t0
    windows = pd.read_parquet(folder / "windows.parquet")
    seen: list[Any] = []

    def keep(x_pred: Any) -> Any:  # the features of the first forecast step of every window
        if not seen:
            seen.append(x_pred.copy())
        return x_pred

    pred = fcst.predict(h=h, new_df=windows, before_predict_callback=keep)
    pred["step"] = pred.groupby("unique_id").cumcount() + 1
    x_pred = seen[0].reset_index(drop=True)
    x_pred.insert(0, "unique_id", pred["unique_id"].unique())
    x_pred.to_parquet(folder / "predict_features.parquet")
    return pred[["unique_id", "step", "mlf"]], prep[["unique_id", "ds", *cols]], cpu


def main(folder: Path) -> None:
    p = json.loads((folder / "params.json").read_text())
    snaive, snaive_s = seasonal_naive(folder, p["horizon"], p["season"])
    cpus = []
    for _ in range(p["repeats"]):
        pred, feats, cpu = direct_lightgbm(folder, p)
        cpus.append(cpu)
    snaive.merge(pred, on=["unique_id", "step"]).to_parquet(folder / "peer.parquet")
    feats.to_parquet(folder / "features.parquet")
    names = ("statsforecast", "mlforecast", "lightgbm", "pandas", "numpy")
    info = {
        "snaive_s": snaive_s,
        "mlf_fit_cpu_s": cpus,
        "mlf_fit_cpu_s_median": statistics.median(cpus),
        "features": [c for c in feats.columns if c not in ("unique_id", "ds")],
        "versions": {n: metadata.version(n) for n in names},
    }
    (folder / "peer.json").write_text(json.dumps(info))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
