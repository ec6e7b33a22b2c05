"""Commented spec templates of the text kind for ``archbench init``."""

from __future__ import annotations

_TOP = """\
# preset = "default"        # quick (~1 min) | default (~5 min on 2 cores) | thorough (hours)
# metrics = []              # default: every metric; ROC-AUC (2 classes) or macro-F1 first
# device = "auto"           # auto: CUDA when available, else CPU
# matmul_precision = "highest"  # "high"/"medium": TF32 matrix products on CUDA GPUs

"""

_COMMON = """\
[split]
val_fraction = 0.2          # of the in-distribution (ID) pool, stratified by label;
test_fraction = 0.2         # identical texts always stay in one split
seed = 0                    # the data seed: split and size caps
# max_train_rows = 8000     # caps per split (0 = no cap), drawn with the data seed
# max_val_rows = 2000
# max_test_rows = 4000
# max_shift_rows = 4000
# group = "product_id"      # texts with one value of this column stay in one split

[families]
names = ["mlp", "encoder", "gbdt"]   # TF-IDF MLP, Transformer encoder, LightGBM on TF-IDF

# Fixed (not tuned) settings per family. The presets give both neural families the same
# epochs, patience and batch size (the same number of gradient steps); change them together,
# or the report says the comparison is not at an equal budget. E.g.:
# [families.mlp]
# max_epochs = 10
# patience = 3
# [families.encoder]
# max_epochs = 10
# patience = 3
# params = {{ max_length = 128, vocab_size = 8000 }}
#   (or params = {{ pretrained = "/path/to/checkpoint" }} to fine-tune a saved transformers
#   model: pip install archbench[text]; offline)

[budget]                    # the preset sets the budget (quick 3 trials, default 10,
                            # thorough 40); a key set here overrides it for every preset
# trials = 10               # the SAME number of Optuna trials for every family
# batch = 3
# tune_max_rows = 3000      # tune every family on the same subsample of train (0 = all)

[seeds]
count = 5                   # final runs per family, each evaluated on val, test and shift

[report]
author = "archbench"
"""

_USER = """\
# archbench spec for your own text classification data. Run: archbench run --spec THIS_FILE
# Keys marked "required" must be set; unknown keys are errors.

{top}[task]
type = "text_classification"  # required
path = "reviews.csv"        # required: .csv/.tsv (UTF-8; or .csv.gz, .bz2, .zip,
                            # .xz), .parquet; relative to this file
text = ["title", "body"]    # required: the text column, or several joined with `separator`
target = "label"            # required: the label column (two or more classes)
# separator = " \\n "        # joins several text columns (a missing part is skipped)
# positive_class = "1"      # two classes: the class ROC-AUC scores (default: the second)
# max_empty_fraction = 0.05 # empty texts are dropped and counted; more than this: an error
# description = "What the task is and why it matters (goes into the report)."

[task.shift]                # required: which texts form the shift set
kind = "groups"             # "groups" | "range" (dates, numbers) | "quantile" (numbers)
column = "category"
values = ["other shop"]     # groups: rows whose column is one of these
# min = "2020-01-01"        # range: min <= column <= max
# quantile = 0.8            # quantile: rows above the 0.8 quantile of a numeric column
# side = "above"
# description = "Reviews of another product line"

"""

_BUILTIN = """\
# archbench spec: the built-in text task {name!r}. Run: archbench run --spec THIS_FILE
# Every key is optional; unknown keys are errors.

{top}[task]
name = "{name}"
# target = "Rating"         # the 5-class variant (default: "Recommended IND")

"""


def spec_template(variant: str) -> str:
    """``"text"`` (the user's own file) or a built-in text task's name."""
    if variant == "text":
        return _USER.format(top=_TOP) + _COMMON.format()
    return _BUILTIN.format(name=variant, top=_TOP) + _COMMON.format()
