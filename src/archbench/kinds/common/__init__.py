"""Helpers shared by the kinds: labels and counts, shift rules, reading user tables."""
