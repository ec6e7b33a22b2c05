"""The forecasting kind's spec templates.

``spec_template`` is the commented spec ``archbench init --task forecasting`` (or a built-in
task name) writes; ``tasks.load_user`` reads the user's file and ``tasks.load_task`` maps a
parsed spec to the kind's settings and task.
"""

from __future__ import annotations

USER_SECTIONS = """\
# archbench spec for your own forecasting table. Run: archbench run --spec THIS_FILE
# Keys marked "required" must be set; unknown keys are errors.

{top}[task]
type = "forecasting"
path = "sales.csv"          # required: .csv/.tsv (or .csv.gz, .bz2, .zip, .xz),
                            # .parquet; one row per series and step
time = "date"               # required: timestamps (ISO 8601; YYYYMMDD integers count as
                            # dates) or integer steps
target = "sales"            # required: the numeric column to forecast
# series = "store"          # a panel: the column naming each series (omit for one series)
horizon = 14                # required: steps ahead, forecast directly
context = 56                # required: steps of history each forecast reads
# frequency = "D"           # pandas alias (h, D, B, W, MS, ...); inferred when regular
# stride = 14               # steps between evaluation origins (default: horizon)
# season = 7                # seasonal period for seasonal naive and MASE (default: from the
                            # frequency: h 24, D 7, B 5, W 52, MS 12, Q 4; a multiple of
                            # h/min: one day, e.g. 30min 48; integer steps 1)
# known = ["promo"]         # covariates known in advance for every step of the horizon
# observed = ["visitors"]   # covariates known only up to the forecast origin
# fill_gaps = "zero"        # missing steps or values: "zero" (counts) or "interpolate"
                            # (default: refuse them, naming the first)
# train_stride = 1          # steps between training origins (1: every origin)
# id_end = "2023-11-30"     # last time of the ID range (default: the step before shift.min)
# shift_series = ["store_7"]  # with a range shift: these series over the later period only
# description = "What is forecast and why (goes into the report)."

[task.shift]                # required: which windows form the distribution-shift set
kind = "range"              # "range": a later period | "groups": series never seen in training
column = "date"             # range: the time column; groups: the series column
min = "2024-01-01"          # range: first time of the shift period (inclusive)
# max = "2024-06-30"        # range: last time (default: the end of the data)
# values = ["store_7"]      # groups: the shift series (evaluated over the ID test period)
# description = "2024: after the new pricing"

[split]                     # train / validation / test are consecutive periods of the ID range
# val_fraction = 0.15       # of the ID time steps, after the training period
# test_fraction = 0.15      # the last ID steps
# max_train_rows = 6000     # caps on the windows of each split, drawn with split.seed (presets:
# max_test_rows = 4000      # quick 4,000 train / 2,000 each evaluation split, default 6,000 /
                            # 4,000, thorough all; 0 = every window); max_val_rows, max_shift_rows
# max_train_steps = 320000  # and at most this many training window steps, windows x (context +
                            # horizon): long windows get fewer (quick 640,000, default 320,000;
                            # 0 = no cap)
# max_train_values = 1280000  # and at most this many window values, window steps x channels
                            # (the target and each covariate after one-hot encoding): many
                            # covariates get fewer (quick 2,560,000, default 1,280,000; 0 = none)
"""

_BUILTIN = """\
# archbench spec: the built-in forecasting task {name!r}. Run: archbench run --spec THIS_FILE
# Every key is optional; unknown keys are errors.

{top}[task]
name = "{name}"             # weather | nyse
# train_stride = 4          # steps between training origins (weather: 4, nyse: 1)

[split]
# val_fraction = 0.15       # of the ID time steps, after the training period
# test_fraction = 0.15
"""

#: Top-level keys: above the first [table] (TOML puts a key written below a table into it).
_TOP = """\
# preset = "default"        # quick (~1 min) | default (<= 5 min on 2 cores) | thorough (hours)
# metrics = []              # default: mase (primary), mae, rmse, smape, r2
# device = "auto"           # auto: CUDA when available, else CPU
# matmul_precision = "highest"  # "high"/"medium": TF32 matrix products on CUDA GPUs

"""

_COMMON = """\

[families]
names = ["mlp", "patchtst", "gbdt"]   # N-HiTS-style MLP, PatchTST, LightGBM on lags

# Fixed (not tuned) settings per family, e.g.:
# [families.patchtst]
# max_epochs = 30
# patience = 5

[budget]                    # the preset sets the budget (quick 3 trials, default 10,
                            # thorough 50); a key set here overrides it for every preset
# trials = 10               # the SAME number of Optuna trials for every family
# tune_max_rows = 2000      # tune on a seeded subsample of training windows (0 = all)

[seeds]
count = 5                   # final runs per family, each evaluated on val, test and shift

[report]
# title = "..."
"""


def spec_template(variant: str) -> str:
    """A commented spec: ``"forecasting"`` (the user's table) or a built-in task name."""
    if variant == "forecasting":
        return USER_SECTIONS.format(top=_TOP) + _COMMON
    return _BUILTIN.format(name=variant, top=_TOP) + _COMMON
