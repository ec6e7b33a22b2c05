"""The last compaction level: the user's own words and names, shortened in the report only.

A long title, description, shift description or long feature names can push the main text
past 4 pages when every table and sentence that compaction may drop is gone. At ``CLIP_LEVEL``
the report shows them shortened at a word boundary with an ellipsis; task.json keeps them whole.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from archbench.report.rundata import RunData

__all__ = ["CLIP_LEVEL", "DROP_DESIGN_TABLE", "DROP_KIND_FIGURES", "clip_text", "clipped_run"]

#: The compaction level that shortens the user's words.
CLIP_LEVEL = 6
#: The search-space table leaves the main text (best/<family>.json holds what it shows).
DROP_DESIGN_TABLE = 7
#: The most compact level: the kind's own figures leave the main text too (a forecasting
#: report with the AutoETS row and long names still ended on page 5 at level 7; the numbers
#: they draw stay in the run directory, e.g. horizon_errors.parquet).
DROP_KIND_FIGURES = 8
TITLE_CHARS = 70
DESCRIPTION_CHARS = 240
SHIFT_CHARS = 120
NAME_CHARS = 24
ELLIPSIS = "\u2026"


def clip_text(text: str, limit: int) -> str:
    """``text`` (whitespace collapsed) cut to at most ``limit`` characters at a word boundary,
    ending in an ellipsis when cut.

    >>> clip_text("one two three", 9)
    'one two…'
    >>> clip_text("one two", 9)
    'one two'
    """
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def _names(value: Any) -> Any:
    if isinstance(value, list):
        return [clip_text(v, NAME_CHARS) if isinstance(v, str) else v for v in value]
    return value


def clipped_run(run: RunData) -> RunData:
    """``run`` with the task's title, description, shift description and feature names
    shortened for the report (the run directory is not touched)."""
    task: dict[str, Any] = json.loads(json.dumps(run.task))
    for key, limit in (("title", TITLE_CHARS), ("description", DESCRIPTION_CHARS)):
        if isinstance(task.get(key), str):
            task[key] = clip_text(task[key], limit)
    shift = task.get("shift")
    if isinstance(shift, dict) and isinstance(shift.get("description"), str):
        shift["description"] = clip_text(shift["description"], SHIFT_CHARS)
    feats = task.get("features")
    if isinstance(feats, dict):
        for key in list(feats):
            feats[key] = _names(feats[key])
    prep = task.get("preprocessing")
    if isinstance(prep, dict):
        for key in ("numeric_used", "categorical_used"):
            if key in prep:
                prep[key] = _names(prep[key])
    return dataclasses.replace(run, task=task)
