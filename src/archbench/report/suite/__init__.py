"""The suite report (layer: report): ``build`` writes the PDF and LaTeX of a suite directory.

``files`` reads the suite directory, ``content`` turns its statistics into the document model,
``figures`` draws its panels.
"""

__all__ = [
    "build",
    "content",
    "figures",
    "files",
]
