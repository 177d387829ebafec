"""A response a check accepts, or one it rejects, made up from the check spec alone.

The simulation's session engine answers with these, and ``lessonkit play`` scripts use them
for the ``correct`` and ``wrong`` tokens: a randomized item can be answered right (or wrong)
without knowing the numbers drawn, because the spec given is the one shown, variant rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..lesson import specs

__all__ = ["UnanswerableError", "respond"]


class UnanswerableError(Exception):
    """No response of the wanted kind can be made up for this check."""


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def respond(check: specs.CheckSpec, correct: bool) -> Any:
    """A response to ``check`` that is right (or wrong).

    Numeric: the answer (or the middle of the range) vs. a value well outside the tolerance;
    choice: the answer vs. another option; text: the first accepted answer vs. ``"zzz"``;
    expression: the answer vs. the answer plus one; ordering: the items in order vs. reversed.
    Code, frame, free-response, custom and regex-only text checks cannot be answered this way
    and raise :class:`UnanswerableError` (the simulation's fast engine simulates their outcome
    directly).
    """
    if isinstance(check, specs.Numeric):
        if check.range is not None:
            low, high = check.range
            target = (low + high) / 2
            miss = high + 1 + abs(high - low)
        elif isinstance(check.answer, int | float):
            target = float(check.answer)
            margin = check.tolerance + abs(target) * check.relative_tolerance
            miss = target + 1 + 10 * margin
        else:
            raise UnanswerableError(f"numeric answer {check.answer!r} is not a number")
        text = _number_text(target if correct else miss)
        return f"{text} {check.units}" if check.require_units else text
    if isinstance(check, specs.Choice):
        answers = check.answers()
        others = [o.value for o in check.options if o.value not in answers]
        if correct:
            return list(answers) if check.multiple else answers[0]
        if not others:
            raise UnanswerableError("every option is right: no wrong choice exists")
        return [others[0]] if check.multiple else others[0]
    if isinstance(check, specs.Text) and check.answers():
        return check.answers()[0] if correct else "zzz"
    if isinstance(check, specs.Expression):
        return check.answer if correct else f"({check.answer}) + 1"
    if isinstance(check, specs.Ordering):
        items: Sequence[str] = check.items
        return list(items) if correct else list(reversed(items))
    kind = "right" if correct else "wrong"
    raise UnanswerableError(f"no {kind} response for a {check.type} check")
