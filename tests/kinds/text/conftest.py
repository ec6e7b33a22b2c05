"""Fixtures of the text-kind tests: a small synthetic review corpus with two departments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archbench.kinds.text.data import (
    TextData,
    TextInfo,
    TextPart,
    TextSettings,
    text_data_from_frame,
)
from archbench.kinds.text.splits import split_text
from archbench.spec.model import ShiftSpec

POSITIVE = ("great", "lovely", "perfect", "flattering", "soft", "comfortable", "gorgeous")
NEGATIVE = ("awful", "cheap", "itchy", "returned", "tight", "sheer", "disappointing")
NEUTRAL = {
    "tops": ("shirt", "blouse", "sleeve", "collar", "tee", "button"),
    "coats": ("coat", "jacket", "hood", "warm", "zipper", "lining"),
}


def make_reviews(n: int = 400, seed: int = 0, n_classes: int = 2) -> pd.DataFrame:
    """``n`` reviews: title, body, department, rating, label (2 classes: recommended)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        dept = "coats" if i % 4 == 0 else "tops"
        score = rng.integers(0, n_classes)
        words = list(rng.choice(NEUTRAL[dept], size=6))
        tone = POSITIVE if score == n_classes - 1 else NEGATIVE
        k = 1 + int(rng.integers(0, 3))
        words += list(rng.choice(tone, size=k))
        if score not in (0, n_classes - 1):
            words += list(rng.choice(POSITIVE, size=1)) + list(rng.choice(NEGATIVE, size=1))
        if rng.random() < 0.1:  # label noise
            words += list(rng.choice(NEGATIVE if tone is POSITIVE else POSITIVE, size=k + 1))
        rng.shuffle(words)
        rows.append(
            {
                "title": f"{dept} {rng.choice(tone)}",
                "body": " ".join(words) + f" item {i}",
                "dept": dept,
                "length": len(words),
                "label": f"c{score}",
            }
        )
    return pd.DataFrame(rows)


SETTINGS = TextSettings(text=("title", "body"), target="label")
SHIFT = ShiftSpec(kind="groups", column="dept", values=("coats",))


@pytest.fixture
def reviews() -> pd.DataFrame:
    return make_reviews()


@pytest.fixture
def text_data() -> TextData:
    return text_data_from_frame(make_reviews(), SETTINGS, SHIFT, name="synthetic")


@pytest.fixture
def parts(text_data: TextData) -> tuple[dict[str, TextPart], TextInfo]:
    splits = split_text(text_data, seed=0)
    return {s: splits.part(text_data, s) for s in splits.rows}, TextInfo(text_data.classes)


@pytest.fixture
def multiclass_parts() -> tuple[dict[str, TextPart], TextInfo]:
    data = text_data_from_frame(make_reviews(450, seed=1, n_classes=3), SETTINGS, SHIFT, name="mc")
    splits = split_text(data, seed=0)
    return {s: splits.part(data, s) for s in splits.rows}, TextInfo(data.classes)
