"""An expression check's answer: the names it uses, and whether it can serve as an answer.

Answers are compared at fixed probe points (negative and positive, so ``sqrt(x^2)`` is
``abs(x)``, not ``x``); an answer with no value at enough of them cannot be checked. Shared by
validation (here, in the lesson layer) and the expression checker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .mathparse import CONSTANTS, FUNCTIONS, MathSyntaxError, Node, evaluate, parse_math

__all__ = ["answer_problem", "answer_variables", "values_at_probes"]

_PROBES = (-1.7, 0.6, 2.3, -0.45, 1.35, 3.1, 0.27, -2.6, 1.9, -0.8, 0.95, -1.15)


def _points(variables: tuple[str, ...]) -> list[dict[str, complex]]:
    """One probe point per entry of :data:`_PROBES`; each variable gets a shifted value."""
    count = len(_PROBES)
    return [
        {v: complex(_PROBES[(i + 5 * k) % count]) for k, v in enumerate(variables)}
        for i in range(count)
    ]


def values_at_probes(node: Node, variables: tuple[str, ...]) -> list[complex | None]:
    """``node``'s value at each probe point (``None`` where it has none, or too large)."""
    values: list[complex | None] = []
    for point in _points(variables):
        try:
            values.append(evaluate(node, point))
        except (ArithmeticError, ValueError):
            values.append(None)
    return values


def answer_variables(answer: str, variables: Sequence[str] = ()) -> tuple[str, ...]:
    """The names a learner may use: ``variables`` if given, else the names in ``answer``."""
    if variables:
        return tuple(variables)
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", answer[:2000], re.ASCII))
    return tuple(sorted(names - FUNCTIONS - set(CONSTANTS)))


@lru_cache(maxsize=1024)  # validate asks again for each sampled draw of a variant
def answer_problem(answer: str, variables: tuple[str, ...]) -> str | None:
    """Why ``answer`` cannot serve as an expression check's answer, or ``None``."""
    try:
        node = parse_math(answer, variables)
    except MathSyntaxError as exc:
        return str(exc)
    values = values_at_probes(node, variables)
    if sum(v is not None for v in values) < (2 if variables else 1):
        return "has no value at enough of the points where answers are compared"
    return None
