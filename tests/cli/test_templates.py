"""``archbench init`` for every kind and variant writes a spec that runs as written: the
top-level keys sit above the first table (uncommenting them keeps them top-level), every
commented key line that has a value can be uncommented into a valid spec, and the template sets
nothing a preset sets (``--preset quick`` resolves to the quick budget)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from archbench.cli import main
from archbench.kinds import all_kinds, kind_of
from archbench.spec.load import load_spec
from archbench.spec.model import PRESETS

#: A commented ``key = value`` line or a commented ``[table]`` header.
_KEY_LINE = re.compile(r"^# ?((\[[\w.]+\])|([A-Za-z_]\w*\s*=\s*\S.*))$")

VARIANTS = [
    (kind.name, v)
    for kind in all_kinds()
    for v in (*kind.builtin_tasks, *getattr(kind, "init_words", ()))
]


def uncomment(text: str) -> str:
    """Every commented key line with a value (and every commented table header) uncommented."""
    out = []
    for line in text.splitlines():
        m = _KEY_LINE.match(line)
        out.append(m.group(1) if m else line)
    return "\n".join(out) + "\n"


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k != "params":
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _init(variant: str, folder: Path) -> Path:
    out = folder / f"{variant}.toml"
    assert main(["init", "--task", variant, "--out", str(out)]) == 0
    return out


def test_variants_cover_every_kind() -> None:
    assert {k for k, _ in VARIANTS} == {k.name for k in all_kinds()}
    assert {"csv", "text", "forecasting"} <= {v for _, v in VARIANTS}


@pytest.mark.parametrize(("kind", "variant"), VARIANTS)
def test_template_sets_nothing_a_preset_sets(kind: str, variant: str, tmp_path: Path) -> None:
    path = _init(variant, tmp_path)
    written = _flat(tomllib.loads(path.read_text()))
    k = next(x for x in all_kinds() if x.name == kind)
    for preset in PRESETS:
        clash = sorted(set(written) & set(_flat(k.presets(preset))))
        assert not clash, f"{variant}: the template sets {clash}, which preset {preset} sets"
    quick = load_spec(path, preset="quick")
    want = _flat(k.presets("quick"))
    got = _flat(quick.to_dict())
    assert quick.budget.trials == want["budget.trials"] < load_spec(path).budget.trials
    for key, value in want.items():
        assert got[key] == value, f"{variant} --preset quick: {key} = {got[key]!r}, not {value!r}"


@pytest.mark.parametrize(("kind", "variant"), VARIANTS)
def test_every_commented_key_can_be_uncommented(kind: str, variant: str, tmp_path: Path) -> None:
    text = _init(variant, tmp_path).read_text()
    full = uncomment(text)
    assert full != text
    data = tomllib.loads(full)
    for key in ("preset", "metrics", "device"):
        assert key in data, f"{variant}: {key!r} is not a top-level key once uncommented"
    p = tmp_path / "full.toml"
    p.write_text(full)
    spec = load_spec(p)
    assert kind_of(spec).name == kind
    assert spec.preset == data["preset"]
    # the top-level keys come before the first table in the file as written
    first_table = next(i for i, ln in enumerate(text.splitlines()) if ln.startswith("["))
    for key in ("preset", "metrics", "device"):
        line = next(i for i, ln in enumerate(text.splitlines()) if ln.startswith(f"# {key} ="))
        assert line < first_table, f"{variant}: '# {key} =' is written below the first table"
