"""Ordering (Parsons-style) questions with partial credit.

The response is the learner's order: a sequence of the items (or one string with an item per
line). It must use every item exactly once. Partial credit is the share of items already in a
correct relative order: ``(L - 1) / (n - 1)`` where ``L`` is the length of the longest
subsequence in the right order, so the right order scores 1 and the exact reverse 0.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n import translator
from ..lesson.specs import Ordering
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec", "longest_increasing"]

_MAX_ITEMS = 1_000


def longest_increasing(sequence: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for value in sequence:
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
    return len(tails)


def _as_list(response: Any) -> list[str] | None:
    if isinstance(response, str):
        return [line.strip() for line in response.splitlines() if line.strip()]
    if isinstance(response, Iterable) and not isinstance(response, (bytes, Mapping)):
        items: list[str] = []
        for item in response:
            if not isinstance(item, str) or len(items) >= _MAX_ITEMS:
                return None
            items.append(item)
        return items
    return None


def check_spec(
    spec: Ordering, response: Any, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Check an ordering (see the module docstring)."""
    t = translator(language)
    given = _as_list(response)
    if given is None:
        return not_understood(response, t.gettext("Please put the items in order."))
    position = {item: i for i, item in enumerate(spec.items)}
    stripped = {item.strip(): i for i, item in enumerate(spec.items)}
    order: list[int] = []
    for item in given:
        at = position.get(item, stripped.get(item.strip()))
        if at is None:
            return not_understood(
                response, t.gettext("Some of your items are not part of this question.")
            )
        order.append(at)
    if sorted(order) != list(range(len(spec.items))):
        return not_understood(response, t.gettext("Please use every item exactly once."))
    text = "\n".join(spec.items[i] for i in order)
    if order == sorted(order):
        return make_result(response, correct=True, text=text, order=order)
    n = len(order)
    run = longest_increasing(order)
    score = (run - 1) / (n - 1) if spec.partial_credit and n > 1 else 0.0
    first = next(i for i, at in enumerate(order) if at != i)
    feedback = t.ngettext(
        "{run} of {n} item is already in a correct order relative to the others; "
        "the first item out of place is at position {first}.",
        "{run} of {n} items are already in a correct order relative to each other; "
        "the first item out of place is at position {first}.",
        n,
    ).format(run=t.number(run), n=t.number(n), first=t.number(first + 1))
    return make_result(
        response, correct=False, score=score, feedback=feedback, text=text, order=order
    )
