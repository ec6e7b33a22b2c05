"""The run directory: atomic artifacts with sha256 DONE markers.

Every artifact is written to a temporary file in its own folder and renamed into place. A
unit of work is done only when ``<artifact>.done`` exists and holds the artifact's sha256;
a truncated or corrupt artifact therefore reads as "not done" and its unit is redone.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from archbench.errors import StoreError
from archbench.kinds.common.files import file_sha256

log = logging.getLogger(__name__)

SPEC_FILE = "spec.json"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, allow_nan=True, default=str) + "\n"


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, dumps_json(obj))


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write_bytes(path, parquet_bytes(df))


class RunStore:
    """Paths and atomic I/O of one run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # -- layout ------------------------------------------------------------------------------
    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def trial_path(self, family: str, number: int) -> Path:
        return self.path("trials", family, f"{number:04d}.json")

    def seed_path(self, family: str, index: int) -> Path:
        return self.path("final", family, f"seed{index}.json")

    def seed_predictions_path(self, family: str, index: int) -> Path:
        return self.path("final", family, f"seed{index}.parquet")

    # -- preparation -------------------------------------------------------------------------
    def check_location(self) -> None:
        """Refuse an output path that is a file or lies under a file."""
        for p in (self.root, *self.root.parents):
            if p.exists() and not p.is_dir():
                raise StoreError(
                    f"output path {str(self.root)!r} cannot be used: {str(p)!r} is a file; "
                    "choose another --out directory"
                )
        if self.root.exists() and not os.access(self.root, os.W_OK):
            raise StoreError(f"output directory {str(self.root)!r} is not writable")

    def existing_spec(self) -> dict[str, Any] | None:
        p = self.path(SPEC_FILE)
        if not p.exists():
            return None
        try:
            return dict(json.loads(p.read_text()))
        except (OSError, ValueError):
            return None

    def claim(
        self, spec_dict: dict[str, Any], spec_hash: str, *, force: bool = False,
        earlier_hashes: tuple[str, ...] = (),
    ) -> bool:  # fmt: skip
        """Bind the directory to this spec. Returns True when resuming an earlier run.

        A directory that holds another spec is refused with the keys that differ, unless
        ``force`` (which deletes the earlier results). ``earlier_hashes``: digests of the same
        spec as earlier versions of archbench computed them (a stored run resumes).
        """
        self.check_location()
        old = self.existing_spec()
        if old is not None and old.get("spec_hash") not in (spec_hash, *earlier_hashes):
            if not force:
                diff = _dict_diff(old.get("spec", {}), spec_dict)
                shown = "; ".join(diff[:4]) + (" ..." if len(diff) > 4 else "")
                raise StoreError(
                    f"{str(self.root)!r} holds a run of a different spec ({shown}); use a new "
                    "--out directory, or --force to discard it"
                )
            log.warning("--force: discarding the earlier run in %s", self.root)
            shutil.rmtree(self.root)
            old = None
        elif old is None and self.root.exists() and any(self.root.iterdir()):
            if not force:
                raise StoreError(
                    f"{str(self.root)!r} is not empty and holds no archbench run; choose another "
                    "--out directory or pass --force"
                )
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        if old is None:
            atomic_write_json(self.path(SPEC_FILE), {"spec_hash": spec_hash, "spec": spec_dict})
        return old is not None

    # -- DONE markers ------------------------------------------------------------------------
    @staticmethod
    def running_path(artifact: Path) -> Path:
        """Marker of a unit in flight; one left behind by a dead process means a stale unit."""
        return artifact.with_name(artifact.name + ".running")

    @staticmethod
    def done_path(artifact: Path) -> Path:
        return artifact.with_name(artifact.name + ".done")

    def mark_done(self, *artifacts: Path) -> None:
        """Write the DONE marker of the first artifact with the hashes of all of them."""
        marker = self.done_path(artifacts[0])
        digests = {a.name: file_sha256(a) for a in artifacts}
        atomic_write_json(marker, digests)

    def is_done(self, *artifacts: Path) -> bool:
        """True when the marker exists and every artifact still matches its recorded hash."""
        marker = self.done_path(artifacts[0])
        if not marker.exists():
            return False
        try:
            digests = json.loads(marker.read_text())
            ok = all(a.exists() and digests.get(a.name) == file_sha256(a) for a in artifacts)
        except (OSError, ValueError):
            ok = False
        if not ok:
            log.warning(
                "artifact %s is incomplete or corrupt; its unit will be redone", artifacts[0]
            )
        return ok

    def write_unit(
        self, artifact: Path, obj: Any, *, extra: dict[Path, bytes] | None = None
    ) -> None:
        """Write a unit's JSON artifact (and extra files) atomically, then its DONE marker."""
        paths = [artifact]
        for p, data in (extra or {}).items():
            atomic_write_bytes(p, data)
            paths.append(p)
        atomic_write_json(artifact, obj)
        self.mark_done(*paths)

    def read_unit(self, artifact: Path, *extra: Path) -> dict[str, Any] | None:
        """The unit's JSON if it is done and intact, else None."""
        if not self.is_done(artifact, *extra):
            return None
        return dict(json.loads(artifact.read_text()))


def _dict_diff(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            key = f"{prefix}.{k}" if prefix else str(k)
            if k not in a or k not in b:
                out.append(f"{key}: {a.get(k)!r} -> {b.get(k)!r}")
            else:
                out.extend(_dict_diff(a[k], b[k], key))
        return out
    return [] if a == b else [f"{prefix}: {a!r} -> {b!r}"]
