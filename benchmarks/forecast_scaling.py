"""Forecasting cost against data size: quick and default runs on generated panels.

For every size (``N x T``: N daily series of T days from ``gen_panel.py``; ``L``: one
half-hourly series of L steps, horizon 48) and preset, runs ``archbench run --spec S --preset P
--no-report`` as a subprocess and measures, sampling the process tree every 0.2 s (psutil):

- ``wall_s`` (start to exit) and ``cpu_s`` (CPU seconds of the whole tree, from
  ``RUSAGE_CHILDREN`` after every descendant is reaped; see ``end_to_end.py``);
- ``driver_cpu_s`` / ``workers_cpu_s``: the driver's and the workers' CPU seconds (last sample
  of each process, so each may miss up to 0.2 s);
- ``driver_peak_rss_gib``, ``workers_peak_rss_gib`` (sum over live workers, maximum over
  samples) and ``peak_rss_gib`` (the whole tree);
- the window counts of the run (task.json ``windows``: used and available per split).

The load average at start and end of each run is stored next to it: on a shared machine the
wall time is inflated by the other processes, CPU seconds much less. A plot of wall and CPU
seconds against the number of data points goes to ``benchmarks/results/forecast_scaling.png``.

    python benchmarks/forecast_scaling.py                      # every size, quick and default
    python benchmarks/forecast_scaling.py --sizes 2000x730 --presets quick
    python benchmarks/forecast_scaling.py --smoke              # one tiny run, for the tests
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, Recorder, table
from end_to_end import archbench_exe, become_subreaper, reap_descendants
from gen_panel import long_series, panel, write

SIZES = ("20x1000", "200x1000", "2000x1000", "100000", "2000x730")
PRESETS = ("quick", "default")


def make_data(size: str, root: Path) -> tuple[Path, int, int]:
    """Write the panel of ``size`` under ``root`` (once); return (spec, series, steps)."""
    out = root / size
    if "x" in size:
        n, t = (int(v) for v in size.split("x"))
        spec = out / "spec.toml"
        if not spec.exists():
            spec = write(out, panel(n, t, seed=0), panel_=True)
        return spec, n, t
    steps = int(size)
    spec = out / "spec.toml"
    if not spec.exists():
        spec = write(out, long_series(steps, seed=0), panel_=False)
    return spec, 1, steps


def _sample(proc: Any, seen: dict[int, float], peaks: dict[str, int]) -> None:
    import psutil

    try:
        kids = proc.children(recursive=True)
        d_rss, d_cpu = proc.memory_info().rss, sum(proc.cpu_times()[:2])
    except psutil.Error:
        return
    seen[proc.pid] = d_cpu
    w_rss = 0
    for k in kids:
        try:
            w_rss += k.memory_info().rss
            seen[k.pid] = sum(k.cpu_times()[:2])
        except psutil.Error:
            pass
    peaks["driver"] = max(peaks["driver"], d_rss)
    peaks["workers"] = max(peaks["workers"], w_rss)
    peaks["tree"] = max(peaks["tree"], d_rss + w_rss)


def run_one(spec: Path, preset: str, out: Path, extra: list[str]) -> dict[str, Any]:
    """One ``archbench run``, measured from the outside."""
    import psutil

    become_subreaper()
    load0 = list(os.getloadavg())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cmd = [*archbench_exe(), "run", "--spec", str(spec), "--preset", preset, "--out", str(out),
           "--no-report", "--quiet", *extra]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ps = psutil.Process(proc.pid)
    seen: dict[int, float] = {}
    peaks = {"driver": 0, "workers": 0, "tree": 0}
    while proc.poll() is None:
        _sample(ps, seen, peaks)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    output = proc.stdout.read() if proc.stdout else ""
    reap_descendants()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    task = json.loads((out / "task.json").read_text())
    driver_cpu = seen.pop(proc.pid, 0.0)
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "driver_cpu_s": round(driver_cpu, 1),
        "workers_cpu_s": round(sum(seen.values()), 1),
        "driver_peak_rss_gib": round(peaks["driver"] / 2**30, 3),
        "workers_peak_rss_gib": round(peaks["workers"] / 2**30, 3),
        "peak_rss_gib": round(peaks["tree"] / 2**30, 3),
        "windows": task.get("windows"),
        "load_average_start": load0,
        "load_average_end": list(os.getloadavg()),
        "warnings": [ln for ln in output.splitlines() if ln.startswith("warning:")],
    }


def plot(rows: list[dict[str, Any]], path: Path) -> Path:
    """Wall and CPU seconds against data points (log-log), one line per preset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for preset, mark in (("quick", "o"), ("default", "s")):
        rs = sorted((r for r in rows if r["preset"] == preset), key=lambda r: r["points"])
        if not rs:
            continue
        x = [r["points"] for r in rs]
        ax.plot(x, [r["cpu_s"] for r in rs], marker=mark, label=f"{preset}: CPU s (tree)")
        ax.plot(x, [r["wall_s"] for r in rs], marker=mark, ls="--", label=f"{preset}: wall s")
        for r in rs:
            ax.annotate(r["size"], (r["points"], r["cpu_s"]), fontsize=6,
                        textcoords="offset points", xytext=(3, 3))  # fmt: skip
    ax.axhline(120, color="grey", lw=0.6, ls=":")
    ax.axhline(300, color="grey", lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("data points (series x steps)")
    ax.set_ylabel("seconds (2 workers)")
    ax.set_title("archbench forecasting: cost against data size", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", default=list(SIZES))
    p.add_argument("--presets", nargs="+", default=list(PRESETS))
    p.add_argument("--data", default="", help="folder for the generated panels (kept)")
    p.add_argument("--smoke", action="store_true", help="one tiny quick run (5 x 300)")
    p.add_argument("--out", default=None)
    p.add_argument("--plot-only", default="", help="redraw the plot from this results JSON")
    a = p.parse_args(argv)
    if a.plot_only:
        print(
            plot(
                json.loads(Path(a.plot_only).read_text())["rows"], RESULTS / "forecast_scaling.png"
            )
        )
        return
    argv = argv if argv is not None else sys.argv[1:]
    rec = Recorder("forecast_scaling", argv, a.out)
    sizes, presets = (["5x300"], ["quick"]) if a.smoke else (a.sizes, a.presets)
    extra = ["--trials", "1", "--seeds", "2"] if a.smoke else []
    root = Path(a.data or tempfile.mkdtemp(prefix="archbench-fscale-"))
    rows = []
    for size in sizes:
        spec, n, t = make_data(size, root)
        for preset in presets:
            out = Path(tempfile.mkdtemp(prefix="archbench-fscale-run-")) / "run"
            res = run_one(spec, preset, out, extra)
            rows.append({"size": size, "series": n, "steps": t, "points": n * t,
                         "preset": preset, **res})  # fmt: skip
            print(table([rows[-1]], ["size", "preset", "wall_s", "cpu_s", "driver_cpu_s",
                                     "workers_cpu_s", "peak_rss_gib"]), flush=True)  # fmt: skip
            rec.write(smoke=a.smoke, rows=rows, figure=None, partial=True)  # kept if stopped
    print(table(rows, ["size", "preset", "wall_s", "cpu_s", "driver_cpu_s", "workers_cpu_s",
                       "driver_peak_rss_gib", "workers_peak_rss_gib", "peak_rss_gib"]))  # fmt: skip
    figure = None
    if not a.smoke:
        figure = str(plot(rows, RESULTS / "forecast_scaling.png"))
    rec.write(smoke=a.smoke, rows=rows, figure=figure, partial=False)


if __name__ == "__main__":
    main()
