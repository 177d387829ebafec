"""Single choice and multiple select, with per-option feedback and partial credit.

A single-choice response is an option value (or its displayed text). A multiple-select
response is a collection of values; a string is read as one value or as comma-separated
values. Partial credit for multiple select is ``(right picks - wrong picks) / right options``,
floored at 0, so ticking everything earns nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n import translator
from ..lesson.specs import Choice, Option
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec"]

_MAX_PICKS = 1_000
_HUGE_INT = 10**1_000  # str() of a bigger int is slow or refused: no option looks like one


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _lookup(spec: Choice) -> dict[str, Option]:
    """Options by exact value, then by normalised value and text (first wins)."""
    table: dict[str, Option] = {}
    for opt in spec.options:
        table.setdefault(opt.value, opt)
    for opt in spec.options:
        table.setdefault(_key(opt.value), opt)
        if opt.text:
            table.setdefault(_key(opt.text), opt)
    return table


def _find(table: dict[str, Option], item: Any) -> Option | None:
    if isinstance(item, Option):
        item = item.value
    if isinstance(item, bool) or not isinstance(item, (str, int, float)):
        return None
    if isinstance(item, int) and abs(item) >= _HUGE_INT:
        return None
    text = str(item)
    if len(text) > 10_000:
        return None
    return table.get(text) or table.get(_key(text))


def _picks(response: Any, table: dict[str, Option]) -> list[Any] | None:
    if isinstance(response, str):
        if _find(table, response) is not None:
            return [response]
        return [part for part in response.split(",") if part.strip()]
    if isinstance(response, Iterable) and not isinstance(response, (bytes, Mapping)):
        items: list[Any] = []
        for item in response:
            items.append(item)
            if len(items) > _MAX_PICKS:
                return None
        return items
    return None


def check_spec(
    spec: Choice, response: Any, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Check a choice response (see the module docstring)."""
    t = translator(language)
    table = _lookup(spec)
    if not spec.multiple:
        option = _find(table, response)
        if option is None:
            return not_understood(response, t.gettext("Please pick one of the options."))
        return make_result(
            response,
            correct=option.value == spec.answer,
            feedback=option.feedback,
            text=option.value,
        )

    picks = _picks(response, table)
    if picks is None:
        return not_understood(response, t.gettext("Please pick one or more of the options."))
    chosen: list[Option] = []
    for item in picks:
        option = _find(table, item)
        if option is None:
            return not_understood(
                response, t.gettext("Some of your picks are not among the options.")
            )
        if option not in chosen:
            chosen.append(option)
    if not chosen:
        return not_understood(response, t.gettext("Please pick at least one option."))
    answers = set(spec.answers())
    values = [o.value for o in chosen]
    right = sum(1 for v in values if v in answers)
    wrong = len(values) - right
    correct = set(values) == answers
    if correct:
        score = 1.0
    elif spec.partial_credit and answers:
        score = max(0.0, (right - wrong) / len(answers))
    else:
        score = 0.0
    messages = [o.feedback for o in chosen if o.value not in answers and o.feedback]
    if not correct:
        missed = len(answers) - right
        if missed:
            messages.append(
                t.ngettext(
                    "{n} of your picks is right.", "{n} of your picks are right.", right
                ).format(n=t.number(right))
                + " "
                + t.ngettext(
                    "{n} right option is missing.", "{n} right options are missing.", missed
                ).format(n=t.number(missed))
            )
        else:
            messages.append(
                t.ngettext(
                    "{n} of your picks should not be there.",
                    "{n} of your picks should not be there.",
                    wrong,
                ).format(n=t.number(wrong))
            )
    return make_result(
        response,
        correct=correct,
        score=score,
        feedback="\n\n".join(messages),
        text=" | ".join(values),
        picks=values,
    )
