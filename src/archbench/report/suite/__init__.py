"""The suite report (layer: report): ``build`` writes the PDF and LaTeX of a suite directory.

``content`` turns the suite's statistics into the document model; ``figures`` draws its panels.
"""

__all__ = [
    "build",
    "content",
    "figures",
]
