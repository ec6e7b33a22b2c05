"""The training budget in the report: equal gradient steps stated, unequal caps named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archbench.kinds.tabular.presets import PRESETS
from archbench.report.budget import budget_sentence, capped_sentence, equal_steps, steps
from archbench.report.rundata import load_run
from fixtures_report import make_run_dir


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run_dir(tmp_path_factory.mktemp("budget") / "run")


def _with_budget(base: Path, tmp: Path, budgets: dict[str, dict], n_iter=None) -> Path:
    import shutil

    run = tmp / "run"
    shutil.copytree(base, run)
    for fam, b in budgets.items():
        path = run / "best" / f"{fam}.json"
        rec = json.loads(path.read_text())
        rec["training_budget"] = b
        cap = b.get("max_epochs", b.get("max_rounds"))
        rec["iter_cap"] = cap
        rec["final_n_iter"] = (n_iter or {}).get(fam, [1] * 5)
        rec["capped_seeds"] = sum(n >= cap for n in rec["final_n_iter"])
        path.write_text(json.dumps(rec))
    run_json = json.loads((run / "run.json").read_text())
    run_json["train_rows"] = 10_000
    (run / "run.json").write_text(json.dumps(run_json))
    return run


NN = {"max_epochs": 20, "patience": 5, "batch_size": 256}
GB = {"max_rounds": 1000, "early_stopping_rounds": 50}


def test_equal_caps_are_stated_as_equal_gradient_steps(base: Path, tmp_path: Path) -> None:
    run = load_run(
        _with_budget(
            base,
            tmp_path,
            {"mlp": NN, "ft_transformer": NN, "gbdt": GB},
            n_iter={"ft_transformer": [20, 20, 14, 20, 9]},
        )
    )
    assert equal_steps(run) is True
    text = budget_sentence(run)
    assert "same number of gradient steps" in text
    assert "at most 800 for a final seed on 10,000 training rows" in text  # 20 x ceil(10000/256)
    assert "1,000 rounds with early stopping after 50" in text
    capped = capped_sentence(run)
    assert "FT-Transformer (3 of 5 seeds at 20 epochs)" in capped
    assert "equal number of gradient steps" in capped


def test_unequal_caps_say_the_comparison_is_not_at_equal_steps(base: Path, tmp_path: Path) -> None:
    ft = {**NN, "max_epochs": 15, "patience": 4}
    run = load_run(_with_budget(base, tmp_path, {"mlp": NN, "ft_transformer": ft, "gbdt": GB}))
    assert equal_steps(run) is False
    text = budget_sentence(run)
    assert "not compared at an equal number of gradient steps" in text
    assert "MLP 20 epochs of batch 256 (800 steps)" in text
    assert "FT-Transformer 15 epochs of batch 256 (600 steps)" in text


def test_same_epochs_different_batch_is_not_equal(base: Path, tmp_path: Path) -> None:
    run = load_run(
        _with_budget(
            base, tmp_path, {"mlp": {**NN, "batch_size": 128}, "ft_transformer": NN, "gbdt": GB}
        )
    )
    assert equal_steps(run) is False


def test_old_run_directories_without_a_budget_get_no_sentence(base: Path) -> None:
    run = load_run(base)
    assert budget_sentence(run) is None and equal_steps(run) is None


def test_steps_counts_a_partial_last_batch() -> None:
    assert steps({"max_epochs": 3, "batch_size": 256}, 257) == 6
    assert steps({"max_rounds": 10}, 257) is None


@pytest.mark.parametrize("kind", ["tabular", "forecasting", "text"])
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_kinds_presets_give_the_neural_families_one_budget(kind: str, preset: str) -> None:
    from archbench.engine.prepare import fixed_params  # noqa: F401  (the same merge as a run)
    from archbench.kinds import get_kind

    k = get_kind(kind)
    fams = k.presets(preset)["families"]
    budgets = []
    for decl in k.families:
        cls = decl.load("lightgbm" if len(decl.backends) > 1 else "")
        merged = {**cls.fixed_defaults, **fams.get(decl.name, {})}
        if "max_epochs" in merged:
            budgets.append((merged["max_epochs"], merged["patience"], merged["batch_size"]))
    assert len(budgets) >= 2 and len(set(budgets)) == 1, budgets
