"""The text-classification kind: TF-IDF MLP, a Transformer encoder and LightGBM on TF-IDF."""
