from __future__ import annotations

from typing import Any

import numpy as np
import optuna

from archbench.engine.tuning import best_record, propose_trial
from archbench.kinds.tabular.models.base import Model


class Toy(Model):
    family = "toy"

    @staticmethod
    def default_params() -> dict[str, Any]:
        return {"a": 0.5, "b": 3}

    @staticmethod
    def search_space(trial: optuna.Trial) -> dict[str, Any]:
        return {"a": trial.suggest_float("a", 0.0, 1.0), "b": trial.suggest_int("b", 1, 8)}

    def fit(self, train, val, info, *, seed):  # type: ignore[no-untyped-def]
        return self

    def predict(self, data):  # type: ignore[no-untyped-def]
        return np.zeros(1)


def _score(params: dict[str, Any]) -> float:
    return -((params["a"] - 0.8) ** 2) - 0.01 * abs(params["b"] - 6)


def _tune(trials: int, window: int, order_seed: int = 0, base_seed: int = 7) -> list[dict]:
    """Simulate a run: up to ``window`` trials in flight, finishing in a random order."""
    rng = np.random.default_rng(order_seed)
    recs: dict[int, dict[str, Any]] = {}
    props: dict[int, Any] = {}
    while len(recs) < trials:
        for n in range(trials):
            if n in recs or n in props:
                continue
            if any(j not in recs for j in range(n - window + 1)):
                break
            pending = [
                recs.get(j) or props[j].as_record() for j in range(max(0, n - window + 1), n)
            ]
            props[n] = propose_trial(
                Toy,
                "toy",
                [recs[j] for j in range(n - window + 1)],
                pending,
                number=n,
                base_seed=base_seed,
                startup=2,
            )
        running = sorted(set(props) - set(recs))
        n = int(rng.choice(running))  # any running trial may finish first
        p = props[n]
        state = "FAIL" if n == 3 else "COMPLETE"
        recs[n] = {
            "number": n,
            "params": p.params,
            "suggested": p.suggested,
            "distributions": p.distributions,
            "state": state,
            "score": _score(p.params) if state == "COMPLETE" else None,
            "value": _score(p.params),
        }
    return [recs[n] for n in range(trials)]


def test_first_trial_is_the_default_configuration() -> None:
    recs = _tune(4, 2)
    assert recs[0]["params"] == Toy.default_params()


def test_proposals_do_not_depend_on_which_trial_finishes_first() -> None:
    runs = [_tune(10, 2, order_seed=s) for s in range(4)]
    for other in runs[1:]:
        assert [r["params"] for r in other] == [r["params"] for r in runs[0]]
    # Resume: re-proposing trial 7 from the stored records gives the stored configuration.
    a = runs[0]
    again = propose_trial(Toy, "toy", a[:6], [a[6]], number=7, base_seed=7, startup=2)
    assert again.params == a[7]["params"]


def test_window_of_one_is_sequential_and_differs_from_window_two() -> None:
    seq = _tune(8, 1)
    assert [r["params"] for r in seq] == [r["params"] for r in _tune(8, 1, order_seed=5)]
    assert [r["params"] for r in seq] != [r["params"] for r in _tune(8, 2)]


def test_other_base_seed_gives_other_proposals() -> None:
    a = [r["params"] for r in _tune(6, 2, base_seed=7)]
    b = [r["params"] for r in _tune(6, 2, base_seed=8)]
    assert a[0] == b[0]  # the default configuration
    assert a[1:] != b[1:]


def test_failed_trials_count_and_are_never_best() -> None:
    recs = _tune(6, 2)
    assert len(recs) == 6
    best = best_record(recs)
    assert best is not None and best["state"] == "COMPLETE" and best["number"] != 3
    assert best["score"] == max(r["score"] for r in recs if r["state"] == "COMPLETE")
