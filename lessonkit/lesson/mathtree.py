"""The tree of a parsed math answer and its bounded evaluation at a point.

:mod:`.mathparse` builds :class:`Node` trees; :func:`evaluate` computes their value with Python
complex arithmetic, every step one float operation checked against :data:`MAX_MAGNITUDE`, so
evaluating takes time proportional to the tree in any thread, whatever the values.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ALIASES", "CONSTANTS", "FUNCTIONS", "MAX_MAGNITUDE", "Node", "apply", "evaluate"]

MAX_MAGNITUDE = 1e300
"""Largest absolute value of any constant part, and of any value while evaluating."""

_UNARY: dict[str, Callable[[complex], complex]] = {
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "cot": lambda z: 1 / cmath.tan(z),
    "sec": lambda z: 1 / cmath.cos(z),
    "csc": lambda z: 1 / cmath.sin(z),
    "asin": cmath.asin,
    "acos": cmath.acos,
    "atan": cmath.atan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "exp": cmath.exp,
    "sqrt": cmath.sqrt,
    "abs": lambda z: complex(abs(z)),
}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "ln": "log", "Abs": "abs"}
FUNCTIONS: frozenset[str] = frozenset({*_UNARY, "log", *ALIASES})
"""Function names a math answer may call (``log(x)`` is natural, ``log(x, b)`` base ``b``)."""
CONSTANTS: Mapping[str, complex] = {
    "pi": complex(math.pi),
    "e": complex(math.e),
    "E": complex(math.e),
}
"""Constant names and their values."""


@dataclass(frozen=True, slots=True)
class Node:
    """One node of a parsed expression.

    ``kind`` is ``num`` (``name`` holds the digits), ``const``, ``var``, ``add`` (``flags``
    marks subtracted terms), ``mul`` (``flags`` marks divisors), ``neg``, ``pow`` or ``call``
    (``name`` is the function, aliases resolved). ``value`` is the exact-enough complex value
    of a node without variables (``None`` when it has variables or no value, e.g. ``1/0``).
    """

    kind: str
    args: tuple[Node, ...] = ()
    name: str = ""
    flags: tuple[bool, ...] = ()
    value: complex | None = None
    constant: bool = False


def _check(z: complex) -> complex:
    """``z`` within bounds, with signed zeros made positive.

    ``-(0.6+0j)`` is ``-0.6-0j``, and ``log`` of that is ``-πi`` while ``log(-1*0.6)`` is
    ``+πi``: without this, ``log(-x)`` would not equal ``log(-1x)``.
    """
    if not (math.isfinite(z.real) and math.isfinite(z.imag)) or abs(z) > MAX_MAGNITUDE:
        raise OverflowError("value out of range")
    return complex(z.real + 0.0, z.imag + 0.0)


def apply(node: Node, values: Sequence[complex]) -> complex:
    """One node's value from its arguments' values; raises ArithmeticError or ValueError."""
    kind = node.kind
    if kind == "add":
        total = 0j
        for v, minus in zip(values, node.flags, strict=True):
            total = _check(total - v if minus else total + v)
        return total
    if kind == "mul":
        product = 1 + 0j
        for v, divide in zip(values, node.flags, strict=True):
            product = _check(product / v if divide else product * v)
        return product
    if kind == "neg":
        return _check(-values[0])
    if kind == "pow":
        base, exponent = values
        if exponent.imag == 0 and exponent.real == int(exponent.real) and base.imag == 0:
            return _check(complex(base.real ** int(exponent.real)))  # exact sign for (-2)^3
        return _check(base**exponent)
    if node.name == "log":
        if len(values) == 2:
            return _check(cmath.log(values[0]) / cmath.log(values[1]))
        return _check(cmath.log(values[0]))
    return _check(_UNARY[node.name](values[0]))


def evaluate(node: Node, point: Mapping[str, complex]) -> complex:
    """The value of ``node`` with variables set from ``point``.

    Raises ArithmeticError (including OverflowError past :data:`MAX_MAGNITUDE`) or ValueError
    where the expression has no value there. Every step is one bounded float operation.
    """
    if node.value is not None:
        return node.value
    if node.kind == "var":
        return point[node.name]
    if node.constant:  # a constant part with no value (1/0): none anywhere
        raise ZeroDivisionError("no value")
    return apply(node, [evaluate(arg, point) for arg in node.args])
