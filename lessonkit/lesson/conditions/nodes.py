"""Syntax tree and evaluation semantics of the condition language (internal).

Public names live in :mod:`lessonkit.lesson.conditions`; this module holds the node classes
the parser builds, the table of functions, and the rules that make evaluation total (it never
raises on data):

* values are ``none``, booleans, numbers (``true``/``false`` count as 1/0, as in Python),
  strings and lists;
* ``==`` / ``!=`` compare any two values (``1 == 1.0``; a string never equals a number);
* ``<``, ``<=``, ``>``, ``>=`` hold only between two numbers or two strings; between anything
  else (``none < 1``, ``'a' < 1``) they are false;
* ``x in L`` / ``x not in L``: membership when ``L`` is a list, substring when both are strings;
  any other right-hand side makes both false;
* ``+ - * /`` work on numbers (``+`` also joins two strings); anything else, division by zero
  or a float overflow gives ``none``;
* ``and`` / ``or`` / ``not`` use truthiness (``none``, ``0``, ``''``, ``[]`` are false) and give
  a boolean.

Chains of one precedence level (``a and b and c``, ``1 + 2 - 3``, ``a < b <= c``) are stored
flat, so long conditions never make deep trees; only brackets and prefix operators nest, and the
parser bounds that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeAlias

__all__ = [
    "FUNCTIONS",
    "LAST_RESULT_NAMES",
    "ConditionContext",
    "FunctionSpec",
    "Node",
    "Value",
]

Value: TypeAlias = "bool | int | float | str | tuple[Value, ...] | None"
"""A value of the condition language (lists are tuples)."""


class ConditionContext(Protocol):
    """What a condition can read; :class:`~lessonkit.engine.session.LessonSession` provides one.

    Attributes describe the step just left; methods answer about any step or competency and must
    return the "nothing yet" value (0, ``False``, the prior) for steps never answered.
    """

    @property
    def correct(self) -> bool:
        """Whether the step just left was answered correctly."""

    @property
    def score(self) -> float:
        """Best score (0..1) on the step just left."""

    @property
    def attempts(self) -> int:
        """Attempts made at the step just left."""

    @property
    def hints(self) -> int:
        """Hints used at the step just left."""

    @property
    def choice(self) -> str | None:
        """Value chosen at the step just left, when it was a choice step."""

    @property
    def recorded(self) -> bool:
        """Whether the step just left holds an answer recorded for grading, not judged live."""

    @property
    def profile(self) -> Mapping[str, object]:
        """Learner-profile fields (set by choice steps or given at start)."""

    @property
    def choices(self) -> Mapping[str, str]:
        """Value chosen at each choice step, by step id."""

    def step_score(self, step_id: str) -> float:
        """Best score (0..1) on a step; 0 when unanswered."""

    def step_correct(self, step_id: str) -> bool:
        """Whether a step was answered correctly."""

    def step_attempts(self, step_id: str) -> int:
        """Attempts made at a step."""

    def step_hints(self, step_id: str) -> int:
        """Hints used at a step."""

    def visits(self, step_id: str) -> int:
        """Times the learner arrived at a step."""

    def answered(self, step_id: str) -> bool:
        """Whether a step has at least one attempt."""

    def mastery(self, competency_id: str) -> float:
        """Current mastery probability of a competency."""

    def mastered(self, competency_id: str) -> bool:
        """Whether a competency reached its mastery threshold."""

    def total_score(self, *step_ids: str) -> float:
        """Points earned over the given steps."""

    def max_score(self, *step_ids: str) -> float:
        """Points available over the given steps."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function of the language: what its arguments name and how many it takes."""

    refers_to: str
    """``"step"`` or ``"competency"``: what each (quoted) argument is an id of."""
    min_args: int
    """Fewest arguments."""
    max_args: int | None
    """Most arguments; ``None`` is unbounded."""
    call: Callable[[ConditionContext, tuple[str, ...]], Value]
    """Evaluates the call against a context."""
    doc: str
    """One line for error messages and documentation."""


def _one(kind: str, doc: str, fn: Callable[[ConditionContext, str], Value]) -> FunctionSpec:
    return FunctionSpec(kind, 1, 1, lambda ctx, args: fn(ctx, args[0]), doc)


FUNCTIONS: Mapping[str, FunctionSpec] = {
    "score": _one("step", "best score 0..1 on a step", lambda c, s: c.step_score(s)),
    "correct": _one("step", "whether a step was answered right", lambda c, s: c.step_correct(s)),
    "attempts": _one("step", "attempts made at a step", lambda c, s: c.step_attempts(s)),
    "hints": _one("step", "hints used at a step", lambda c, s: c.step_hints(s)),
    "visits": _one("step", "times a step was visited", lambda c, s: c.visits(s)),
    "answered": _one("step", "whether a step was attempted", lambda c, s: c.answered(s)),
    "mastery": _one("competency", "mastery probability 0..1", lambda c, s: c.mastery(s)),
    "mastered": _one("competency", "whether mastery was reached", lambda c, s: c.mastered(s)),
    "total_score": FunctionSpec(
        "step", 1, None, lambda c, a: c.total_score(*a), "points earned over steps"
    ),
    "max_score": FunctionSpec(
        "step", 1, None, lambda c, a: c.max_score(*a), "points available over steps"
    ),
}
"""Every function of the language, by name."""

LAST_RESULT_NAMES: Mapping[str, str] = {
    "correct": "whether the step just left was answered correctly",
    "score": "best score 0..1 on the step just left",
    "attempts": "attempts made at the step just left",
    "hints": "hints used at the step just left",
    "choice": "value chosen at the step just left (a choice step)",
    "recorded": "whether the answer to the step just left was recorded for grading, not judged",
}
"""Bare names that read the step just left."""


def _coerce(value: object) -> Value:
    """A context value as a language value (unknown types become their text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return tuple(_coerce(v) for v in value)
    return str(value)


def _number(value: Value) -> bool:
    return isinstance(value, int | float)


def truthy(value: Value) -> bool:
    """Truthiness: ``none``, ``0``, ``''`` and ``[]`` are false."""
    return bool(value)


def compare(op: str, left: Value, right: Value) -> bool:
    """One comparison, total: incompatible operands make it false."""
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op in ("in", "not in"):
        if isinstance(right, tuple):
            found = any(left == item for item in right)
        elif isinstance(right, str) and isinstance(left, str):
            found = left in right
        else:
            return False
        return found if op == "in" else not found
    if (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str)):
        a, b = left, right
        if op == "<":
            return a < b  # type: ignore[operator]
        if op == "<=":
            return a <= b  # type: ignore[operator]
        if op == ">":
            return a > b  # type: ignore[operator]
        return a >= b  # type: ignore[operator]
    return False


def arith(op: str, left: Value, right: Value) -> Value:
    """One arithmetic operation, total: anything undefined gives ``None``."""
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (isinstance(left, int | float) and isinstance(right, int | float)):
        return None
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return None if right == 0 else left / right
    except OverflowError:  # a huge integer mixed with a float
        return None


@dataclass(frozen=True, slots=True)
class Node:
    """Base of the syntax tree; ``offset`` is the 0-based character where the node starts."""

    offset: int

    def eval(self, ctx: ConditionContext) -> Value:
        """The node's value in ``ctx``."""
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        """Direct sub-nodes, in source order."""
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, string, ``true``/``false`` or ``none``."""

    value: Value

    def eval(self, ctx: ConditionContext) -> Value:
        return self.value


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    """``[a, b, ...]``."""

    items: tuple[Node, ...]

    def eval(self, ctx: ConditionContext) -> Value:
        return tuple(item.eval(ctx) for item in self.items)

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class LastResult(Node):
    """A bare name about the step just left: ``correct``, ``score``, ``attempts``..."""

    name: str

    def eval(self, ctx: ConditionContext) -> Value:
        return _coerce(getattr(ctx, self.name))


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``profile.<field>`` or ``choices.<step_id>`` (also ``profile['f']``)."""

    source: str
    """``profile`` or ``choices``."""
    key: str
    key_offset: int
    """Where the field name or id starts."""

    def eval(self, ctx: ConditionContext) -> Value:
        mapping: Mapping[str, object] = getattr(ctx, self.source)
        return _coerce(mapping.get(self.key))


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name('id', ...)`` with quoted ids."""

    name: str
    args: tuple[str, ...]
    arg_offsets: tuple[int, ...]

    def eval(self, ctx: ConditionContext) -> Value:
        return _coerce(FUNCTIONS[self.name].call(ctx, self.args))


@dataclass(frozen=True, slots=True)
class Not(Node):
    """``not x``."""

    operand: Node

    def eval(self, ctx: ConditionContext) -> Value:
        return not truthy(self.operand.eval(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Sign(Node):
    """Unary ``-x`` or ``+x``."""

    op: str
    operand: Node

    def eval(self, ctx: ConditionContext) -> Value:
        value = self.operand.eval(ctx)
        if not isinstance(value, int | float):
            return None
        return -value if self.op == "-" else +value

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """``a and b and ...`` or ``a or b or ...`` (short-circuit)."""

    op: str
    operands: tuple[Node, ...]

    def eval(self, ctx: ConditionContext) -> Value:
        if self.op == "and":
            return all(truthy(o.eval(ctx)) for o in self.operands)
        return any(truthy(o.eval(ctx)) for o in self.operands)

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``a < b <= c ...``: holds when every link holds (each operand evaluated once)."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def eval(self, ctx: ConditionContext) -> Value:
        left = self.first.eval(ctx)
        for op, node in self.rest:
            right = node.eval(ctx)
            if not compare(op, left, right):
                return False
            left = right
        return True

    def children(self) -> tuple[Node, ...]:
        return (self.first, *(n for _, n in self.rest))


@dataclass(frozen=True, slots=True)
class Arith(Node):
    """``a + b - c ...`` or ``a * b / c ...``, left to right."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def eval(self, ctx: ConditionContext) -> Value:
        value = self.first.eval(ctx)
        for op, node in self.rest:
            value = arith(op, value, node.eval(ctx))
        return value

    def children(self) -> tuple[Node, ...]:
        return (self.first, *(n for _, n in self.rest))
