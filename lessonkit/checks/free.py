"""Free responses: recorded for a person to read, not auto-graded.

A response with at least ``min_words`` words is accepted with full credit and
``details["graded"] = False``, so reports can tell it apart from a checked answer; a shorter
one is "not understood" (the learner is asked for more) and does not count as an attempt.
"""

from __future__ import annotations

from typing import Any

from ..i18n import translator
from ..lesson.specs import FreeResponse
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec"]


def check_spec(
    spec: FreeResponse, response: Any, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Accept a free response of at least ``spec.min_words`` words."""
    t = translator(language)
    if not isinstance(response, str) or not response.strip():
        return not_understood(response, t.gettext("Please write an answer."), graded=False)
    words = len(response.split())
    if words < spec.min_words:
        message = t.ngettext(
            "Please write at least {n} word (you wrote {wrote}).",
            "Please write at least {n} words (you wrote {wrote}).",
            spec.min_words,
        ).format(n=t.number(spec.min_words), wrote=t.number(words))
        return not_understood(response, message, graded=False, words=words)
    return make_result(
        response,
        correct=True,
        feedback=t.gettext("Thank you — your answer has been recorded."),
        graded=False,
        words=words,
    )
