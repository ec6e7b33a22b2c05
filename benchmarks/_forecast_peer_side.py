"""Peer side of peer_forecast.py: statsforecast's SeasonalNaive and an mlforecast LightGBM.

Runs in ``benchmarks/.forecast-peer-venv`` (statsforecast, mlforecast, lightgbm, pyarrow), not
in archbench's environment. Reads from the folder given as the first argument:
``contexts.parquet`` (``unique_id`` = one evaluation window, ``ds`` = integer step, ``y``),
``train.parquet`` (``unique_id`` = series, ``ds`` timestamps, ``y``: the training period) and
``params.json``; writes ``peer.parquet`` (``unique_id``, ``step``, ``snaive``, ``mlf``) and
``peer.json`` (times, versions).
"""

from __future__ import annotations

import json
import sys
import time
from importlib import metadata
from pathlib import Path


def main(folder: Path) -> None:
    import lightgbm as lgb
    import pandas as pd
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, RollingStd
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    p = json.loads((folder / "params.json").read_text())
    h, season = p["horizon"], p["season"]
    ctx = pd.read_parquet(folder / "contexts.parquet")
    t0 = time.perf_counter()
    sf = StatsForecast(models=[SeasonalNaive(season_length=season)], freq=1, n_jobs=1)
    snaive = sf.forecast(df=ctx, h=h).reset_index()
    snaive_s = time.perf_counter() - t0
    snaive["step"] = snaive["ds"] - snaive.groupby("unique_id")["ds"].transform("min") + 1

    train = pd.read_parquet(folder / "train.parquet")
    model = lgb.LGBMRegressor(
        **p["lgb_params"],
        n_estimators=p["rounds"],
        num_threads=1,
        verbosity=-1,
        deterministic=True,
        force_col_wise=True,
    )
    fcst = MLForecast(
        models={"mlf": model},
        freq="h",
        lags=list(range(1, p["n_lags"] + 1)),
        lag_transforms={1: [RollingMean(window_size=season), RollingStd(window_size=season)]},
        date_features=["hour", "dayofweek"],
        num_threads=1,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    fcst.fit(train, max_horizon=h if p["direct"] else None)
    fit_wall, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    windows = pd.read_parquet(folder / "windows.parquet")  # unique_id, ds (timestamps), y
    t0 = time.perf_counter()
    pred = fcst.predict(h=h, new_df=windows)
    predict_s = time.perf_counter() - t0
    pred["step"] = pred.groupby("unique_id").cumcount() + 1
    out = snaive[["unique_id", "step", "SeasonalNaive"]].merge(
        pred[["unique_id", "step", "mlf"]], on=["unique_id", "step"]
    )
    out.rename(columns={"SeasonalNaive": "snaive"}).to_parquet(folder / "peer.parquet")
    versions = {n: metadata.version(n) for n in ("statsforecast", "mlforecast", "lightgbm")}
    (folder / "peer.json").write_text(
        json.dumps(
            {
                "snaive_s": snaive_s,
                "mlf_fit_wall_s": fit_wall,
                "mlf_fit_cpu_s": fit_cpu,
                "mlf_predict_s": predict_s,
                "versions": versions,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
