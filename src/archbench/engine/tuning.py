"""The Optuna study of one family: seeded TPE, ask/tell in the driver, one budget for all.

The study is rebuilt in memory from the stored trial records before each ask, with a sampler
seeded from ``(base seed, family, trial number)``. Trial ``n`` sees the trials before
``n - window`` as finished and the ``window`` trials before it as running (constant liar), so a
proposal is a pure function of stored records: a resumed run proposes exactly what an
uninterrupted run would have, whatever the number of workers or the order in which they
finish. Trial 0 is the family's default configuration.

Failed trials (an exception or a non-finite score) count toward the budget of every family
alike: they are told to the study as FAIL with their reason and never selected.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import optuna
from optuna.distributions import BaseDistribution, distribution_to_json, json_to_distribution
from optuna.trial import TrialState

from archbench.kinds.family import Model
from archbench.seeding import derive_seed

log = logging.getLogger(__name__)
optuna.logging.set_verbosity(optuna.logging.WARNING)


@dataclass(frozen=True)
class Proposal:
    """One configuration to try: trial ``number`` of ``family``."""

    family: str
    number: int
    params: dict[str, Any]
    distributions: dict[str, str]  # Optuna distributions as JSON, for rebuilding the study
    suggested: dict[str, Any] = field(default_factory=dict)  # raw trial.params

    def as_record(self) -> dict[str, Any]:
        return {"number": self.number, "suggested": self.suggested, "params": self.params}


def _new_study(family: str, base_seed: int, number: int, startup: int) -> optuna.Study:
    sampler = optuna.samplers.TPESampler(
        seed=derive_seed(base_seed, "tpe", family, number),
        n_startup_trials=startup,
        multivariate=True,
        constant_liar=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
        return optuna.create_study(direction="maximize", sampler=sampler)


def _as_frozen_trial(rec: dict[str, Any]) -> optuna.trial.FrozenTrial:
    dists: dict[str, BaseDistribution] = {
        k: json_to_distribution(v) for k, v in rec["distributions"].items()
    }
    ok = rec["state"] == "COMPLETE" and rec.get("score") is not None
    return optuna.trial.create_trial(
        params=rec["suggested"],
        distributions=dists,
        value=float(rec["score"]) if ok else None,
        state=TrialState.COMPLETE if ok else TrialState.FAIL,
        user_attrs={"number": rec["number"]},
    )


def build_study(
    family: str, records: list[dict[str, Any]], *, base_seed: int, number: int, startup: int
) -> optuna.Study:
    """An in-memory study holding ``records`` (finished trials, in number order)."""
    study = _new_study(family, base_seed, number, startup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rec in sorted(records, key=lambda r: r["number"]):
            study.add_trial(_as_frozen_trial(rec))
    return study


def _ask(model_cls: type[Model], family: str, study: optuna.Study, number: int) -> Proposal:
    trial = study.ask()
    params = model_cls.search_space(trial)
    return Proposal(
        family=family,
        number=number,
        params=params,
        distributions={k: distribution_to_json(d) for k, d in trial.distributions.items()},
        suggested=dict(trial.params),
    )


def propose_trial(
    model_cls: type[Model],
    family: str,
    finished: list[dict[str, Any]],
    pending: list[dict[str, Any]],
    *,
    number: int,
    base_seed: int,
    startup: int,
) -> Proposal:
    """The configuration of trial ``number``, a pure function of its inputs.

    A sliding window of ``window`` trials per family: trial ``n`` is proposed once trials
    ``0 .. n - window - 1`` are finished (``finished``), while trials ``n - window .. n - 1``
    may still run (``pending``: their suggested params, held by the sampler as running
    trials with the constant liar). Which worker finishes first never changes a proposal,
    so the numbers are the same with 1 worker, 2, or a cluster, and after a resume.
    """
    study = build_study(family, finished, base_seed=base_seed, number=number, startup=startup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rec in sorted(pending, key=lambda r: r["number"]):
            study.enqueue_trial(rec["suggested"], skip_if_exists=False)
            _ask(model_cls, family, study, rec["number"])
    if number == 0:
        study.enqueue_trial(model_cls.default_params(), skip_if_exists=False)
    return _ask(model_cls, family, study, number)


def is_valid_score(score: Any) -> bool:
    return isinstance(score, int | float) and math.isfinite(score)


def best_record(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The completed trial with the highest score; ties go to the lower trial number."""
    ok = [r for r in records if r["state"] == "COMPLETE" and is_valid_score(r.get("score"))]
    if not ok:
        return None
    return sorted(ok, key=lambda r: (-float(r["score"]), r["number"]))[0]


def export_study(
    path: Path,
    family: str,
    records: list[dict[str, Any]],
    direction: Literal["minimize", "maximize"],
) -> None:
    """Write the family's trials to an Optuna SQLite storage (atomically, via a temp file)."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        storage = optuna.storages.RDBStorage(f"sqlite:///{tmp}")
        study = optuna.create_study(study_name=family, storage=storage, direction=direction)
        study.set_user_attr("note", "validation score; selection used validation data only")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for rec in sorted(records, key=lambda r: r["number"]):
                ft = _as_frozen_trial(rec)
                value = rec.get("value") if ft.state == TrialState.COMPLETE else None
                study.add_trial(
                    optuna.trial.create_trial(
                        params=ft.params,
                        distributions=ft.distributions,
                        value=value,
                        state=ft.state,
                        user_attrs={
                            "wall_s": rec.get("wall_s"),
                            "cpu_s": rec.get("cpu_s"),
                            "reason": rec.get("reason", ""),
                            "params_json": json.dumps(rec["params"], sort_keys=True),
                        },
                    )
                )
        storage.engine.dispose()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
