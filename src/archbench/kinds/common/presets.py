"""One preset builder for every kind: a kind states its numbers, the builder writes the dict.

A preset (``quick``, ``default``, ``thorough``) is the part of ``spec.toml`` a kind fills in
before the user's own keys: row caps of the splits, the tuning budget, and one training
budget per family. Every kind follows the same rules, so they live here once:

* every neural family of a preset gets the same epoch cap and patience (the equal-budget rule
  of ``report/budget.py``), and the GBDT one round cap and early-stopping window;
* the caps are ``split.max_{train,val,test,shift}_rows`` (0 lifts a cap);
* the tuning batch is 3 trials in every preset.

A kind writes its presets as a table of :class:`Sizes`, one row per preset, and passes what
only it has (fixed split keys, a fixed batch size, one family's extra ``params``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Sizes", "build_presets"]

_CAPS = ("max_train_rows", "max_val_rows", "max_test_rows", "max_shift_rows")


@dataclass(frozen=True)
class Sizes:
    """The numbers of one preset.

    Attributes:
        rows: caps on the train, validation, test and shift rows (0: no cap).
        trials, startup: tuning trials, and how many of them are random (optuna's startup).
        tune_rows: rows of train each trial trains on (``budget.tune_max_rows``); None leaves
            the spec's default.
        epochs, patience: every neural family's epoch cap and early-stopping patience.
        rounds, early: the GBDT's round cap and early-stopping rounds.
    """

    rows: tuple[int, int, int, int]
    trials: int
    startup: int
    tune_rows: int | None
    epochs: int
    patience: int
    rounds: int
    early: int

    def spec(
        self,
        neural: tuple[str, ...],
        *,
        split: Mapping[str, Any],
        neural_extra: Mapping[str, Any],
        extra: Mapping[str, Mapping[str, Any]],
    ) -> dict[str, Any]:
        """The preset as spec tables: ``split``, ``budget`` and ``families``."""
        budget: dict[str, Any] = {"trials": self.trials, "batch": 3, "startup_trials": self.startup}
        if self.tune_rows is not None:
            budget["tune_max_rows"] = self.tune_rows
        families: dict[str, dict[str, Any]] = {
            name: {"max_epochs": self.epochs, "patience": self.patience, **neural_extra}
            for name in neural
        }
        families["gbdt"] = {"max_rounds": self.rounds, "early_stopping_rounds": self.early}
        for name, keys in extra.items():
            families[name].update(keys)
        return copy.deepcopy(
            {
                "split": {**split, **dict(zip(_CAPS, self.rows, strict=True))},
                "budget": budget,
                "families": families,
            }
        )


def build_presets(
    neural: tuple[str, ...],
    sizes: Mapping[str, Sizes],
    *,
    split: Mapping[str, Any] | None = None,
    neural_extra: Mapping[str, Any] | None = None,
    extra: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    split_extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each preset's spec tables.

    Args:
        neural: the kind's neural families, in spec order (the GBDT, ``gbdt``, comes last).
        sizes: the numbers of each preset, by preset name.
        split: fixed ``[split]`` keys written before the caps in every preset.
        neural_extra: fixed settings of every neural family (e.g. ``batch_size``).
        extra: by preset, then family: keys added to that family (e.g. its ``params``).
        split_extra: by preset: ``[split]`` keys written after the caps (e.g. forecasting's
            ``max_train_steps``).
    """
    extra, split_extra = extra or {}, split_extra or {}
    out = {
        name: s.spec(
            neural, split=split or {}, neural_extra=neural_extra or {}, extra=extra.get(name, {})
        )
        for name, s in sizes.items()
    }
    for name, keys in split_extra.items():
        out[name]["split"].update(copy.deepcopy(dict(keys)))
    return out
