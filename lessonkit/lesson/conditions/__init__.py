"""The condition language of branching rules: small, safe, parsed and never ``eval``-ed.

A rule such as ``when: "attempts >= 2 and not correct"`` is parsed once into a tree and
evaluated against a :class:`ConditionContext` (the session). See ``docs/adaptivity.md`` for the
instructor's reference.

>>> cond = parse("mastery('loops') >= 0.95 or (attempts >= 2 and not correct)")
>>> sorted(cond.names().competencies)
['loops']
>>> evaluate(cond, StaticContext(attempts=3, correct=False))
True

Why a hand-written parser rather than ``ast.parse(mode="eval")`` with a node whitelist:

* the language is not Python: ``true``/``false``/``none``, ``profile.x`` and quoted ids are
  its own, and a whitelist would still let Python's grammar shape every error message
  ("invalid syntax") instead of ours ("use '==' to compare", "did you mean 'correct'?");
* offsets: we need 0-based *character* offsets for ``file:line:col``; ``ast`` reports UTF-8
  byte columns and only the start of the failing line;
* hostile input: CPython's parser turns deep nesting into ``MemoryError``/``RecursionError`` or
  "too many nested parentheses" depending on version; here length, depth and number size are
  bounded explicitly and every failure is a :class:`ConditionSyntaxError`;
* semantics: evaluation is total (see :mod:`lessonkit.lesson.conditions.nodes`), which is easier
  to guarantee over a closed set of our own nodes than over a subset of Python's.

It is about 300 lines and parses a typical rule in tens of microseconds; :func:`parse` caches
results, so a rule is parsed once per process.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from .nodes import FUNCTIONS, LAST_RESULT_NAMES, Call, ConditionContext, Member, Node
from .parser import MAX_DEPTH, MAX_LENGTH, ConditionSyntaxError, parse_tree

__all__ = [
    "FUNCTIONS",
    "LAST_RESULT_NAMES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Condition",
    "ConditionContext",
    "ConditionNames",
    "ConditionSyntaxError",
    "Reference",
    "StaticContext",
    "StepFacts",
    "check_names",
    "evaluate",
    "evaluate_text",
    "parse",
    "parse_uncached",
]


@dataclass(frozen=True, slots=True)
class Reference:
    """An id a condition refers to, and where."""

    kind: str
    """``"step"``, ``"competency"`` or ``"profile"`` (a profile field)."""
    name: str
    """The id or field name."""
    offset: int
    """0-based character offset of the id in the condition text."""
    via: str
    """How it is referred to: a function name, ``choices`` or ``profile``."""


@dataclass(frozen=True, slots=True)
class ConditionNames:
    """The step ids, competency ids and profile fields a condition refers to."""

    steps: frozenset[str]
    competencies: frozenset[str]
    profile_fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition; immutable and shared through the parse cache."""

    text: str
    """The source text."""
    root: Node = field(repr=False, compare=False)
    """The syntax tree."""

    def __str__(self) -> str:
        return self.text

    def references(self) -> tuple[Reference, ...]:
        """Every id and profile field referred to, in source order."""
        found: list[Reference] = []
        stack = [self.root]
        while stack:  # iterative: trees are shallow, but never trust that
            node = stack.pop()
            if isinstance(node, Call):
                kind = FUNCTIONS[node.name].refers_to
                for arg, offset in zip(node.args, node.arg_offsets, strict=True):
                    found.append(Reference(kind, arg, offset, node.name))
            elif isinstance(node, Member):
                kind = "profile" if node.source == "profile" else "step"
                found.append(Reference(kind, node.key, node.key_offset, node.source))
            stack.extend(reversed(node.children()))
        found.sort(key=lambda r: r.offset)
        return tuple(found)

    def names(self) -> ConditionNames:
        """The referred-to ids grouped by kind."""
        refs = self.references()
        return ConditionNames(
            steps=frozenset(r.name for r in refs if r.kind == "step"),
            competencies=frozenset(r.name for r in refs if r.kind == "competency"),
            profile_fields=frozenset(r.name for r in refs if r.kind == "profile"),
        )

    def evaluate(self, context: ConditionContext) -> bool:
        """Whether the condition holds in ``context`` (never raises on missing data)."""
        return bool(self.root.eval(context))


def parse_uncached(text: str) -> Condition:
    """Parse ``text`` without the cache; raises :class:`ConditionSyntaxError`."""
    if not isinstance(text, str):
        raise TypeError(f"a condition is text, not {type(text).__name__}")
    return Condition(text, parse_tree(text))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Condition:
    return parse_uncached(text)


def parse(text: str) -> Condition:
    """Parse a condition (cached); raises :class:`ConditionSyntaxError` with an offset."""
    if not isinstance(text, str):
        raise TypeError(f"a condition is text, not {type(text).__name__}")
    return _parse_cached(text)


def evaluate(condition: Condition | str, context: ConditionContext) -> bool:
    """Whether ``condition`` (parsed, or text to parse) holds in ``context``."""
    if isinstance(condition, str):
        condition = parse(condition)
    return condition.evaluate(context)


def evaluate_text(text: str, context: ConditionContext) -> bool:
    """Parse (cached) and evaluate ``text``; raises :class:`ConditionSyntaxError` if malformed."""
    return parse(text).evaluate(context)


def _closest(name: str, known: Collection[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _mean(close: str | None) -> str:
    return f" (did you mean '{close}'?)" if close else ""


def check_names(
    condition: Condition,
    *,
    step_ids: Collection[str],
    competency_ids: Collection[str],
    profile_fields: Collection[str] | None = None,
    choice_step_ids: Collection[str] | None = None,
    suggest: Callable[[str, Collection[str]], str | None] = _closest,
) -> list[tuple[int, str]]:
    """Problems with the ids a condition refers to, as ``(offset, message)`` pairs.

    ``profile_fields`` is every field a choice step (or option) may set; ``None`` skips that
    check (for lessons whose profile is filled from outside). ``choice_step_ids``, when given,
    also checks that ``choices.<id>`` names a choice step. ``suggest`` finds the closest known
    name for a "did you mean" hint (validation passes one with a bounded budget).
    """
    problems: list[tuple[int, str]] = []
    for ref in condition.references():
        if ref.kind == "competency" and ref.name not in competency_ids:
            close = suggest(ref.name, competency_ids)
            hint = (
                _mean(close)
                if close
                else ": declare it in the lesson's top-level 'competencies:' list"
            )
            problems.append((ref.offset, f"unknown competency '{ref.name}'{hint}"))
        elif ref.kind == "step" and ref.name not in step_ids:
            hint = _mean(suggest(ref.name, step_ids))
            problems.append((ref.offset, f"unknown step '{ref.name}'{hint}"))
        elif (
            ref.kind == "step"
            and ref.via == "choices"
            and choice_step_ids is not None
            and ref.name not in choice_step_ids
        ):
            problems.append((ref.offset, f"choices.{ref.name}: '{ref.name}' is not a choice step"))
        elif (
            ref.kind == "profile" and profile_fields is not None and ref.name not in profile_fields
        ):
            hint = _mean(suggest(ref.name, profile_fields))
            known = ", ".join(sorted(profile_fields)) or "none"
            problems.append(
                (
                    ref.offset,
                    f"unknown profile field '{ref.name}'{hint}; choice steps set: {known}",
                )
            )
    return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFacts:
    """What is known about one step, for :class:`StaticContext`."""

    score: float = 0.0
    correct: bool = False
    attempts: int = 0
    hints: int = 0
    visits: int = 0
    points: float = 0.0
    max_points: float = 0.0


_NO_FACTS = StepFacts()


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticContext:
    """A fixed :class:`ConditionContext` from plain values: for tests, previews and docs.

    >>> ctx = StaticContext(steps={"q1": StepFacts(score=1.0, correct=True, attempts=1)})
    >>> evaluate("correct('q1') and attempts('q1') == 1", ctx)
    True
    """

    correct: bool = False
    score: float = 0.0
    attempts: int = 0
    hints: int = 0
    choice: str | None = None
    recorded: bool = False
    profile: Mapping[str, object] = field(default_factory=dict)
    choices: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, StepFacts] = field(default_factory=dict)
    """Facts per step id; unlisted steps are unanswered."""
    mastery_levels: Mapping[str, float] = field(default_factory=dict)
    """P(known) per competency; unlisted ones are at ``default_mastery``."""
    thresholds: Mapping[str, float] = field(default_factory=dict)
    """Mastery threshold per competency; unlisted ones use 0.95."""
    default_mastery: float = 0.0

    # The methods below implement ConditionContext; see its docstrings.
    def _facts(self, step_id: str) -> StepFacts:
        return self.steps.get(step_id, _NO_FACTS)

    def step_score(self, step_id: str) -> float:
        return self._facts(step_id).score

    def step_correct(self, step_id: str) -> bool:
        return self._facts(step_id).correct

    def step_attempts(self, step_id: str) -> int:
        return self._facts(step_id).attempts

    def step_hints(self, step_id: str) -> int:
        return self._facts(step_id).hints

    def visits(self, step_id: str) -> int:
        return self._facts(step_id).visits

    def answered(self, step_id: str) -> bool:
        return self._facts(step_id).attempts > 0

    def mastery(self, competency_id: str) -> float:
        return self.mastery_levels.get(competency_id, self.default_mastery)

    def mastered(self, competency_id: str) -> bool:
        return self.mastery(competency_id) >= self.thresholds.get(competency_id, 0.95)

    def total_score(self, *step_ids: str) -> float:
        return sum(self._facts(s).points for s in step_ids)

    def max_score(self, *step_ids: str) -> float:
        return sum(self._facts(s).max_points for s in step_ids)
