"""Mathematical expressions, judged equivalent to the answer numerically; SymPy for display.

The learner's text and the instructor's ``answer`` are both read by :mod:`.mathparse`, a
grammar of our own (numbers, allowed names, ``+ - * / ^``, implicit multiplication, calls of
an allow-list of functions) with bounded length, depth, digits and exponents. Text never
reaches ``eval``, ``sympify`` or ``parse_expr``: SymPy's parser evaluates Python, so a crafted
answer could run code on the server.

Equivalence is decided at fixed probe points (negative and positive, so ``sqrt(x^2)`` is
``abs(x)``, not ``x``): both trees are evaluated with Python complex arithmetic, each step one
bounded float operation, and must agree within a relative ``1e-9`` wherever both have a value,
at two points at least (one for constants). Checking is therefore fast for every accepted
input in any thread; it also runs under a time limit where one can be set (the main thread).

A learner's numbers are read as their language writes them (:mod:`.numerals`): in German
``3,5x`` is ``3.5x`` and ``log(8; 2)`` has two arguments; English input reads as it always did.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from ..lesson.mathanswer import answer_problem, answer_variables, values_at_probes
from ..lesson.mathparse import COMMA_MESSAGES, MathSyntaxError, Node, parse_math
from ..lesson.specs import Expression
from ._runner import TestTimeout, time_limit
from .numerals import comma_message, expression_text, number_format
from .result import CheckResult, make_result, not_understood

__all__ = [
    "ExpressionError",
    "answer_problem",
    "answer_variables",
    "check_spec",
    "equivalent",
    "parse",
    "to_sympy",
    "values_at_probes",
]

_SECONDS = 2.0
_RELATIVE = 1e-9
_MAX_RESPONSE_INT = 10**40  # a bigger int response is not an expression anyone typed


class ExpressionError(MathSyntaxError):
    """The text is not an expression we accept; the message says why (for the learner)."""


def equivalent(given: Node, expected: Node, variables: tuple[str, ...]) -> bool | None:
    """Whether two parsed expressions agree at the probe points; ``None`` if too few usable."""
    usable = 0
    for a, b in zip(
        values_at_probes(given, variables), _expected_values(expected, variables), strict=True
    ):
        if a is None or b is None:
            continue
        usable += 1
        if abs(a - b) > _RELATIVE * max(1.0, abs(a), abs(b)):
            return False
    needed = 2 if variables else 1
    return True if usable >= needed else None


@lru_cache(maxsize=256)
def _expected_values(expected: Node, variables: tuple[str, ...]) -> tuple[complex | None, ...]:
    return tuple(values_at_probes(expected, variables))


def to_sympy(node: Node) -> Any:
    """The SymPy expression of a parsed tree, built directly and left unevaluated."""
    import sympy

    kind = node.kind
    if kind == "num":
        text = node.name
        return sympy.Float(text) if any(c in text for c in ".eE") else sympy.Integer(int(text))
    if kind == "var":
        return sympy.Symbol(node.name)
    if kind == "const":
        return sympy.pi if node.name == "pi" else sympy.E
    if kind == "neg" and node.args[0].kind == "neg":
        return to_sympy(node.args[0].args[0])
    args = [to_sympy(a) for a in node.args]
    if kind == "neg":
        return _negative(args[0])
    if kind == "add":
        terms = [_negative(t) if minus else t for t, minus in zip(args, node.flags, strict=True)]
        return sympy.Add(*terms, evaluate=False)
    if kind == "mul":
        factors = [
            sympy.Pow(f, sympy.S.NegativeOne, evaluate=False) if divide else f
            for f, divide in zip(args, node.flags, strict=True)
        ]
        return sympy.Mul(*factors, evaluate=False)
    if kind == "pow":
        return sympy.Pow(args[0], args[1], evaluate=False)
    if node.name == "sqrt":
        return sympy.Pow(args[0], sympy.S.Half, evaluate=False)
    if node.name == "log" and len(args) == 2:
        ratio = sympy.Pow(sympy.log(args[1], evaluate=False), -1, evaluate=False)
        return sympy.Mul(sympy.log(args[0], evaluate=False), ratio, evaluate=False)
    return _sympy_functions()[node.name](args[0], evaluate=False)


@lru_cache(maxsize=1)
def _sympy_functions() -> dict[str, Any]:
    """The SymPy class of each one-argument function of the grammar, by its canonical name."""
    import sympy

    names = ("sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan")
    table = {name: getattr(sympy, name) for name in (*names, "sinh", "cosh", "tanh", "exp")}
    return {**table, "log": sympy.log, "abs": sympy.Abs}


def _negative(expr: Any) -> Any:
    import sympy

    if isinstance(expr, sympy.Number):  # a literal of at most 40 digits: cheap, reads -2
        return -expr
    return sympy.Mul(sympy.S.NegativeOne, expr, evaluate=False)


def parse(text: str, variables: tuple[str, ...]) -> Any:
    """Parse ``text`` into an unevaluated SymPy expression, or raise :class:`ExpressionError`."""
    try:
        return to_sympy(parse_math(text, variables))
    except MathSyntaxError as exc:
        raise ExpressionError(str(exc)) from exc


@lru_cache(maxsize=256)
def _answer(answer: str, variables: tuple[str, ...]) -> Node:
    """The instructor's answer, parsed by the same grammar (a broken one raises)."""
    try:
        return parse_math(answer, variables)
    except MathSyntaxError as exc:
        raise ValueError(f"expression answer {answer[:80]!r}: {exc}") from exc


def _text_of(response: Any) -> str | CheckResult:
    if isinstance(response, bool):
        return not_understood(response, "Please type an expression.")
    if isinstance(response, int):
        if abs(response) >= _MAX_RESPONSE_INT:  # str() of a huge int is slow, then refused
            return not_understood(response, "The numbers in your expression are too large.")
        return str(response)
    if isinstance(response, float):
        if not math.isfinite(response):
            return not_understood(response, "That is not a finite number.")
        return repr(response)
    if not isinstance(response, str):
        return not_understood(response, "Please type an expression.")
    return response


def _shown(node: Node) -> str:
    """How the response was read, as SymPy prints it (empty if SymPy cannot print it)."""
    try:
        return str(to_sympy(node))[:2000]
    except (TestTimeout, RecursionError):
        raise
    except Exception:  # display only: a printing quirk must not fail the check
        return ""


def check_spec(
    spec: Expression, response: Any, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Check an expression response (see the module docstring), its numbers written as
    learners of ``language`` write them."""
    text = _text_of(response)
    if isinstance(text, CheckResult):
        return text
    variables = answer_variables(spec.answer, spec.variables)
    expected = _answer(spec.answer, variables)  # the question's own problem: raises
    # SymPy's first import takes about a second, several on a busy server: it is lessonkit's
    # cost, not the learner's, so it is paid before the learner's time limit starts.
    _sympy_functions()
    fmt = number_format(language)
    try:
        with time_limit(_SECONDS):
            given = parse_math(expression_text(text, fmt), variables)
            same = equivalent(given, expected, variables)
            shown = _shown(given)
    except MathSyntaxError as exc:
        message = str(exc)
        if fmt is not None and fmt.decimal == "," and message in COMMA_MESSAGES:
            message = comma_message(fmt)
        return not_understood(response, message)
    except (TestTimeout, RecursionError):
        return not_understood(response, "Your expression is too complicated to check.")
    text = text.strip()
    if same is None:
        note = "Your expression has no value at the points where answers are compared."
        return make_result(response, correct=False, feedback=note, text=text, parsed=shown)
    return make_result(response, correct=same, text=text, parsed=shown)
