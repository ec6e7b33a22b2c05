"""Commented spec templates written by ``archbench init``."""

from __future__ import annotations

from archbench.errors import ConfigError

#: Top-level keys: above the first [table] (TOML puts a key written below a table into it).
_TOP = """\
# preset = "default"        # quick (~0.5 min) | default (~2-5 min on 2 cores) | thorough (hours)
# metrics = []              # default: every metric of the task type; the primary comes first
                            # (imbalanced labels: add "average_precision",
                            # "recall_at_1pct_fpr", "f1_at_val")
# device = "auto"           # auto: CUDA when available, else CPU
# matmul_precision = "highest"  # "high"/"medium": TF32 matrix products on CUDA GPUs
                                 # (Ampere+), faster but not exact float32

"""

_COMMON = """\
[split]
val_fraction = 0.2          # of the in-distribution (ID) pool
test_fraction = 0.2
seed = 0                    # the data seed: split and size caps
# max_train_rows = 10000    # caps per split (0 = no cap), drawn with the data seed
# max_val_rows = 5000
# max_test_rows = 5000
# max_shift_rows = 5000
# min_rows = 30             # every split needs at least this many rows
# numeric_transform = "quantile"   # or "standard" (neural nets only; GBDT sees raw values)
# duplicates = "auto"       # identical feature rows: "group" (= auto) keeps copies in one
                            # split and counts them; "error" refuses them
# group = "patient_id"      # rows with one value of this column stay in one split

[families]
names = ["mlp", "ft_transformer", "gbdt"]
gbdt_backend = "lightgbm"   # or "xgboost" / "catboost" (pip install archbench[xgboost])

# Fixed (not tuned) settings per family. The presets give both neural families the same
# cap, patience and batch size (the same number of gradient steps); change them together, or
# the report says the comparison is not at an equal budget. E.g.:
# [families.mlp]
# max_epochs = 40
# patience = 8
# [families.ft_transformer]
# max_epochs = 40
# patience = 8

[budget]                    # the preset sets the budget (quick 3 trials, default 10,
                            # thorough 50); a key set here overrides it for every preset
# trials = 10               # the SAME number of Optuna trials for every family
# batch = 3                 # at most this many trials of a family run at once (a sliding
                            # window); part of the spec, so results never depend on workers
# startup_trials = 4        # random trials before TPE takes over (trial 0 = the default config)
# tune_max_rows = 5000     # tune every family on the same subsample of train (0 = all rows);
                            # the final seeds always train on all of train
# threads_per_worker = 1

[seeds]
count = 5                   # final runs per family; every seed is evaluated on val, test, shift
base = 0
vary = "model"              # "model+data": each seed also redraws the training set (bootstrap),
                            # so the intervals cover data-sampling variance too

[output]
# dir = "runs/{name}"        # default: runs/<task>-<preset>; --out overrides it

[report]
# title = "..."
author = "archbench"
# introduction = "Markdown or LaTeX that replaces the generated introduction."
"""

_BUILTIN = """\
# archbench spec: the built-in task {name!r}. Run: archbench run --spec THIS_FILE
# Every key is optional; unknown keys are errors.

{top}[task]
name = "{name}"             # flights | california | adult

"""

_CSV = """\
# archbench spec for your own data. Run: archbench run --spec THIS_FILE
# Every key below [task] marked "required" must be set; unknown keys are errors.

{top}[task]
path = "data.csv"           # required: .csv/.tsv (or .csv.gz, .bz2, .zip, .xz),
                            # .parquet; relative to this file
target = "label"            # required: the column to predict
type = "classification"     # required: "classification" or "regression"
# features = ["a", "b"]     # default: every column but the target and `drop`
# categorical = ["city"]    # default: non-numeric columns
# drop = ["id"]             # columns that are not features
# keep_ids = ["user_id"]    # columns that identify rows are left out by default; keep these
# positive_class = "fraud"  # imbalanced labels: the class that average precision, recall at
                            # 1% FPR and F1 (validation threshold) score
# primary_metric = "average_precision"  # tunes, selects and leads the report (default: ROC-AUC
                            # for classification, RMSE for regression)
# min_positives = 10        # with a positive class: every split needs this many positives
# description = "What the task is and why it matters (goes into the report)."

[task.shift]                # required: which rows form the distribution-shift set
kind = "range"              # "range" | "groups" | "quantile"
column = "date"
min = "2020-01-01"          # range: rows with min <= column <= max go to the shift set
# max = "2020-12-31"
# values = ["north", "east"]  # groups: rows whose column is one of these
# quantile = 0.8              # quantile: rows above (side = "above") the 0.8 quantile of column
# side = "above"
# description = "Later time range: 2020 onwards"

"""


BUILTIN_TASKS: tuple[str, ...] = ("flights", "california", "adult")


def spec_template(task: str) -> str:
    """A commented spec for a built-in ``task`` or ``"csv"`` (the user's own file)."""
    if task == "csv":
        return _CSV.format(top=_TOP) + _COMMON.format(name="mytask")
    if task not in BUILTIN_TASKS:
        raise ConfigError(
            f"--task {task!r} is unknown; use one of {', '.join((*BUILTIN_TASKS, 'csv'))}"
        )
    return _BUILTIN.format(name=task, top=_TOP) + _COMMON.format(name=task)
