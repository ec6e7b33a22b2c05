"""The suite file: tasks, shared settings, one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from archbench.cli import main, spec_template
from archbench.errors import ConfigError
from archbench.spec.suite import builtin_suite, builtin_suite_tasks, load_suite, suite_from_dict


def _suite(**over: object) -> dict:
    base: dict = {"suite": {"tasks": ["california", "adult"], "preset": "quick"}}
    for key, value in over.items():
        section, name = key.split("__")
        base.setdefault(section, {})[name] = value
    return base


def test_shared_settings_reach_every_task() -> None:
    s = suite_from_dict(_suite(budget__trials=2, seeds__count=3, families__names=["mlp", "gbdt"]))
    assert [t.id for t in s.tasks] == ["california", "adult"]
    for t in s.tasks:
        assert t.spec.budget.trials == 2
        assert t.spec.seeds.count == 3
        assert t.spec.families.names == ("mlp", "gbdt")
        assert t.spec.preset == "quick"


def test_spec_files_are_tasks_relative_to_the_suite(tiny_spec, tmp_path: Path) -> None:
    spec = tiny_spec(name="mine.toml")
    suite = tmp_path / "s.toml"
    suite.write_text('[suite]\ntasks = ["mine.toml", "adult"]\n[seeds]\ncount = 3\n')
    s = load_suite(suite)
    assert [t.id for t in s.tasks] == ["mine", "adult"]
    assert s.tasks[0].spec.split.max_train_rows == 600  # the file's own setting stays
    assert s.tasks[0].spec.seeds.count == 3  # the shared one wins
    assert s.tasks[0].source == "mine.toml" and spec.exists()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (_suite(suite__tasks=["california", "califronia"]), "unknown task 'califronia'"),
        (_suite(suite__tasks=["adult", "adult"]), "task 'adult' is listed twice"),
        (_suite(suite__tasks=[]), "suite.tasks is empty"),
        (_suite(suite__task=["adult"]), "unknown key 'suite.task': did you mean 'tasks'?"),
        (_suite(budget__trails=3), "unknown key 'budget.trails'"),
        (_suite(suite__parallel_tasks=0), "suite.parallel_tasks = 0"),
        (_suite(suite__directions="any"), "suite.directions = 'any' is not allowed"),
        (_suite(families__names=["mlp", "lstm"]), "matches the families of no task"),
        (_suite(suite__tasks=["nope.toml"]), "does not exist"),
        (_suite(seeds__count=1), "seeds.count = 1"),
    ],
)
def test_mistakes_give_one_clear_line(data: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=None) as exc:
        suite_from_dict(data)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_duplicate_spec_file_names_are_refused(tiny_spec, tmp_path: Path) -> None:
    a = tiny_spec(name="t.toml")
    (tmp_path / "b").mkdir()
    b = tmp_path / "b" / "t.toml"
    b.write_text(a.read_text())
    with pytest.raises(ConfigError, match="listed twice"):
        suite_from_dict({"suite": {"tasks": [str(a), str(b)]}})


def test_init_writes_a_suite_file_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "suite.toml"
    assert main(["init", "--task", "suite", "--out", str(out)]) == 0
    s = load_suite(out)
    assert [t.id for t in s.tasks] == ["california", "adult", "flights"]
    assert spec_template("suite") == out.read_text()


def test_builtin_suite_takes_listed_tasks_and_one_of_every_other_kind() -> None:
    from archbench.kinds import register_kind, unregister_kind
    from kinds.toy import ToyKind

    s = builtin_suite()
    assert [t.id for t in s.tasks] == ["california", "flights", "weather", "clothing_reviews"]
    assert all(t.spec.preset == "default" for t in s.tasks)
    register_kind(ToyKind(), replace=True)
    try:
        assert builtin_suite_tasks()[-1] == "toy_sine"
    finally:
        unregister_kind("toy")


def test_cli_errors_are_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[suite]\ntasks = ["adult", "adult"]\n')
    assert main(["suite", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "listed twice" in err
    assert main(["suite"]) == 2
    assert "--builtin" in capsys.readouterr().err


def test_primary_metrics_resolve_before_any_task_runs(monkeypatch, tiny_spec) -> None:
    """Forecasting and text need no data (the kind's metric set says it); a built-in table is
    loaded only because classification and regression point in different directions."""
    from archbench.kinds import get_kind
    from archbench.spec.load import load_spec, spec_from_dict
    from archbench.spec.suite import PrimaryMetric, resolve_primary

    loaded: list[str] = []
    for name in ("forecasting", "text"):
        kind = type(get_kind(name))
        monkeypatch.setattr(kind, "load", lambda self, spec: loaded.append(spec.task.name))
    weather = resolve_primary(spec_from_dict({"task": {"name": "weather"}}))
    assert weather == PrimaryMetric("mase", False)
    text = resolve_primary(spec_from_dict({"task": {"name": "clothing_reviews"}}))
    assert text is not None and text.higher_is_better and "roc_auc" in text.name
    assert loaded == []
    assert resolve_primary(spec_from_dict({"task": {"name": "california"}})) == PrimaryMetric(
        "rmse", False
    )
    adult = spec_from_dict({"task": {"name": "adult", "primary_metric": "log_loss"}})
    assert resolve_primary(adult) == PrimaryMetric("log_loss", False)
    assert resolve_primary(load_spec(tiny_spec())).name == "rmse"


def _mixed_suite(folder: Path, tiny_spec, **suite: str) -> Path:
    """california (RMSE, lower is better) and adult (ROC-AUC, higher) as tiny spec files."""
    text = tiny_spec().read_text()
    (folder / "california.toml").write_text(text)
    (folder / "adult.toml").write_text(text.replace('name = "california"', 'name = "adult"'))
    extra = "".join(f'{k} = "{v}"\n' for k, v in suite.items())
    p = folder / "mixed.toml"
    p.write_text(
        f'[suite]\ntasks = ["california.toml", "adult.toml"]\npreset = "quick"\n{extra}'
        "[seeds]\ncount = 2\n"
    )
    return p


def test_mixed_directions_are_refused_before_anything_runs(
    tiny_spec, tmp_path: Path, capsys
) -> None:
    suite = _mixed_suite(tmp_path, tiny_spec, directions="same")
    out = tmp_path / "out"
    assert main(["suite", str(suite), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert not out.exists()  # nothing written, no task started
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert 'suite.directions = "same"' in err
    assert "california: rmse (lower is better), adult: roc_auc (higher is better)" in err
    assert 'set suite.directions = "normalised"' in err


def test_mixed_directions_under_normalised_warn_at_load(tiny_spec, tmp_path: Path, caplog) -> None:
    with caplog.at_level("WARNING", logger="archbench.spec.suite"):
        s = load_suite(_mixed_suite(tmp_path, tiny_spec))
    assert [t.primary.higher_is_better for t in s.tasks if t.primary] == [False, True]
    assert "primary metrics differ in direction" in caplog.text


@pytest.mark.parametrize(
    ("tasks", "needle"),
    [
        (["weather", "california"], "task california (tabular) has no reference row"),
        (["california", "adult"], "tasks california (tabular), adult (tabular) have no"),
    ],
)
def test_reference_normalisation_refuses_a_kind_without_one_at_load(
    tasks: list[str], needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind without ``reference_zero`` (tables here, with theirs taken away) is refused."""
    from archbench.kinds.tabular.kind import TabularKind

    monkeypatch.setattr(TabularKind, "reference_zero", ())
    with pytest.raises(ConfigError) as exc:
        suite_from_dict({"suite": {"tasks": tasks, "normalise": "reference"}})
    msg = str(exc.value)
    assert needle in msg and 'use suite.normalise = "worst"' in msg and "\n" not in msg


def test_reference_normalisation_takes_the_linear_model_for_tables() -> None:
    from archbench.kinds import get_kind

    s = suite_from_dict({"suite": {"tasks": ["weather", "california"], "normalise": "reference"}})
    assert s.settings.normalise == "reference" and get_kind("tabular").reference_zero == ("linear",)


def test_reference_normalisation_accepts_forecasting_and_text() -> None:
    s = suite_from_dict(
        {"suite": {"tasks": ["weather", "clothing_reviews"], "normalise": "reference"}}
    )
    assert s.settings.normalise == "reference"
    with pytest.raises(ConfigError, match=r"suite\.normalise = 'best' is not allowed"):
        suite_from_dict({"suite": {"tasks": ["weather"], "normalise": "best"}})


def test_suite_reference_names_a_row_under_reference_normalisation() -> None:
    s = suite_from_dict(
        {"suite": {"tasks": ["weather"], "normalise": "reference", "reference": "ets"}}
    )
    assert s.settings.reference == "ets"
    with pytest.raises(ConfigError, match=r"suite.reference = 'arima' is not a reference row; "
                       r"use one of ets, linear, naive"):  # fmt: skip
        suite_from_dict({"suite": {"tasks": ["weather"], "normalise": "reference",
                                   "reference": "arima"}})  # fmt: skip
    with pytest.raises(ConfigError, match=r'applies only under suite.normalise = "reference"'):
        suite_from_dict({"suite": {"tasks": ["weather"], "reference": "ets"}})
