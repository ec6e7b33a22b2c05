"""The title and the description of a user's task, from ``task.description`` when given."""

from __future__ import annotations

import re

__all__ = ["TITLE_MAX_CHARS", "task_title"]

#: A description's first sentence becomes the title when it is at most this long.
TITLE_MAX_CHARS = 80
_SENTENCE_END = re.compile(r"[.!?](\s|$)")


def task_title(description: str, fallback: str) -> str:
    """The report's name for a user task: the first sentence of ``description`` (without its
    full stop) when there is one of at most ``TITLE_MAX_CHARS`` characters, else ``fallback``
    (e.g. ``"loans: default"``, the file's stem and the target).

    >>> task_title("Loan defaults of 2019. From the bank's records.", "loans: default")
    'Loan defaults of 2019'
    >>> task_title("", "loans: default")
    'loans: default'
    """
    text = " ".join(description.split())
    if not text:
        return fallback
    end = _SENTENCE_END.search(text)
    first = text[: end.start()] if end else text
    first = first.strip().rstrip(":;,")
    return first if first and len(first) <= TITLE_MAX_CHARS else fallback
