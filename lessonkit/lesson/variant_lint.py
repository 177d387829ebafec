"""What ``lessonkit validate`` checks in a question's variants: bounds, then sampled draws.

A lesson file is untrusted input for every learner who opens it: a ``derived`` expression such
as ``round(a, -10**9)`` would pass a schema and then hang each kernel that reaches the step
(C-level big-integer work no time limit interrupts). So, before a lesson is accepted:

1. param values must be numbers of bounded size (:data:`~.variants.MAX_MAGNITUDE`);
2. each derived expression is read statically: only the allowed syntax and known names, and
   every part without names is evaluated with the bounded evaluator, so huge literals,
   exponents above :data:`~.variants.MAX_EXPONENT` and ``round`` digits beyond
   :data:`~.variants.MAX_ROUND_DIGITS` are reported where they are written;
3. :data:`SAMPLES` seeded draws are evaluated and rendered: a derived value that fails for some
   draw (``1 / (a - 3)`` when ``a`` can be 3), or a check whose filled-in answer is not sound
   (an expression answer that does not parse), is reported with the values that broke it.

The evaluator itself enforces the same bounds at run time, so a lesson built in Python without
validation gets an error rather than a hang.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import LessonDefinitionError
from .specs import CheckSpec, Code, Custom, Frame, Numeric
from .variants import (
    MAX_MAGNITUDE,
    _walk,
    call_problem,
    draw_params,
    evaluate_node,
    exponent_problem,
    not_allowed,
    parse_derived,
    round_digits_problem,
)

__all__ = ["SAMPLES", "variant_problems"]

SAMPLES = 50
"""Seeded draws evaluated per question with params."""

Located = tuple[tuple[str | int, ...], str, "int | None"]
"""A problem: path below the question, message, character offset in the string (or None)."""

_FAILURES = (LessonDefinitionError, ArithmeticError, TypeError, ValueError)
_NODES = (
    ast.Constant, ast.Name, ast.Load, ast.UnaryOp, ast.USub, ast.UAdd, ast.BinOp, ast.Call,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
)  # fmt: skip


def variant_problems(question: Any) -> list[Located]:
    """Problems of a question's ``params``/``derived`` (a built Question or raw file data)."""
    params, derived, spec = _parts(question)
    if params is None:
        return []  # malformed params: the schema and the model report them
    found: list[Located] = []
    for name, param in params.items():
        for field in ("randint", "uniform", "choice"):
            numbers = getattr(param, field) or ()
            if any(_too_big(v) for v in numbers):
                message = f"param values must be finite numbers at most {MAX_MAGNITUDE:g} in size"
                found.append((("params", name, field), message, None))
    known = set(params)
    for name, text in derived.items():
        found.extend((("derived", name), m, o) for m, o in _static(text, known))
        known.add(name)
    if not found:
        found.extend(_sampled(params, derived, spec))
    return found


def _too_big(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return not abs(value) <= MAX_MAGNITUDE


def _parts(question: Any) -> tuple[dict[str, Any] | None, dict[str, str], CheckSpec | None]:
    """``(params, derived, check)`` as model objects; params ``None`` when they cannot be built."""
    if not isinstance(question, Mapping):
        built = getattr(question, "check", None)
        return (
            dict(question.params),
            dict(question.derived),
            built if isinstance(built, CheckSpec) else None,
        )
    from .model import Param
    from .serialize import _build

    params: dict[str, Any] = {}
    raw_params = question.get("params") or {}
    raw_derived = question.get("derived") or {}
    if not isinstance(raw_params, Mapping) or not isinstance(raw_derived, Mapping):
        return None, {}, None
    try:
        for name, raw in raw_params.items():
            params[str(name)] = _build(Param, raw, ("params", name))
    except Exception:  # the schema and the model say what is wrong, in their words
        return None, {}, None
    derived = {str(k): v for k, v in raw_derived.items() if isinstance(v, str)}
    spec: CheckSpec | None = None
    if isinstance(question.get("check"), Mapping):
        try:
            spec = _build(CheckSpec, question["check"], ("check",))
        except Exception:
            spec = None
    return params, derived, spec


def _static(text: str, known: set[str]) -> list[tuple[str, int | None]]:
    try:
        tree = parse_derived(text)
    except LessonDefinitionError as exc:
        return [(_message(exc), None)]
    lead = len(text) - len(text.lstrip())
    return [(message, _offset(text, node, lead)) for node, message in _walk_static(tree, known)]


def _offset(text: str, node: ast.AST, lead: int) -> int | None:
    if getattr(node, "lineno", 0) != 1 or "\n" in text.strip():
        return None
    line = text.strip().encode("utf-8")
    return lead + len(line[: getattr(node, "col_offset", 0)].decode("utf-8", "ignore"))


def _free_names(node: ast.AST) -> set[str]:
    """Names read by ``node`` (function names of calls excluded)."""
    functions = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in functions}


def _walk_static(tree: ast.AST, known: set[str]) -> list[tuple[ast.AST, str]]:
    """Each problem of a derived expression with the node it is about."""
    for node in ast.walk(tree):
        if not isinstance(node, _NODES) or (
            isinstance(node, ast.Constant) and type(node.value) not in (int, float)
        ):
            return [(node, not_allowed(node))]
        if isinstance(node, ast.Call) and (problem := call_problem(node)):
            return [(node, problem)]
    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    unknown: list[tuple[ast.AST, str]] = [
        (n, f"unknown name {n.id!r}")
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and id(n) not in functions and n.id not in known
    ]
    return unknown or _constant_parts(tree)


def _constant_parts(node: ast.AST, depth: int = 0) -> list[tuple[ast.AST, str]]:
    """Evaluate every part without names now: huge numbers, exponents, ``round`` digits."""
    if depth > 60:
        return [(node, "derived expression is nested too deeply")]
    if not isinstance(node, ast.Name) and not _free_names(node):
        try:
            evaluate_node(node, {})
        except _FAILURES as exc:
            return [(node, _message(exc))]
        return []
    children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
    found = [p for child in children for p in _constant_parts(child, depth + 1)]
    if found:
        return found
    check: Callable[[Any], str | None]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        part, check = node.right, exponent_problem
    elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "round":
        part, check = (node.args[1] if len(node.args) == 2 else node), round_digits_problem
    else:
        return []
    if part is node or _free_names(part):
        return []  # depends on the draw: the sampled draws test it
    problem = check(evaluate_node(part, {}))
    return [(part, problem)] if problem else []


def _sampled(
    params: Mapping[str, Any], derived: Mapping[str, str], spec: CheckSpec | None
) -> list[Located]:
    """Evaluate and render :data:`SAMPLES` seeded draws; the first failure of each part."""
    trees = {name: parse_derived(text) for name, text in derived.items()}
    raw = isinstance(spec, (Numeric, Code, Custom, Frame))
    marks = dict.fromkeys([*params, *derived], "\x00")
    if spec is not None and _walk(spec, marks, raw) == spec:
        spec = None  # no placeholders: its static problems are already reported
    found: dict[tuple[str | int, ...], str] = {}
    for seed in range(SAMPLES):
        values = draw_params(params, seed)
        for name, tree in trees.items():
            try:
                values[name] = evaluate_node(tree, values)
            except _FAILURES as exc:
                message = f"fails for {_shown(values, params)}: {_message(exc)}"
                found.setdefault(("derived", name), message)
                break  # later values may use this one
        else:
            for sub, message in _spec_problems(spec, values, raw):
                found.setdefault(("check", *sub), f"with {_shown(values, params)}: {message}")
    return [(where, message, None) for where, message in found.items()]


def _spec_problems(
    spec: CheckSpec | None, values: Mapping[str, Any], raw: bool
) -> list[tuple[tuple[str | int, ...], str]]:
    if spec is None:
        return []
    try:
        return list(_walk(spec, values, raw).problems())
    except Exception:  # a filled-in value the spec cannot even hold
        return []


def _message(exc: Exception) -> str:
    """The bare message of an error (a LessonDefinitionError's text carries a location)."""
    if isinstance(exc, LessonDefinitionError) and exc.problems:
        return exc.problems[0].message
    return str(exc)


def _shown(values: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in values.items() if k in params)
    return text if len(text) <= 120 else text[:119] + "…"
