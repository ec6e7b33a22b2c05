"""Replay a finished run's units under other scheduling settings: what would the wall be?

Reads every unit's measured duration (``ended_at - started_at`` in ``trials/*/*.json`` and
``final/*/seed*.json``) and replays archbench's scheduler (runner.Runner.execute) on that many
workers: families in cost order (FT-Transformer, MLP, GBDT), a family's trial ``n`` ready once
its trials ``0 .. n - window`` are finished, its final seeds once all its trials are, and a
free worker always takes the first ready unit. Durations are held fixed, so this isolates the
schedule; a real run with another window also proposes other configurations, whose costs
differ. Prints the units phase (s) and the busy share of worker time per window.

    python benchmarks/replay_schedule.py RUN_DIR                   # windows 1,2,3,4
    python benchmarks/replay_schedule.py RUN_DIR --windows 2,3 --workers 4
"""

from __future__ import annotations

import argparse
import heapq
import json
from pathlib import Path
from typing import Any

ORDER = ("ft_transformer", "mlp", "gbdt")

Unit = tuple[str, str, int]


def durations(run: Path) -> dict[Unit, float]:
    """``(family, "trial" | "seed", index) -> seconds`` from a run directory's unit records."""
    out: dict[Unit, float] = {}
    for kind, pattern in (("trial", "trials/*/*.json"), ("seed", "final/*/seed*.json")):
        for path in sorted(run.glob(pattern)):
            rec = json.loads(path.read_text())
            index = rec["number"] if kind == "trial" else rec["index"]
            out[(rec["family"], kind, int(index))] = float(rec["ended_at"] - rec["started_at"])
    if not out:
        raise SystemExit(f"{run}: no unit records (trials/*/*.json, final/*/seed*.json)")
    return out


def replay(dur: dict[Unit, float], window: int, workers: int) -> dict[str, Any]:
    """Event-driven replay; returns the units phase and the busy share of worker time."""
    families = sorted({u[0] for u in dur}, key=lambda f: (ORDER.index(f) if f in ORDER else 9, f))
    n_trials = {f: sum(1 for u in dur if u[0] == f and u[1] == "trial") for f in families}
    n_seeds = {f: sum(1 for u in dur if u[0] == f and u[1] == "seed") for f in families}
    done: set[Unit] = set()
    started: set[Unit] = set()
    running: list[tuple[float, Unit]] = []
    now = busy = 0.0

    def ready() -> list[Unit]:
        out: list[Unit] = []
        for f in families:
            if any((f, "trial", i) not in done for i in range(n_trials[f])):
                for n in range(n_trials[f]):
                    u = (f, "trial", n)
                    if u in started:
                        continue
                    if any((f, "trial", j) not in done for j in range(n - window + 1)):
                        break
                    out.append(u)
            else:
                out.extend(
                    (f, "seed", i) for i in range(n_seeds[f]) if (f, "seed", i) not in started
                )
        return out

    while True:
        for u in ready():
            if len(running) >= workers:
                break
            started.add(u)
            heapq.heappush(running, (now + dur[u], u))
            busy += dur[u]
        if not running:
            break
        now, u = heapq.heappop(running)
        done.add(u)
    return {
        "window": window,
        "workers": workers,
        "units_s": now,
        "busy_share": busy / (now * workers),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("run", type=Path, help="a finished run directory")
    ap.add_argument("--windows", default="1,2,3,4", help="comma-separated trial windows")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    dur = durations(args.run)
    print(f"{len(dur)} units, {sum(dur.values()):.1f} unit-seconds, {args.workers} workers")
    print(f"{'window':>6} {'units phase (s)':>16} {'busy share':>11}")
    for w in (int(x) for x in args.windows.split(",") if x):
        r = replay(dur, w, args.workers)
        print(f"{w:>6} {r['units_s']:>16.1f} {r['busy_share']:>11.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
