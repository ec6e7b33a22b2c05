"""The contract test case every task kind must pass (pytest), shipped so that plugins can run it.

Subclass :class:`KindContract` in a test module and give it two fixtures::

    from archbench.testing import KindContract

    class TestMyKind(KindContract):
        @pytest.fixture(scope="class")
        @classmethod
        def kind(cls) -> AnyKind:
            return MyKind()

        @pytest.fixture(scope="class")
        @classmethod
        def spec_dict(cls) -> dict:
            return {"task": {"name": "my-tiny-task"}, "budget": {"trials": 2}, ...}

The spec should be tiny (seconds per unit). The class runs the spec once through the whole
spine (preparation, scheduling on the inline executor, store, statistics, report) and checks
what every kind owes the spine: declarations, parts fitted on train only, metrics whose
weighted form reproduces the plain one, a store with every family x seed x split x metric,
predictions that give back the stored metrics, resumption that retrains nothing, and a report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archbench.kinds import kind_of
from archbench.kinds.base import AnyKind
from archbench.kinds.family import Model
from archbench.names import SCORED_SPLITS, SPLIT_NAMES
from archbench.spec.load import merge_dicts, spec_from_dict
from archbench.spec.model import PRESETS, Spec

try:
    import pytest
except ImportError:  # pragma: no cover - the contract is for test suites
    pytest = None  # type: ignore[assignment]


def _fixture() -> Any:
    assert pytest is not None, "archbench.testing needs pytest"
    return pytest.fixture(scope="class")


class KindContract:
    """Checks a kind through the spine. Fixtures to provide: ``kind``, ``spec_dict``."""

    @_fixture()
    @classmethod
    def spec(cls, kind: AnyKind, spec_dict: dict[str, Any]) -> Spec:
        from archbench.kinds import kind_names, register_kind

        if kind.name not in kind_names():
            register_kind(kind)
        spec = spec_from_dict(json.loads(json.dumps(spec_dict)))
        assert kind_of(spec).name == kind.name, "the spec must pick the kind under test"
        return spec

    @_fixture()
    @classmethod
    def run_dir(cls, spec: Spec, tmp_path_factory: Any) -> Path:
        from archbench.pipeline import RunOptions, run_benchmark

        out = tmp_path_factory.mktemp(f"contract-{kind_of(spec).name}") / "run"
        run_benchmark(spec, RunOptions(out=out, executor="inline", report=True))
        return out

    # -- declarations ----------------------------------------------------------------------------
    def test_declares_itself(self, kind: AnyKind) -> None:
        assert kind.name and kind.task_types, "a kind names itself and the task types it serves"
        names = kind.family_names
        assert len(names) == 3 and len(set(names)) == 3, f"three distinct families: {names}"
        for decl in kind.families:
            cls = decl.load()
            assert issubclass(cls, Model)
            assert isinstance(cls.default_params(), dict)
            assert decl.display(), "every family has a label"
        for preset in PRESETS:
            assert isinstance(kind.presets(preset), dict)

    def test_search_space_starts_from_the_defaults(self, kind: AnyKind) -> None:
        import optuna

        for decl in kind.families:
            cls = decl.load()
            study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
            drawn = cls.search_space(study.ask())
            assert set(drawn) <= set(cls.default_params()), (
                f"{decl.name}: tuned keys {sorted(set(drawn) - set(cls.default_params()))} "
                "have no default"
            )

    def test_declared_space_is_what_the_trial_draws(self, kind: AnyKind) -> None:
        import optuna

        for decl in kind.families:
            cls = decl.load()
            if not cls.space:  # a family that writes search_space(trial) by hand
                continue
            trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
            drawn = cls.search_space(trial)
            assert dict(trial.distributions) == dict(cls.space), (
                f"{decl.name}: search_space draws other distributions than its space declares"
            )
            assert set(cls.space) <= set(drawn) and set(cls.space) <= set(
                cls.space_description()
            ), f"{decl.name}: every tuned key is drawn and described"

    # -- data --------------------------------------------------------------------------------------
    def test_prepare_is_deterministic_and_complete(self, spec: Spec) -> None:
        from archbench.engine.prepare import prepare

        a, b = prepare(spec), prepare(spec)
        assert set(a.prepared.parts) == set(SPLIT_NAMES)
        assert a.prepared.split_digest == b.prepared.split_digest
        assert a.prepared.data_hash == b.prepared.data_hash
        for s in SPLIT_NAMES:
            assert a.prepared.sizes[s] > 0, f"the {s} part is empty"
        assert {"name", "task_type"} <= set(a.prepared.task_json)
        ids = a.prepared.splits_frame
        assert {"row_id", "split"} <= set(ids.columns)
        for s in ("val", "test"):  # ID train and evaluation units are disjoint
            train = set(ids.loc[ids["split"] == "train", "row_id"])
            assert not train & set(ids.loc[ids["split"] == s, "row_id"]), f"train overlaps {s}"

    # -- the whole spine ---------------------------------------------------------------------------
    def test_store_holds_every_family_seed_split_metric(self, run_dir: Path, spec: Spec) -> None:
        res = pd.read_parquet(run_dir / "results.parquet")
        run = json.loads((run_dir / "run.json").read_text())
        expected = len(spec.families.names) * spec.seeds.count * len(SCORED_SPLITS)
        expected *= len(run["metrics"])
        assert len(res) == expected
        assert set(res["split"]) == set(SCORED_SPLITS)
        assert run["kind"] == kind_of(spec).name

    def test_predictions_give_back_the_stored_metrics(self, run_dir: Path, kind: AnyKind) -> None:
        run = json.loads((run_dir / "run.json").read_text())
        res = pd.read_parquet(run_dir / "results.parquet")
        preds = pd.read_parquet(run_dir / "predictions.parquet")
        fam = run["families"][0]
        for split in SCORED_SPLITS:
            df = preds[(preds["family"] == fam) & (preds["split"] == split)]
            seeds = sorted(set(df["seed"]))
            frames = [df[df["seed"] == s].sort_values("row_id") for s in seeds]
            _, y, p = kind.unit_arrays(frames, run)
            for m in run["metrics"]:
                spec = kind.metric(m)
                stored = res[(res["family"] == fam) & (res["split"] == split)]
                stored = stored[stored["metric"] == m].sort_values("seed")["value"].to_numpy()
                plain = np.array([spec.fn(y, p[i]) for i in range(len(seeds))])
                np.testing.assert_allclose(plain, stored, rtol=1e-9, atol=1e-12, err_msg=m)
                if spec.weighted is not None:
                    ones = np.ones((1, len(y)), dtype=np.int32)
                    again = spec.weighted(y, p)(ones)[0]
                    np.testing.assert_allclose(again, stored, rtol=1e-9, atol=1e-12, err_msg=m)

    def test_statistics_and_report(self, run_dir: Path) -> None:
        stats = json.loads((run_dir / "stats.json").read_text())
        assert len(stats["top_two"]["families"]) == 2
        assert (run_dir / "report" / "report.pdf").stat().st_size > 10_000
        assert (run_dir / "report" / "latex" / "main.tex").is_file()

    @staticmethod
    def _dress_long(run_dir: Path, tmp_path: Path) -> Path:
        """A copy of the run deep in long folders, started with absolute paths, whose title,
        description, shift rule and feature names are long."""
        import shutil

        deep = tmp_path / ("folder-with-a-long-name-" * 4) / ("and-another-long-one-" * 4)
        dst = deep / ("run-of-a-task-with-a-long-name-" * 3).strip("-")
        shutil.copytree(run_dir, dst, ignore=shutil.ignore_patterns("report"))
        man = json.loads((dst / "manifest.json").read_text())
        man["command"] = (
            f"archbench run --spec {deep / ('a-spec-file-with-a-long-name-' * 3)}.toml "
            f"--out {dst} --workers 2"
        )
        (dst / "manifest.json").write_text(json.dumps(man))
        task = json.loads((dst / "task.json").read_text())
        words = "a long account of the task, its data, its owners and its purpose " * 8
        task["title"] = ("A task whose title goes on for a long while " * 3).strip()
        task["description"] = words.strip() + "."
        if isinstance(task.get("shift"), dict):
            task["shift"]["description"] = ("rows of a long list of groups " * 6).strip()
        feats = task.get("features")
        if isinstance(feats, dict):  # tables: many features with long names
            for key in ("numeric", "categorical"):
                if isinstance(feats.get(key), list):
                    feats[key] = [*feats[key], *(f"{key}_feature_{i:03d}_" * 3 for i in range(60))]
        (dst / "task.json").write_text(json.dumps(task))
        return dst

    @staticmethod
    def _dress_preset(dst: Path, kind: AnyKind, preset: str) -> None:
        """Make the stored run read as a run of ``preset``: the preset's resolved budget, caps
        and family settings in spec.json and run.json, its trial count, and every final seed
        stopped at the preset's epoch or round cap (the longest budget sentences)."""
        doc = json.loads((dst / "spec.json").read_text())
        spec = doc["spec"] = merge_dicts(doc["spec"], kind.presets(preset))
        spec["preset"] = preset
        (dst / "spec.json").write_text(json.dumps(doc))
        run = json.loads((dst / "run.json").read_text())
        trials = spec.get("budget", {}).get("trials")
        run["trials_per_family"] = trials or run.get("trials_per_family")
        cap = int(spec.get("split", {}).get("max_train_rows") or 0)
        run["train_rows"] = max(int(run.get("train_rows") or 0), cap)
        (dst / "run.json").write_text(json.dumps(run))
        for best in sorted((dst / "best").glob("*.json")):
            b = json.loads(best.read_text())
            fam = spec.get("families", {}).get(b.get("family", best.stem), {})
            budget = dict(b.get("training_budget") or {})
            for k in ("max_epochs", "patience", "max_rounds", "early_stopping_rounds"):
                if k in budget and fam.get(k):
                    budget[k] = int(fam[k])
            b["training_budget"] = budget
            b["trials"] = run["trials_per_family"]
            cap_iter = budget.get("max_epochs") or budget.get("max_rounds")
            if cap_iter:
                n = len(b.get("final_n_iter") or [0])
                b["iter_cap"], b["final_n_iter"], b["capped_seeds"] = cap_iter, [cap_iter] * n, n
            best.write_text(json.dumps(b))

    def test_report_fits_every_preset_with_long_paths_names_and_many_features(
        self, run_dir: Path, kind: AnyKind, tmp_path: Path, caplog: Any
    ) -> None:
        """For each preset (its budget, caps and family settings, every final seed at its
        cap), the main text stays within 4 pages and names no absolute path when the run lies
        deep in long folders, was started with absolute paths, and its title, description,
        shift rule and feature names are long."""
        import logging
        import re

        from archbench.report.build import MAX_MAIN_PAGES, write_report

        for preset in PRESETS:
            dst = self._dress_long(run_dir, tmp_path / preset)
            self._dress_preset(dst, kind, preset)
            caplog.clear()
            with caplog.at_level(logging.INFO, logger="archbench.report.build"):
                write_report(dst, engine="typst")
            said = " ".join(r.getMessage() for r in caplog.records)
            pages = [int(n) for n in re.findall(r"main text (\d+) pages", said)]
            assert pages and pages[-1] <= MAX_MAIN_PAGES, (preset, said[-2000:])
            tex = (dst / "report" / "latex" / "main.tex").read_text()
            assert str(tmp_path) not in tex and "folder-with-a-long-name" not in tex, preset

    def test_resume_retrains_nothing(self, run_dir: Path, spec: Spec) -> None:
        from archbench.pipeline import RunOptions, run_benchmark

        units = sorted(p for p in run_dir.glob("*/*/*.json") if p.parent.parent.name != "report")
        before = {p: p.stat().st_mtime_ns for p in units}
        assert before, "unit records exist"
        run_benchmark(spec, RunOptions(out=run_dir, executor="inline", report=False))
        assert {p: p.stat().st_mtime_ns for p in units} == before
