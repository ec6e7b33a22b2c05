"""Against peers on the weather task: the seasonal naive reference vs statsforecast's
``SeasonalNaive``, and the LightGBM family vs mlforecast with the same lags.

Seasonal naive: both forecast every evaluation window (validation, test, shift) from the same
168-hour context; the script reports the largest absolute difference (goal: <= 1e-9).

LightGBM: archbench's family at its defaults (direct, one model with the step as a feature,
features from each window's context, early stopping on validation MASE) against mlforecast's
``MLForecast`` with LightGBM of the same parameters and the number of rounds archbench's early
stopping chose, lags 1..n_lags (archbench's default lag count), rolling mean and standard
deviation over a season, and the same calendar parts of the target time (hour, day of week;
no day of year, whose shift-set values lie outside the training range). Both train on the
training period only (windows ending before the validation cut) and forecast the same test and
shift windows from their contexts. mlforecast is recursive by default; ``--direct`` trains its
``max_horizon`` direct models (one per step) instead. Times are CPU seconds of the fit.

    python benchmarks/peer_forecast.py --setup     # create benchmarks/.forecast-peer-venv once
    python benchmarks/peer_forecast.py [--direct]  # ~1 min
"""

from __future__ import annotations

import argparse
import json
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
        for i in range(len(w)):
            uid = f"{split}-{i}"
            keys.append((split, i, uid))
            ctx_rows.append(pd.DataFrame({"unique_id": uid, "ds": np.arange(c), "y": w.context[i]}))
            times = w.origin[i] - np.arange(c - 1, -1, -1) * np.timedelta64(1, "h")
            win_rows.append(pd.DataFrame({"unique_id": uid, "ds": times, "y": w.context[i]}))
    pd.concat(ctx_rows).to_parquet(folder / "contexts.parquet")
    pd.concat(win_rows).to_parquet(folder / "windows.parquet")
    cut = prep.splits.cuts["val_start"]
    train = [
        pd.DataFrame({"unique_id": name, "ds": t[t < cut], "y": y[t < cut]})
        for name, t, y in zip(data.series_names, data.times, data.values, strict=True)
    ]
    pd.concat(train).to_parquet(folder / "train.parquet")
    return keys


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--direct", action="store_true", help="mlforecast direct (max_horizon)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.setup:
        setup_peer_venv()
        return
    rec = Recorder("peer_forecast", argv, args.out)
    from archbench.kinds.forecasting.gbdt import LightGBMForecaster
    from archbench.kinds.forecasting.metrics import METRICS
    from archbench.kinds.forecasting.prepare import prepare
    from archbench.kinds.forecasting.tasks import weather

    task = weather()
    prep = prepare(task.data, task.split, task.shift)
    w = prep.windows
    t0 = time.process_time()
    ours = LightGBMForecaster().fit(w["train"], w["val"], prep.info, seed=0)
    fit_cpu = time.process_time() - t0
    mase = METRICS["mase"].fn
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = export(prep, task.data, folder)
        params = {
            "horizon": prep.info.horizon,
            "season": prep.info.season,
            "n_lags": ours.n_lags_,
            "rounds": ours.best_iter_,
            "direct": args.direct,
            "lgb_params": {
                k: v
                for k, v in LightGBMForecaster.default_params().items()
                if k not in ("objective",)
            },
        }
        (folder / "params.json").write_text(json.dumps(params))
        side = Path(__file__).with_name("_forecast_peer_side.py")
        env = {**THREAD_ENV, "PATH": "/usr/bin:/bin"}
        subprocess.run([str(PEER_PY), str(side), str(folder)], check=True, env=env)
        peer = pd.read_parquet(folder / "peer.parquet")
        info = json.loads((folder / "peer.json").read_text())
    rows, diffs = [], []
    h = prep.info.horizon
    for split in ("val", "test", "shift"):
        uids = [u for s, _, u in keys if s == split]
        sn, mlf = (wide(peer, col, uids, h) for col in ("snaive", "mlf"))
        diffs.append(float(np.abs(sn - prep.references["seasonal_naive"][split]).max()))
        rows.append(
            {
                "split": split,
                "archbench_gbdt_mase": mase(prep.truth[split], ours.predict(w[split])),
                "mlforecast_mase": mase(prep.truth[split], mlf),
                "seasonal_naive_mase": mase(
                    prep.truth[split], prep.references["seasonal_naive"][split]
                ),
                "snaive_max_abs_diff": diffs[-1],
            }
        )
    print(table(rows))
    print(
        f"fit CPU s: archbench {fit_cpu:.2f} ({ours.best_iter_} of {ours.n_iter_} rounds), "
        f"mlforecast {info['mlf_fit_cpu_s']:.2f} ({'direct' if args.direct else 'recursive'})"
    )
    rec.write(
        rows=rows,
        archbench_fit_cpu_s=round(fit_cpu, 2),
        peer=info,
        params=params,
        snaive_max_abs_diff=max(diffs),
    )


def wide(peer: pd.DataFrame, col: str, uids: list[str], h: int) -> np.ndarray:
    """``(len(uids), h)`` forecasts of column ``col``, windows in ``uids`` order."""
    out = peer.pivot(index="unique_id", columns="step", values=col).loc[uids]
    assert out.shape == (len(uids), h), out.shape
    return out.to_numpy(np.float64)


if __name__ == "__main__":
    main(sys.argv[1:])
