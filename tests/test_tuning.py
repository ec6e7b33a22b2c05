from __future__ import annotations

from typing import Any

import numpy as np
import optuna

from archbench.models.base import Model
from archbench.tuning import best_record, propose_batch


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


def _tune(trials: int, batch: int) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = []
    for b in range(-(-trials // batch)):
        nums = list(range(b * batch, min((b + 1) * batch, trials)))
        props = propose_batch(Toy, "toy", recs, batch_index=b, numbers=nums, base_seed=7, startup=2)
        for p in props:
            score = -((p.params["a"] - 0.8) ** 2) - 0.01 * abs(p.params["b"] - 6)
            state = "FAIL" if p.number == 3 else "COMPLETE"
            recs.append(
                {
                    "number": p.number,
                    "params": p.params,
                    "suggested": p.suggested,
                    "distributions": p.distributions,
                    "state": state,
                    "score": score if state == "COMPLETE" else None,
                    "value": score,
                }
            )
    return recs


def test_first_trial_is_the_default_configuration() -> None:
    recs = _tune(4, 2)
    assert recs[0]["params"] == Toy.default_params()


def test_proposals_are_a_pure_function_of_history() -> None:
    a, b = _tune(10, 2), _tune(10, 2)
    assert [r["params"] for r in a] == [r["params"] for r in b]
    # Resume: replaying batch 3 from the stored records gives the same proposals.
    replay = propose_batch(Toy, "toy", a[:6], batch_index=3, numbers=[6, 7], base_seed=7, startup=2)
    assert [p.params for p in replay] == [r["params"] for r in a[6:8]]


def test_other_base_seed_gives_other_proposals() -> None:
    a = _tune(6, 2)
    other = propose_batch(Toy, "toy", [], batch_index=1, numbers=[2, 3], base_seed=8, startup=2)
    mine = propose_batch(Toy, "toy", [], batch_index=1, numbers=[2, 3], base_seed=7, startup=2)
    assert [p.params for p in other] != [p.params for p in mine]
    assert len(a) == 6


def test_failed_trials_count_and_are_never_best() -> None:
    recs = _tune(6, 2)
    assert len(recs) == 6
    best = best_record(recs)
    assert best is not None and best["state"] == "COMPLETE" and best["number"] != 3
    assert best["score"] == max(r["score"] for r in recs if r["state"] == "COMPLETE")
