"""Forecasting: rolling-origin windows, PatchTST, N-HiTS-style MLP and LightGBM on lags."""
