from __future__ import annotations

from pathlib import Path

import pytest

from archbench.engine.store import RunStore, atomic_write_json
from archbench.errors import StoreError


def test_unit_round_trip_and_done_marker(tmp_path: Path) -> None:
    st = RunStore(tmp_path / "run")
    art = st.trial_path("mlp", 3)
    assert st.read_unit(art) is None
    st.write_unit(art, {"value": 0.5})
    assert st.read_unit(art) == {"value": 0.5}


def test_truncated_artifact_is_not_done(tmp_path: Path) -> None:
    st = RunStore(tmp_path / "run")
    art = st.seed_path("gbdt", 0)
    extra = st.seed_predictions_path("gbdt", 0)
    st.write_unit(art, {"x": 1}, extra={extra: b"0123456789"})
    assert st.is_done(art, extra)
    extra.write_bytes(b"01234")  # truncated
    assert not st.is_done(art, extra)
    assert st.read_unit(art, extra) is None


def test_missing_marker_means_not_done(tmp_path: Path) -> None:
    st = RunStore(tmp_path / "run")
    art = st.trial_path("mlp", 0)
    atomic_write_json(art, {"value": 1})
    assert not st.is_done(art)


def test_claim_refuses_a_different_spec_and_names_the_key(tmp_path: Path) -> None:
    st = RunStore(tmp_path / "run")
    assert st.claim({"budget": {"trials": 3}}, "h1") is False
    assert st.claim({"budget": {"trials": 3}}, "h1") is True
    with pytest.raises(StoreError, match=r"budget\.trials: 3 -> 4"):
        st.claim({"budget": {"trials": 4}}, "h2")
    assert st.claim({"budget": {"trials": 4}}, "h2", force=True) is False


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        RunStore(f).check_location()
    with pytest.raises(StoreError, match="is a file"):
        RunStore(f / "sub").check_location()


def test_foreign_nonempty_directory_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "thesis.tex").write_text("precious")
    with pytest.raises(StoreError, match="holds no archbench run"):
        RunStore(d).claim({}, "h")
    assert (d / "thesis.tex").exists()


#: spec.json's spec_hash of ``archbench run --task flights --preset quick`` stored by archbench
#: before ``split.group`` existed (commit a184042): such runs must still resume.
FLIGHTS_QUICK_BEFORE_GROUPS = "dfc376d2ec3fd477bdaad1ea23cd4a558f5a3798e2f59e1d24ec1d034f82377e"


def test_a_run_stored_before_split_group_still_resumes(tmp_path: Path) -> None:
    from archbench.spec.load import spec_from_dict

    spec = spec_from_dict({"task": {"name": "flights"}}, preset="quick")
    assert spec.digest(before_groups=True) == FLIGHTS_QUICK_BEFORE_GROUPS
    assert spec.digest() != FLIGHTS_QUICK_BEFORE_GROUPS  # today's digest holds split.group
    old = spec.to_dict()
    del old["split"]["group"]
    stored = {"spec_hash": FLIGHTS_QUICK_BEFORE_GROUPS, "spec": old}
    atomic_write_json(tmp_path / "spec.json", stored)
    store = RunStore(tmp_path)
    with pytest.raises(StoreError, match=r"split\.group"):
        store.claim(spec.to_dict(), spec.digest())
    again = (spec.digest(before_groups=True),)
    assert store.claim(spec.to_dict(), spec.digest(), earlier_hashes=again) is True
    grouped = spec_from_dict({"task": {"name": "flights"}, "split": {"group": "carrier"}})
    assert grouped.digest(before_groups=True) == grouped.digest()  # a set group always counts
