from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from archbench.errors import ConfigError
from archbench.kinds.tabular.templates import spec_template
from archbench.spec.load import load_spec, spec_from_dict
from archbench.spec.model import spec_to_toml


def test_defaults_are_the_flights_task_with_five_seeds() -> None:
    spec = spec_from_dict({})
    assert spec.task.name == "flights"
    assert spec.seeds.count == 5
    assert spec.families.names == ("mlp", "ft_transformer", "gbdt")


def test_preset_quick_is_overridden_by_the_spec() -> None:
    spec = spec_from_dict({"budget": {"trials": 7}}, preset="quick")
    assert spec.budget.trials == 7
    assert spec.split.max_train_rows == 2000
    assert spec.preset == "quick"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"budjet": {}}, "did you mean 'budget'"),
        ({"budget": {"trails": 3}}, "budget.trails"),
        ({"budget": {"trials": "ten"}}, "budget.trials must be an integer"),
        ({"budget": {"trials": 0}}, "budget.trials"),
        ({"seeds": {"count": 1}}, "seeds.count"),
        ({"families": {"names": ["mlp", "svm"]}}, "unknown family 'svm'"),
        ({"families": {"names": ["mlp"]}}, "at least two"),
        ({"metrics": ["auc"]}, "unknown metric 'auc'"),
        ({"task": {"name": "flight"}}, "did you mean 'flights'"),
        ({"task": {"path": "x.csv", "type": "classification"}}, "task.target"),
        ({"task": {"path": "x.csv", "target": "y", "type": "clustering"}}, "task.type"),
        ({"task": {"path": "x.csv", "target": "y", "type": "regression"}}, "[task.shift]"),
        ({"split": {"val_fraction": 1.5}}, "split.val_fraction"),
        ({"preset": "fast"}, "preset 'fast'"),
        (
            {
                "task": {
                    "path": "x.csv",
                    "target": "y",
                    "type": "regression",
                    "shift": {"kind": "range", "column": "t"},
                }
            },
            "min, max",
        ),
    ],
)
def test_bad_specs_name_the_key(data: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        spec_from_dict(data)
    assert needle in str(info.value)


def test_toml_round_trip(tmp_path: Path) -> None:
    spec = spec_from_dict({"budget": {"trials": 4}}, preset="quick")
    path = tmp_path / "spec.toml"
    path.write_text(spec_to_toml(spec))
    assert load_spec(path) == spec
    assert spec.digest() == load_spec(path).digest()


def test_digest_changes_with_content_not_output() -> None:
    a = spec_from_dict({})
    b = spec_from_dict({"output": {"dir": "elsewhere"}})
    c = spec_from_dict({"budget": {"trials": 3}})
    assert a.digest() == b.digest()
    assert a.digest() != c.digest()


def test_relative_data_path_resolves_against_the_spec(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    p = tmp_path / "sub" / "s.toml"
    p.write_text(
        '[task]\npath = "d.csv"\ntarget = "y"\ntype = "regression"\n'
        '[task.shift]\nkind = "range"\ncolumn = "x"\nmin = 1\n'
    )
    assert load_spec(p).task.path == str((tmp_path / "sub" / "d.csv").resolve())


def test_malformed_toml_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[task\nname = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_spec(p)


@pytest.mark.parametrize("task", ["flights", "california", "adult", "csv"])
def test_init_templates_parse(task: str, tmp_path: Path) -> None:
    text = spec_template(task)
    data = tomllib.loads(text)
    if task == "csv":
        (tmp_path / "data.csv").write_text("a\n1\n")
        p = tmp_path / "s.toml"
        p.write_text(text)
        spec = load_spec(p)
        assert spec.task.target == "label"
    else:
        assert spec_from_dict(data).task.name == task


def test_matmul_precision_is_validated_and_reaches_the_neural_families(tmp_path: Path) -> None:
    from archbench.pipeline import fixed_params

    with pytest.raises(ConfigError, match=r"matmul_precision = 'fp16'.*'highest'"):
        spec_from_dict({"matmul_precision": "fp16"})
    spec = spec_from_dict({"matmul_precision": "medium"}, preset="quick")
    (tmp_path / "spec.toml").write_text(spec_to_toml(spec))
    assert load_spec(tmp_path / "spec.toml") == spec
    assert fixed_params(spec, "ft_transformer")["matmul_precision"] == "medium"
    assert fixed_params(spec, "mlp")["matmul_precision"] == "medium"
    assert "matmul_precision" not in fixed_params(spec, "gbdt")
    # the default leaves the unit parameters (and so earlier runs' unit keys) unchanged
    assert "matmul_precision" not in fixed_params(spec_from_dict({}), "mlp")
