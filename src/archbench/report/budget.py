"""The training budget in words: the caps every family trained under, and whether the neural
families had the same number of gradient steps (the equal-budget rule of docs/statistics.md).

The rule the presets follow: every neural family of a task gets the same epoch cap, patience
and batch size, so on the same training units they take the same number of gradient steps; the
gradient-boosted trees get a round cap with early stopping. A family that is still improving
when it reaches the cap is then compared *at this budget*, not at convergence, and the report
says so; when a spec gives the neural families different caps, the report says that the
comparison is not at equal steps.
"""

from __future__ import annotations

import math
from typing import Any

from archbench.report.fmt import count
from archbench.report.kindparts import unit_words
from archbench.report.rundata import RunData


def budgets(run: RunData) -> dict[str, dict[str, int]]:
    """Each family's training budget as recorded in best/<family>.json (empty when absent)."""
    out = {}
    for fam in run.families:
        b = (run.best.get(fam) or {}).get("training_budget")
        if isinstance(b, dict) and b:
            out[fam] = {k: int(v) for k, v in b.items()}
    return out


def steps(budget: dict[str, int], units: int | None) -> int | None:
    """Gradient steps one final seed may take: epochs x ceil(units / batch)."""
    if not units or "max_epochs" not in budget or not budget.get("batch_size"):
        return None
    return budget["max_epochs"] * math.ceil(units / budget["batch_size"])


def equal_steps(run: RunData) -> bool | None:
    """Whether every neural family had the same cap, patience and batch size (None: not
    recorded or fewer than two neural families)."""
    neural = [b for b in budgets(run).values() if "max_epochs" in b]
    if len(neural) < 2:
        return None
    key = [(b["max_epochs"], b.get("patience"), b.get("batch_size")) for b in neural]
    return len(set(key)) == 1


def budget_sentence(run: RunData, compact: int = 0) -> str | None:
    """One or two sentences on the training caps and the equal-budget rule."""
    bud = budgets(run)
    if not bud:
        return None
    units = run.run.get("train_rows")
    unit = unit_words(run)[1]
    neural = {f: b for f, b in bud.items() if "max_epochs" in b}
    trees = {f: b for f, b in bud.items() if "max_rounds" in b}
    tree_txt = "".join(
        f"; {run.label(f)} boosts up to {count(b['max_rounds'])} rounds"
        + (
            f" with early stopping after {b['early_stopping_rounds']}"
            if b.get("early_stopping_rounds")
            else ""
        )
        for f, b in trees.items()
    )
    same = equal_steps(run)
    if same:
        b = next(iter(neural.values()))
        n_steps = steps(b, units)
        at = (
            f" (at most {count(n_steps)} for a final seed on {count(units)} training {unit})"
            if n_steps and compact < 3
            else ""
        )
        return (
            f"Training budget: the neural families share one cap of {b['max_epochs']} epochs of "
            f"batch {b.get('batch_size')} with patience {b.get('patience')}, the same number of "
            f"gradient steps{at}{tree_txt}. A family still improving at its cap is compared at "
            "this equal budget, not at convergence."
        )
    if same is None:
        return None
    parts = []
    for f, b in neural.items():
        n_steps = steps(b, units)
        parts.append(
            f"{run.label(f)} {b['max_epochs']} epochs of batch {b.get('batch_size')}"
            + (f" ({count(n_steps)} steps)" if n_steps else "")
        )
    return (
        "Training budget: the neural families' caps differ: "
        + ", ".join(parts)
        + f"{tree_txt}. The neural families are therefore not compared at an equal number of "
        "gradient steps; the same max_epochs, patience and batch_size for each of them make "
        "the budget equal."
    )


def capped_sentence(run: RunData) -> str | None:
    """Name the families whose final seeds stopped at the epoch/round cap (still improving)."""
    parts = []
    for fam in run.families:
        b: dict[str, Any] = run.best.get(fam) or {}
        capped, seeds, cap = b.get("capped_seeds"), b.get("final_n_iter") or [], b.get("iter_cap")
        if capped and cap:
            bud = b.get("training_budget") or {}
            unit = "rounds" if "max_rounds" in bud or (not bud and fam == "gbdt") else "epochs"
            parts.append(f"{run.label(fam)} ({capped} of {len(seeds)} seeds at {cap} {unit})")
    if not parts:
        return None
    if equal_steps(run):
        return (
            " Final seeds that stopped at the shared cap were still improving: "
            + "; ".join(parts)
            + ". They are compared at this equal number of gradient steps; a larger cap for "
            "every neural family (the thorough preset) shows whether the ranking holds at "
            "convergence."
        )
    return (
        " Final seeds that stopped at the training cap were still improving, so these families "
        "may be under-trained at this budget: " + "; ".join(parts) + "."
    )
