"""Branching rules that can never fire: a cheap, sound static check behind validation warnings.

A rule is evaluated when the learner leaves its step, so the names about "the step just left"
(``correct``, ``score``, ``attempts``, ``hints``, ``choice``, ``recorded``) can only take the
values that step allows: no more attempts than its ``max_attempts``, no more hints than it has,
``correct`` false and ``attempts`` 0 after a content or choice step, ``choice`` one of the
options without a ``goto`` after a choice step. Everything else a condition reads (``mastery``,
other steps, the profile) is taken as unknown.

Each rule is evaluated, in three-valued logic (true, false, unknown), for every combination of
the values its step allows for the names it reads. A rule *can never fire* when, for each
combination, it is certainly false or an earlier rule of the same step is certainly true (the
first rule that holds wins). Unknowns only ever make a rule look possible, so the check is
sound: it never warns about a rule some learner can take. It is not complete (a rule that
needs ``mastery('x') > 1`` is not found) and stays cheap: only the names a condition reads are
enumerated, integer ranges are cut where the condition's own numbers stop mattering, and a
condition needing more than :data:`MAX_CASES` combinations, or doing arithmetic on an
unbounded name, is left alone, and a lesson stops being judged after :data:`BUDGET`
combinations in all.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import ConditionSyntaxError, parse
from .conditions.nodes import (
    Arith,
    BoolOp,
    Call,
    Compare,
    LastResult,
    ListExpr,
    Literal,
    Member,
    Node,
    Not,
    Sign,
    arith,
    compare,
)
from .model import Choice, Lesson, Practice, Question, Step
from .validate import Finding

__all__ = ["BUDGET", "MAX_CASES", "rule_warnings"]

MAX_CASES = 20_000
"""Most combinations of values enumerated for one rule; beyond it the rule is not judged."""
BUDGET = 200_000
"""Most combinations enumerated for one lesson (a few seconds at worst): the first rules are
judged, and a file written to keep the check busy costs no more than this."""


class _Unknown:
    """A value the check cannot know (mastery, other steps, the profile)."""

    def __repr__(self) -> str:
        return "unknown"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class _Domain:
    """The values each name about the step just left can take, and how to say so."""

    values: Mapping[str, tuple[Any, ...]]
    facts: Mapping[str, str]


def rule_warnings(lesson: Lesson) -> list[Finding]:
    """A warning for each rule of ``lesson`` that no learner can ever take."""
    found: list[Finding] = []
    budget = [BUDGET]
    for i, step in enumerate(lesson.steps):
        if step.next is None or not step.next.rules:
            continue
        found.extend(_step_warnings(step, ("steps", i, "next", "rules"), budget))
    return found


def _step_warnings(
    step: Step, where: tuple[str | int, ...], budget: list[int]
) -> Iterator[Finding]:
    rules: list[tuple[int, str, Node | None]] = []
    for j, rule in enumerate(step.next.rules if step.next else ()):
        if not isinstance(rule.when, str):  # a Python callable: nothing to read
            rules.append((j, "", None))
            continue
        try:
            rules.append((j, rule.when, parse(rule.when).root))
        except ConditionSyntaxError:  # reported as an error elsewhere
            rules.append((j, rule.when, None))
    for k, (j, _, root) in enumerate(rules):
        if root is not None:
            verdict = _judge(step, root, [(text, r) for _, text, r in rules[:k]], budget)
            if verdict is not None:
                yield Finding((*where, j, "when"), verdict)


def _judge(
    step: Step, root: Node, earlier: list[tuple[str, Node | None]], budget: list[int]
) -> str | None:
    """Why the rule ``root`` can never fire after ``step``, or ``None`` if it may (or if
    judging it would take more than the ``budget`` left, which it spends)."""
    known = [r for _, r in earlier if r is not None]
    names = sorted(_names(root).union(*(_names(r) for r in known)))
    domain = _domain(step, _numbers([root, *known]))
    if any(_unbounded_arith(r, domain) for r in (root, *known)):
        return None
    axes = [domain.values[n] for n in names]
    cases = math.prod(len(a) for a in axes)
    if cases > min(MAX_CASES, budget[0]):
        return None
    budget[0] -= cases
    blockers: set[int] = set()
    for combo in itertools.product(*axes):
        env = dict(zip(names, combo, strict=True))
        if _value(root, env) is False:
            continue
        first = next(
            (n for n, (_, r) in enumerate(earlier) if r is not None and _value(r, env) is True),
            None,
        )
        if first is None:
            return None  # some learner may take it
        blockers.add(first)
    if not blockers:
        said = [domain.facts[n] for n in sorted(_names(root)) if n in domain.facts]
        why = f": after this step, {'; '.join(said)}" if said else ""
        return f"this rule can never fire{why}"
    texts = " or ".join(repr(earlier[n][0]) for n in sorted(blockers))
    return (
        f"this rule is never reached: whenever it holds, the rule before it ({texts}) "
        "holds too and is taken first"
    )


# ------------------------------------------------------------------ what a step allows


def _numbers(roots: list[Node]) -> list[float]:
    found: list[float] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, Literal) and isinstance(node.value, int | float):
            found.append(float(node.value))
        stack.extend(node.children())
    return found


def _count(upper: int | None, numbers: list[float]) -> tuple[int, ...]:
    """0..upper, or, unbounded, far enough past every number the condition names."""
    if upper is not None:
        return tuple(range(upper + 1))
    top = max((n for n in numbers if math.isfinite(n)), default=0.0)
    return tuple(range(int(min(max(top, 0.0), 1000)) + 3))


def _fractions(numbers: list[float]) -> tuple[float, ...]:
    """0, 1, every number in between the condition names, and a point between each pair."""
    marks = sorted({0.0, 1.0, *(n for n in numbers if 0.0 < n < 1.0)})
    middles = [(a + b) / 2 for a, b in itertools.pairwise(marks)]
    return tuple(sorted({*marks, *middles}))


def _domain(step: Step, numbers: list[float]) -> _Domain:
    none: tuple[Any, ...] = (False,)
    if isinstance(step, Question | Practice):
        questions = step.items if isinstance(step, Practice) else (step,)
        limits = [q.max_attempts for q in questions]
        most = None if None in limits or not limits else max(a for a in limits if a is not None)
        hints = max((len(q.hints) for q in questions), default=0)
        what = "its items allow" if isinstance(step, Practice) else "it allows"
        facts = {
            "hints": f"hints is at most {hints} (the hints {what})",
        }
        if most is not None:
            facts["attempts"] = f"attempts is at most {most} (max_attempts: {most})"
        return _Domain(
            values={
                "correct": (False, True),
                "attempts": _count(most, [*numbers, float(hints)]),
                "hints": tuple(range(hints + 1)),
                "score": _fractions(numbers),
                "recorded": (False, True),
                "choice": (None,),
            },
            facts={**facts, "choice": "choice is none (it is not a choice step)"},
        )
    if isinstance(step, Choice):
        # every option: going back to a choice and on again keeps the value picked, even one
        # whose goto left the step the first time
        values: tuple[Any, ...] = tuple(o.value for o in step.options)
        shown = ", ".join(repr(v) for v in values)
        kind = "a choice step"
        extra = {"choice": f"choice is one of {shown}"}
    else:
        values, kind, extra = (None,), f"a {step.kind} step", {}
        extra["choice"] = "choice is none (it is not a choice step)"
    no_answer = f"it is {kind}, which takes no answer; correct('id') reads a question"
    return _Domain(
        values={
            "correct": none,
            "attempts": (0,),
            "hints": (0,),
            "score": (0.0,),
            "recorded": none,
            "choice": values,
        },
        facts={
            "correct": f"correct is false ({no_answer})",
            "attempts": f"attempts is 0 ({no_answer})",
            "hints": f"hints is 0 ({no_answer})",
            "score": f"score is 0 ({no_answer})",
            **extra,
        },
    )


def _names(root: Node) -> set[str]:
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, LastResult):
            found.add(node.name)
        stack.extend(node.children())
    return found


def _unbounded_arith(root: Node, domain: _Domain) -> bool:
    """Arithmetic on a name whose values are sampled, not listed: the samples may miss."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Arith | Sign):
            used = _names(node)
            if "score" in used or ("attempts" in used and "attempts" not in domain.facts):
                return True
        stack.extend(node.children())
    return False


# ------------------------------------------------------------------ three-valued evaluation


def _value(node: Node, env: Mapping[str, Any]) -> Any:
    """The node's value, or :data:`UNKNOWN`; conditions are ``True``/``False``/``UNKNOWN``."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, LastResult):
        return env.get(node.name, UNKNOWN)
    if isinstance(node, Member | Call):
        return UNKNOWN
    if isinstance(node, ListExpr):
        items = tuple(_value(i, env) for i in node.items)
        return UNKNOWN if any(i is UNKNOWN for i in items) else items
    if isinstance(node, Not):
        inner = _truth(_value(node.operand, env))
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, Sign):
        inner = _value(node.operand, env)
        if inner is UNKNOWN or not isinstance(inner, int | float):
            return UNKNOWN if inner is UNKNOWN else None
        return -inner if node.op == "-" else +inner
    if isinstance(node, BoolOp):
        truths = [_truth(_value(o, env)) for o in node.operands]
        stop = node.op == "or"  # the value that decides: any true for 'or', any false for 'and'
        if stop in truths:
            return stop
        return UNKNOWN if UNKNOWN in truths else not stop
    if isinstance(node, Compare):
        return _compare(node, env)
    if isinstance(node, Arith):
        value = _value(node.first, env)
        for op, operand in node.rest:
            right = _value(operand, env)
            if value is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            value = arith(op, value, right)
        return value
    return UNKNOWN  # pragma: no cover - every node type is handled above


def _truth(value: Any) -> Any:
    return UNKNOWN if value is UNKNOWN else bool(value)


def _compare(node: Compare, env: Mapping[str, Any]) -> Any:
    left = _value(node.first, env)
    unknown = False
    for op, operand in node.rest:
        right = _value(operand, env)
        if left is UNKNOWN or right is UNKNOWN:
            unknown = True
        elif not compare(op, left, right):
            return False
        left = right
    return UNKNOWN if unknown else True
