"""``archbench init --task text`` and ``--task clothing_reviews`` write valid specs."""

from __future__ import annotations

import pytest

from archbench.kinds import get_kind, kind_of


@pytest.mark.parametrize("variant", ["text", "clothing_reviews"])
def test_init_templates_are_valid_specs(variant: str) -> None:
    import tomllib

    from archbench.spec.load import spec_from_dict

    text = get_kind("text").init_template(variant)
    assert text is not None
    spec = spec_from_dict(tomllib.loads(text))
    assert kind_of(spec).name == "text" and spec.families.names == ("mlp", "encoder", "gbdt")
    if variant == "text":
        assert spec.task.options["text"] == ["title", "body"]
    assert get_kind("text").init_template("csv") is None
