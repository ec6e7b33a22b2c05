"""Model families: the adapter contract (``base``) and the registry (``registry``)."""
