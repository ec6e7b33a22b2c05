"""Forecast metrics (MASE, MAE, RMSE, sMAPE, R^2), error by horizon step, and the moving-block
bootstrap of forecast origins.

Units are windows: ``pred`` is ``(n, H)``. MASE needs each window's scale (its series'
seasonal-naive MAE on the training period, Hyndman & Koehler 2006), so the truth travels packed:
``y_true = pack_truth(target, mase_scale)`` is ``(n, H + 1)`` with the scale in the last column.
Every metric takes that packed array, so one ``(y_true, pred)`` signature serves all of them;
a raw ``(n, H)`` target is refused (the column counts differ), never misread.

Aggregation: each metric is a mean over windows of a per-window value averaged over the ``H``
steps (RMSE: the root of the mean squared error over windows and steps; R^2: one minus the
pooled squared error over the pooled variance around the mean). With the same number of windows
per series this is also the mean over series, origins and steps.

Resampling: windows overlap in their contexts and errors are autocorrelated over origins, so an
iid bootstrap of windows understates the variance (``tests`` prove it on an AR(1) series).
``block_counts`` draws moving blocks of consecutive origins (Kunsch 1989) within each series.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from archbench.kinds.metric import MetricSet, MetricSpec
from archbench.seeding import as_generator

Weighted = Callable[[np.ndarray], np.ndarray]


def pack_truth(target: np.ndarray, mase_scale: np.ndarray) -> np.ndarray:
    """``(n, H)`` targets and ``(n,)`` scales -> ``(n, H + 1)`` float64, scale last."""
    target = np.asarray(target, dtype=np.float64)
    return np.column_stack([target, np.asarray(mase_scale, dtype=np.float64)])


def unpack_truth(y_true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(target (n, H), scale (n,))``; raises ValueError when shapes do not pair with ``pred``."""
    y = np.asarray(y_true, dtype=np.float64)
    h = np.shape(pred)[-1]
    if y.ndim != 2 or y.shape[1] != h + 1 or np.shape(pred)[-2] != y.shape[0]:
        raise ValueError(
            f"y_true {y.shape} must be pack_truth(target, scale), (n, H + 1), for pred "
            f"{np.shape(pred)}"
        )
    return y[:, :h], y[:, h]


def _per_window(name: str, y: np.ndarray, scale: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-window values ``(..., n)`` for preds ``p`` of shape ``(..., n, H)``."""
    err = p - y
    if name == "mae":
        return np.abs(err).mean(axis=-1)
    if name == "mase":
        return np.abs(err).mean(axis=-1) / scale
    if name == "mse":
        return (err**2).mean(axis=-1)
    if name == "smape":
        denom = np.abs(y) + np.abs(p)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(denom > 0, 2.0 * np.abs(err) / denom, 0.0)
        return 100.0 * ratio.mean(axis=-1)
    raise KeyError(name)


def _mean_metric(name: str) -> tuple[Callable[..., float], Callable[..., Weighted]]:
    inner = "mse" if name == "rmse" else name

    def finish(v: np.ndarray) -> np.ndarray:
        return np.sqrt(v) if name == "rmse" else v

    def fn(y_true: np.ndarray, pred: np.ndarray) -> float:
        y, s = unpack_truth(y_true, pred)
        return float(finish(np.mean(_per_window(inner, y, s, np.asarray(pred, np.float64)))))

    def weighted(y_true: np.ndarray, preds: np.ndarray) -> Weighted:
        preds = np.asarray(preds, dtype=np.float64)
        y, s = unpack_truth(y_true, preds)
        per = _per_window(inner, y, s, preds)  # (n_seeds, n)

        def f(counts: np.ndarray) -> np.ndarray:
            c = np.asarray(counts, dtype=np.float64)
            return finish((c @ per.T) / c.sum(axis=1, keepdims=True))

        return f

    return fn, weighted


def _r2_fn(y_true: np.ndarray, pred: np.ndarray) -> float:
    ones = np.ones((1, np.shape(pred)[0]))
    return float(_r2_weighted(y_true, np.asarray(pred)[None])(ones)[0, 0])


def _r2_weighted(y_true: np.ndarray, preds: np.ndarray) -> Weighted:
    """Pooled R^2 over windows and steps: 1 - SSE / SST, SST around the weighted mean."""
    preds = np.asarray(preds, dtype=np.float64)
    y, _ = unpack_truth(y_true, preds)
    h = y.shape[1]
    sse = ((preds - y) ** 2).sum(axis=-1)  # (n_seeds, n)
    s1, s2 = y.sum(axis=1), (y**2).sum(axis=1)

    def f(counts: np.ndarray) -> np.ndarray:
        c = np.asarray(counts, dtype=np.float64)
        total = c.sum(axis=1) * h
        sst = c @ s2 - (c @ s1) ** 2 / total
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 - (c @ sse.T) / sst[:, None]

    return f


def _spec(name: str, label: str, note: str = "") -> MetricSpec:
    fn, weighted = _mean_metric(name)
    return MetricSpec(name, label, False, fn, weighted, error=True, note=note)


#: Every forecasting metric, the primary (MASE) first.
FORECAST_METRICS = MetricSet(
    (
        _spec("mase", "MASE", "below 1 beats the in-sample seasonal naive forecast"),
        _spec("mae", "MAE"),
        _spec("rmse", "RMSE"),
        _spec("smape", "sMAPE (%)"),
        MetricSpec("r2", "R^2", True, _r2_fn, _r2_weighted),
    )
)
METRICS: dict[str, MetricSpec] = dict(FORECAST_METRICS.by_name)
PRIMARY = "mase"


def error_by_step(y_true: np.ndarray, pred: np.ndarray, name: str = "mase") -> np.ndarray:
    """``(H,)``: the metric at each horizon step (mase, mae or rmse), over all windows."""
    y, s = unpack_truth(y_true, pred)
    err = np.asarray(pred, dtype=np.float64) - y
    if name == "mase":
        return (np.abs(err) / s[:, None]).mean(axis=0)
    if name == "mae":
        return np.abs(err).mean(axis=0)
    if name == "rmse":
        return np.sqrt((err**2).mean(axis=0))
    raise KeyError(f"error_by_step: unknown metric {name!r}; use mase, mae or rmse")


def default_block_len(groups: np.ndarray) -> int:
    """``ceil(sqrt(m))`` for the median number ``m`` of units per series.

    Hall, Horowitz & Jing (1995) give ``n^(1/3)`` as the rate that minimises the error of the
    variance estimate; longer blocks keep more of the autocorrelation, which matters more for
    the coverage of an interval: on AR(1) errors (phi = 0.5, 400 origins) blocks of 7 covered
    the mean 91% of the time and blocks of 20 92% (tests/kinds/forecasting/test_metrics.py).
    """
    sizes = np.unique(np.asarray(groups), return_counts=True)[1]
    return max(1, int(np.ceil(np.sqrt(float(np.median(sizes))))))


def block_counts(
    rng: int | np.random.Generator, groups: np.ndarray, block_len: int, n_boot: int
) -> np.ndarray:
    """Moving-block bootstrap counts ``(n_boot, n_units)`` int32, blocks within each series.

    Units of one group are taken in the order they appear (origins in time order). Each group
    of ``m`` units is rebuilt from ``ceil(m / L)`` blocks of ``L = min(block_len, m)``
    consecutive units, cut to ``m`` units, so every resample keeps each series' number of
    windows. Blocks wrap around the end of the series (the circular block bootstrap of Politis
    & Romano 1992: every unit is equally likely, so the resampled mean is centred on the
    sample mean). ``block_len = 1`` is the iid bootstrap within series.
    """
    if block_len < 1 or n_boot < 1:
        raise ValueError("block_len and n_boot must be >= 1")
    gen = as_generator(rng)
    groups = np.asarray(groups)
    n = groups.size
    rows = np.arange(n_boot)[:, None] * n
    uniq, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    members = np.argsort(inverse.ravel(), kind="stable")  # each group's units, in order
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    drawn = []
    j = 0
    while j < len(uniq):  # consecutive groups of one size at once (the same draws, in order)
        m, e = int(sizes[j]), j + 1
        while e < len(uniq) and sizes[e] == m:
            e += 1
        ln = min(block_len, m)
        k = -(-m // ln)
        starts = gen.integers(0, m, size=(e - j, n_boot, k))
        pos = ((starts[..., None] + np.arange(ln)) % m).reshape(e - j, n_boot, -1)[:, :, :m]
        idx = members[offsets[j] : offsets[e]].reshape(e - j, m)
        drawn.append((rows[None] + idx[np.arange(e - j)[:, None, None], pos]).ravel())
        j = e
    flat = np.concatenate(drawn) if drawn else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat, minlength=n_boot * n)
    return counts.reshape(n_boot, n).astype(np.int32)
