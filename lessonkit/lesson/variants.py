"""Randomised question variants: a per-learner seed, drawn values, rendered questions.

``variant_seed`` is a pure function of who, what and which variant (keyed with a secret in live
sessions), and is recorded with each answer, so a grader re-checking recorded evidence
regenerates exactly the variant the learner saw. ``derived`` values are
computed by a tiny arithmetic evaluator over the drawn values (a whitelist of :mod:`ast`
nodes; never ``eval``) whose every step is bounded: exponents, ``round`` digits and the size of
every number, so a lesson file cannot hang a kernel with C-level big-integer work
(:mod:`.variant_lint` applies the same bounds in ``lessonkit validate``).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import hmac
import math
import operator
import random
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import LessonDefinitionError
from .specs import CheckSpec, Code, Custom, Frame, Numeric

if TYPE_CHECKING:
    from .model import Param, Question

__all__ = [
    "MAX_EXPONENT",
    "MAX_EXPR_CHARS",
    "MAX_MAGNITUDE",
    "MAX_ROUND_DIGITS",
    "call_problem",
    "draw",
    "draw_params",
    "evaluate",
    "evaluate_node",
    "exponent_problem",
    "format_value",
    "not_allowed",
    "parse_derived",
    "render",
    "round_digits_problem",
    "variant_seed",
]

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")  # the same syntax validate.py checks
MAX_EXPONENT = 100
"""Largest exponent in a derived expression (``a ** 100``)."""
MAX_MAGNITUDE = 1e300
"""Largest absolute value of any number read, drawn or computed in a derived expression."""
MAX_ROUND_DIGITS = 20
"""Largest ``ndigits`` of ``round`` either way (``round(a, -10**9)`` would never finish)."""
MAX_EXPR_CHARS = 500
"""Longest derived expression, in characters."""
_MAX_DEPTH = 50
_ALLOWED = "use numbers, names, + - * / // % **, round, abs, min, max"

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "round": (round, 1, 2),
    "abs": (abs, 1, 1),
    "min": (min, 2, 10),
    "max": (max, 2, 10),
}
"""Function name -> (function, fewest arguments, most arguments)."""


def variant_seed(
    learner_id: str, lesson_id: str, step_id: str, variant: int, *, key: bytes | None = None
) -> int:
    """A deterministic 63-bit seed for one learner's ``variant``-th view of a step.

    With ``key`` it is an HMAC-SHA256 under that key, which nobody without the key can
    recompute from a learner id (see ``lessonkit.evidence.secret``); without one, a plain
    SHA-256 (headless, deterministic play).
    """
    text = "\x1f".join((str(learner_id), str(lesson_id), str(step_id), str(int(variant))))
    message = text.encode("utf-8")
    if key is not None:
        digest = hmac.new(key, message, hashlib.sha256).digest()
    else:
        digest = hashlib.sha256(message).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def parse_derived(expression: str) -> ast.expr:
    """The syntax tree of a derived expression; raises :class:`LessonDefinitionError`."""
    if len(expression) > MAX_EXPR_CHARS:
        raise LessonDefinitionError(f"derived expression is too long ({len(expression)} chars)")
    try:
        return ast.parse(expression.strip(), mode="eval").body
    except SyntaxError as exc:
        raise LessonDefinitionError(f"derived expression {expression!r}: {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, deep nesting
        raise LessonDefinitionError(f"derived expression {expression!r} cannot be read") from exc


def evaluate(expression: str, values: Mapping[str, Any]) -> Any:
    """Evaluate an arithmetic ``expression`` over ``values``.

    Numbers, names, ``+ - * / // % **``, unary minus/plus and ``round``/``abs``/``min``/
    ``max`` calls are allowed; exponents, ``round`` digits and every number's magnitude are
    bounded, so each step is cheap. Anything else raises
    :class:`~lessonkit.errors.LessonDefinitionError`.
    """
    tree = parse_derived(expression)
    try:
        return evaluate_node(tree, values)
    except (ArithmeticError, TypeError, ValueError) as exc:
        reason = exc.problems[0].message if isinstance(exc, LessonDefinitionError) else str(exc)
        raise LessonDefinitionError(f"derived expression {expression!r}: {reason}") from exc


def _shown(node: ast.AST) -> str:
    """``node`` as source text for a message, shortened in the middle when long."""
    text = ast.unparse(node)
    if len(text) <= 40:
        return repr(text)
    return f"{text[:16]!r}…{text[-16:]!r} ({len(text)} characters)"


def not_allowed(node: ast.AST) -> str:
    """The message for syntax a derived expression may not use."""
    return f"{_shown(node)} is not allowed in a derived expression ({_ALLOWED})"


def _number(value: Any, node: ast.AST) -> int | float:
    """``value`` if it is a number of bounded size (``node`` names it in the message)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LessonDefinitionError(f"{_shown(node)} is not a number")
    if not abs(value) <= MAX_MAGNITUDE:  # also refuses NaN
        raise LessonDefinitionError(f"{_shown(node)} is too large (at most {MAX_MAGNITUDE:g})")
    return value


def exponent_problem(exponent: float) -> str | None:
    """Why ``exponent`` may not be used in ``**``, or ``None``."""
    if abs(exponent) > MAX_EXPONENT:
        return f"exponent {exponent!r} is too large (max {MAX_EXPONENT})"
    return None


def round_digits_problem(digits: Any) -> str | None:
    """Why ``digits`` may not be ``round``'s second argument, or ``None``."""
    if isinstance(digits, bool) or not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
        return (
            f"round() digits must be a whole number from -{MAX_ROUND_DIGITS} to "
            f"{MAX_ROUND_DIGITS}, not {digits!r}"
        )
    return None


def call_problem(node: ast.Call) -> str | None:
    """Why a call is not one of the allowed functions with a fitting argument count."""
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    if name not in _FUNCTIONS or node.keywords:
        return not_allowed(node)
    _, fewest, most = _FUNCTIONS[name]
    if not fewest <= len(node.args) <= most:
        return f"{name}() takes {fewest} to {most} arguments, not {len(node.args)}"
    return None


def evaluate_node(node: ast.AST, values: Mapping[str, Any], depth: int = 0) -> Any:
    """Evaluate one node of a derived expression (see :func:`evaluate`)."""
    if depth > _MAX_DEPTH:
        raise LessonDefinitionError("derived expression is nested too deeply")
    inner = depth + 1
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _number(node.value, node)
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise LessonDefinitionError(f"unknown name {node.id!r} in a derived expression")
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _number(evaluate_node(node.operand, values, inner), node.operand)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _number(evaluate_node(node.left, values, inner), node.left)
        right = _number(evaluate_node(node.right, values, inner), node.right)
        if isinstance(node.op, ast.Pow) and (problem := exponent_problem(right)):
            raise LessonDefinitionError(problem)
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, complex) or not abs(result) <= MAX_MAGNITUDE:
            raise LessonDefinitionError("a derived value is not a reasonable real number")
        return result
    if isinstance(node, ast.Call):
        if problem := call_problem(node):
            raise LessonDefinitionError(problem)
        args = [_number(evaluate_node(a, values, inner), a) for a in node.args]
        name = node.func.id  # type: ignore[attr-defined]  # call_problem checked it
        if name == "round" and len(args) == 2 and (problem := round_digits_problem(args[1])):
            raise LessonDefinitionError(problem)
        return _FUNCTIONS[name][0](*args)
    raise LessonDefinitionError(not_allowed(node))


def draw_params(params: Mapping[str, Param], seed: int) -> dict[str, Any]:
    """Values for ``params``, drawn in sorted name order from ``random.Random(seed)``."""
    rng = random.Random(seed)
    values: dict[str, Any] = {}
    for name in sorted(params):
        param = params[name]
        if param.randint is not None:
            values[name] = rng.randint(int(param.randint[0]), int(param.randint[1]))
        elif param.uniform is not None:
            values[name] = round(rng.uniform(*param.uniform), param.decimals)
        elif param.choice is not None:
            values[name] = param.choice[rng.randrange(len(param.choice))]
    return values


def draw(question: Question, seed: int) -> dict[str, Any]:
    """Values for ``question.params`` (sorted by name) and then ``question.derived``."""
    values = draw_params(question.params, seed)
    for name, expression in question.derived.items():  # in order: later ones may use earlier
        values[name] = evaluate(expression, values)
    return values


def format_value(value: Any) -> str:
    """How a value reads in text: ``7`` not ``7.0``, no float noise (``0.3`` not ``0.30…4``)."""
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    return str(value)


def _substitute(text: str, values: Mapping[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return format_value(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(one, text)


def _walk(value: Any, values: Mapping[str, Any], raw: bool) -> Any:
    """Substitute placeholders in strings inside ``value`` (dataclasses, tuples, dicts).

    With ``raw``, a string that is exactly one placeholder becomes the value itself, so a
    numeric answer ``"{{sum}}"`` becomes a number.
    """
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value.strip())
        if raw and whole and whole.group(1) in values:
            return values[whole.group(1)]
        return _substitute(value, values)
    if isinstance(value, tuple):
        return tuple(_walk(v, values, raw) for v in value)
    if isinstance(value, list):
        return [_walk(v, values, raw) for v in value]
    if isinstance(value, Mapping):
        return {k: _walk(v, values, raw) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), values, raw)
            for f in dataclasses.fields(value)
            if f.init and f.name != "checker"
        }
        return dataclasses.replace(value, **changes)
    return value


def render(question: Question, values: Mapping[str, Any]) -> Question:
    """``question`` with ``{{name}}`` placeholders replaced; its params/derived emptied.

    Rendering a rendered question changes nothing, so it is idempotent.
    """
    if not values and not question.params and not question.derived:
        return question
    spec: CheckSpec = question.check
    raw = isinstance(spec, (Numeric, Code, Custom, Frame))
    changes: dict[str, Any] = {
        "prompt": _substitute(question.prompt, values),
        "title": _substitute(question.title, values),
        "hints": tuple(_substitute(h, values) for h in question.hints),
        "solution": _substitute(question.solution, values),
        "feedback": _walk(question.feedback, values, raw),
        "check": _walk(spec, values, raw),
        "params": {},
        "derived": {},
    }
    if isinstance(getattr(question, "starter", None), str):
        changes["starter"] = _substitute(question.starter, values)  # type: ignore[attr-defined]
    return dataclasses.replace(question, **changes)
