"""The title and the description of a user's task, from ``task.description`` when given."""

from __future__ import annotations

import re

__all__ = ["TITLE_MAX_CHARS", "task_title"]

#: A description's first sentence becomes the title when it is at most this long.
TITLE_MAX_CHARS = 80
_SENTENCE_END = re.compile(r"[.!?](\s|$)")
#: Where a long first sentence's opening clause ends: a comma, semicolon, colon, bracket or dash.
_CLAUSE_END = re.compile(r"[,;:]\s| [(\[]| [-\u2013\u2014] ")


def task_title(description: str, fallback: str) -> str:
    """The report's name for a user task: the first sentence of ``description`` (without its
    full stop) when there is one of at most ``TITLE_MAX_CHARS`` characters, else that
    sentence's opening clause (up to a comma, bracket or dash; three words at least), else
    ``fallback`` (e.g. ``"loans: default"``, the file's stem and the target).

    >>> task_title("Loan defaults of 2019. From the bank's records.", "loans: default")
    'Loan defaults of 2019'
    >>> task_title("US employment by industry (BLS, monthly, in thousands; fpp3), forecast "
    ...            "a year ahead from three years of history.", "us_employment: Employed")
    'US employment by industry'
    >>> task_title("", "loans: default")
    'loans: default'
    """
    text = " ".join(description.split())
    if not text:
        return fallback
    end = _SENTENCE_END.search(text)
    first = text[: end.start()] if end else text
    first = first.strip().rstrip(":;,")
    if first and len(first) <= TITLE_MAX_CHARS:
        return first
    clause = _CLAUSE_END.split(first, maxsplit=1)[0].strip()
    return clause if len(clause.split()) >= 3 and len(clause) <= TITLE_MAX_CHARS else fallback
