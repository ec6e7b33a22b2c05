"""Unknown ``[task]`` keys: the message lists the keys a user may write for the task's kind
(never internal fields such as ``given_path`` or ``options``)."""

from __future__ import annotations

from typing import Any

import pytest

from archbench.errors import ConfigError
from archbench.kinds import get_kind
from archbench.spec.load import spec_from_dict, user_task_keys

_SHIFT = {"kind": "groups", "column": "c", "values": ["a"]}
TASKS: dict[str, dict[str, Any]] = {
    "tabular": {"type": "classification", "path": "x.csv", "target": "y", "shift": _SHIFT},
    "text": {"type": "text_classification", "path": "x.csv", "text": "t", "target": "y",
             "shift": _SHIFT},
    "forecasting": {"type": "forecasting", "path": "x.csv", "target": "y", "time": "t",
                    "horizon": 2, "context": 4,
                    "shift": {"kind": "range", "column": "t", "min": 10}},
}  # fmt: skip


def _message(kind: str, **extra: Any) -> str:
    with pytest.raises(ConfigError) as info:
        spec_from_dict({"task": {**TASKS[kind], **extra}})
    return str(info.value)


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_unknown_task_key_lists_the_kinds_user_keys(kind: str) -> None:
    msg = _message(kind, zzz=1)
    assert msg.startswith("unknown key 'task.zzz':")
    listed = msg.split(" takes ", 1)[1].split(", ")
    assert sorted(listed) == sorted(user_task_keys(get_kind(kind)))
    for internal in ("given_path", "options"):
        assert internal not in listed
    for key in get_kind(kind).task_keys:
        assert key in listed


def test_text_lists_its_own_keys_and_not_table_keys() -> None:
    listed = _message("text", zzz=1).split(" takes ", 1)[1].split(", ")
    assert {"text", "positive_class", "separator", "target", "description"} <= set(listed)
    assert not {"features", "categorical", "drop", "keep_ids"} & set(listed)


def test_internal_fields_are_not_keys_and_a_typo_gets_a_suggestion() -> None:
    for kind in TASKS:
        for internal in ("given_path", "options"):
            assert f"unknown key 'task.{internal}'" in _message(kind, **{internal: "x"})
    assert "did you mean 'positive_class'?" in _message("text", positive_clas="1")
    assert "did you mean 'horizon'?" in _message("forecasting", horizn=3)
