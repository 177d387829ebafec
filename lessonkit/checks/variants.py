"""Randomised question variants: a per-learner seed, drawn values, rendered questions.

``variant_seed`` is a pure function of who, what and which variant (keyed with a secret in live
sessions), and is recorded with each answer, so a grader re-checking recorded evidence
regenerates exactly the variant the learner saw. ``derived`` values are
computed by a tiny arithmetic evaluator over the drawn values (a whitelist of :mod:`ast`
nodes; never ``eval``).
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
from ..lesson.specs import CheckSpec, Code, Custom, Frame, Numeric

if TYPE_CHECKING:
    from ..lesson.model import Question

__all__ = ["draw", "evaluate", "format_value", "render", "variant_seed"]

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")  # the same syntax validate.py checks
_MAX_EXPONENT = 100
_MAX_MAGNITUDE = 1e300
_MAX_EXPR_CHARS = 500

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"round": round, "abs": abs, "min": min, "max": max}


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


def evaluate(expression: str, values: Mapping[str, Any]) -> Any:
    """Evaluate an arithmetic ``expression`` over ``values``.

    Numbers, names, ``+ - * / // % **``, unary minus/plus and ``round``/``abs``/``min``/
    ``max`` calls are allowed; exponents are bounded. Anything else raises
    :class:`~lessonkit.errors.LessonDefinitionError`.
    """
    if len(expression) > _MAX_EXPR_CHARS:
        raise LessonDefinitionError(f"derived expression is too long ({len(expression)} chars)")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise LessonDefinitionError(f"derived expression {expression!r}: {exc.msg}") from exc
    try:
        return _eval(tree.body, values)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise LessonDefinitionError(f"derived expression {expression!r}: {exc}") from exc


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise LessonDefinitionError(f"unknown name {node.id!r} in a derived expression")
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _eval(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise LessonDefinitionError(f"exponent {right!r} is too large (max {_MAX_EXPONENT})")
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, complex) or abs(result) > _MAX_MAGNITUDE:
            raise LessonDefinitionError("a derived value is not a reasonable real number")
        return result
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and len(node.args) <= 10
    ):
        return _FUNCTIONS[node.func.id](*(_eval(a, values) for a in node.args))
    raise LessonDefinitionError(
        f"{ast.unparse(node)!r} is not allowed in a derived expression "
        "(use numbers, names, + - * / // % **, round, abs, min, max)"
    )


def draw(question: Question, seed: int) -> dict[str, Any]:
    """Values for ``question.params`` (sorted by name) and then ``question.derived``."""
    rng = random.Random(seed)
    values: dict[str, Any] = {}
    for name in sorted(question.params):
        param = question.params[name]
        if param.randint is not None:
            values[name] = rng.randint(int(param.randint[0]), int(param.randint[1]))
        elif param.uniform is not None:
            values[name] = round(rng.uniform(*param.uniform), param.decimals)
        elif param.choice is not None:
            values[name] = param.choice[rng.randrange(len(param.choice))]
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
