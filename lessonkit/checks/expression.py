"""Mathematical expressions, judged equivalent to the answer with SymPy.

Input goes through three guards before SymPy sees it: a length limit and a character
whitelist (no quotes, brackets, underscores pairs or attribute access), then
``parse_expr`` with a restricted transformation set (implicit multiplication, ``^`` as power)
and a whitelisted namespace whose ``__builtins__`` is empty, with ``evaluate=False`` so that
nothing is computed while parsing. The unevaluated tree is then checked for oversized powers
(``9^9^9``) and unknown names before anything is evaluated.

Equivalence is decided numerically: both expressions are evaluated at fixed probe points
(negative and positive, so ``sqrt(x^2)`` is not ``x``) and must agree at every point where both
are defined; a symbolic ``simplify`` settles the rare case where no probe point is usable.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from ..lesson.specs import Expression
from ._runner import TestTimeout, time_limit
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec", "parse"]

_MAX_CHARS = 300
_MAX_POWER = 1_000  # largest exponent allowed on a number or symbol
_MAX_DIGITS = 40
_SECONDS = 2.0
_ALLOWED = re.compile(r"^[A-Za-z0-9\s+\-*/^().,]*$")
_PROBES = (-1.7, 0.6, 2.3, -0.45, 1.35, 3.1)
_FUNCTIONS: tuple[str, ...] = (
    "sin",
    "cos",
    "tan",
    "cot",
    "sec",
    "csc",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
)
_FUNCTIONS += ("tanh", "exp", "log", "sqrt", "Abs")


class ExpressionError(ValueError):
    """The learner's text is not an expression we accept; the message says why."""


@lru_cache(maxsize=64)
def _namespace(variables: tuple[str, ...]) -> dict[str, Any]:
    import sympy

    names: dict[str, Any] = {f: getattr(sympy, f) for f in _FUNCTIONS}
    names.update(abs=sympy.Abs, ln=sympy.log, pi=sympy.pi, e=sympy.E, E=sympy.E)
    names.update({v: sympy.Symbol(v) for v in variables})
    return names


@lru_cache(maxsize=1)
def _globals() -> dict[str, Any]:
    import sympy

    keep = ("Integer", "Float", "Rational", "Symbol", "Function", "Mul", "Add", "Pow")
    return {"__builtins__": {}, **{k: getattr(sympy, k) for k in keep}}


def parse(text: str, variables: tuple[str, ...]) -> Any:
    """Parse ``text`` into an unevaluated SymPy expression, or raise :class:`ExpressionError`."""
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    text = text.strip().replace("\u2212", "-").replace("\u00b7", "*").replace("\u00d7", "*")
    if not text:
        raise ExpressionError("Please type an expression.")
    if len(text) > _MAX_CHARS:
        raise ExpressionError(f"Please keep your expression under {_MAX_CHARS} characters.")
    if not _ALLOWED.match(text) or "__" in text or ".." in text:
        raise ExpressionError(
            "Use only numbers, letters, + - * / ^ and parentheses in your expression."
        )
    if any(len(run) > _MAX_DIGITS for run in re.findall(r"\d+", text)):
        raise ExpressionError("A number in your expression is too long.")
    transformations = (
        *standard_transformations,
        implicit_multiplication_application,
        convert_xor,
    )
    try:
        expr = parse_expr(
            text,
            local_dict=dict(_namespace(variables)),
            global_dict=dict(_globals()),
            transformations=transformations,
            evaluate=False,
        )
    except (TestTimeout, RecursionError, MemoryError):
        raise
    except Exception as exc:  # SymPy's parser raises many kinds (TokenError, SympifyError...)
        raise ExpressionError("That does not look like a complete expression.") from exc
    _guard(expr, variables)
    return expr


def _guard(expr: Any, variables: tuple[str, ...]) -> None:
    import sympy
    from sympy.core.function import AppliedUndef

    growing = (sympy.exp, sympy.sinh, sympy.cosh)  # values explode with the argument

    if not isinstance(expr, sympy.Expr):
        raise ExpressionError("Please type an expression, not an equation or a list.")
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, AppliedUndef):
            raise ExpressionError(f"Unknown function {node.func}.")
        if isinstance(node, sympy.Symbol) and node.name not in variables:
            allowed = ", ".join(variables) or "no variables"
            raise ExpressionError(f"Unknown name {node.name!r} (you may use {allowed}).")
        if isinstance(node, sympy.Pow) and node.exp.is_number and _huge(node.exp):
            raise ExpressionError("The numbers in your expression are too large.")
        if isinstance(node, growing) and node.args[0].is_number and _huge(node.args[0]):
            raise ExpressionError("The numbers in your expression are too large.")


def _huge(number: Any) -> bool:
    """Whether a numeric subexpression exceeds :data:`_MAX_POWER` in size (or cannot be told)."""
    try:
        return bool(abs(complex(number.evalf(15))) > _MAX_POWER)
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return True


def _variables(spec: Expression) -> tuple[str, ...]:
    if spec.variables:
        return tuple(spec.variables)
    return tuple(sorted(set(re.findall(r"[A-Za-z]\w*", spec.answer)) - set(_namespace(()))))


@lru_cache(maxsize=256)
def _answer(answer: str, variables: tuple[str, ...]) -> Any:
    return parse(answer, variables)


def _equivalent(given: Any, expected: Any, variables: tuple[str, ...]) -> bool:
    import sympy

    symbols = [sympy.Symbol(v) for v in variables]
    usable = 0
    for i in range(len(_PROBES)):
        point = {s: _PROBES[(i + k) % len(_PROBES)] for k, s in enumerate(symbols)}
        try:
            a = complex(given.evalf(20, subs=point))
            b = complex(expected.evalf(20, subs=point))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if not all(map(_finite, (a, b))):
            continue
        usable += 1
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    if usable >= 2 or (usable >= 1 and not symbols):
        return True
    return bool(sympy.simplify(given - expected) == 0)


def _finite(value: complex) -> bool:
    return math.isfinite(value.real) and math.isfinite(value.imag)


def check_spec(spec: Expression, response: Any, **_: Any) -> CheckResult:
    """Check an expression response (see the module docstring)."""
    if isinstance(response, (int, float)) and not isinstance(response, bool):
        response = str(response)
    if not isinstance(response, str):
        return not_understood(response, "Please type an expression.")
    variables = _variables(spec)
    try:
        with time_limit(_SECONDS):
            expected = _answer(spec.answer, variables)
            given = parse(response, variables)
            same = _equivalent(given, expected, variables)
    except ExpressionError as exc:
        return not_understood(response, str(exc))
    except (TestTimeout, RecursionError):
        return not_understood(response, "Your expression is too complicated to check.")
    text = response.strip()
    return make_result(response, correct=same, text=text, parsed=str(given)[:2000])
