"""A run's decisions, kept apart from its bookkeeping: branching, variants, practice.

Everything here is a thin bridge from a run's state (:class:`RunView`, implemented by
:class:`~lessonkit.engine.state.RunState`) to the pure policies in :mod:`lessonkit.policies`,
:mod:`lessonkit.lesson.conditions` and :mod:`lessonkit.lesson.variants`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..lesson.model import Branch, Choice, Lesson, Practice, Question

if TYPE_CHECKING:
    from ..policies.mastery import MasteryTracker
    from .outcomes import StepRecord

__all__ = [
    "PracticeState",
    "RunContext",
    "RunView",
    "all_mastered",
    "choose_branch",
    "known_choice",
    "mastery_tracker",
    "next_practice_item",
    "practised",
    "prepare_question",
]


class RunView(Protocol):
    """What decisions read of a run (attributes of :class:`~lessonkit.engine.state.RunState`)."""

    lesson: Lesson
    records: dict[str, StepRecord]
    choices: dict[str, str]
    profile: dict[str, str]
    mastery: MasteryTracker
    practice: dict[str, PracticeState]
    current_id: str | None
    last_left: str | None


class RunContext:
    """What branching conditions can read: the last result, choices, profile, history.

    An answer recorded for grading has no verdict yet. ``assume`` fixes one for every such
    answer (right with ``True``, wrong with ``False``); :func:`choose_branch` takes a rule only
    if it holds either way, so a recorded answer never counts as right or wrong in branching.
    """

    def __init__(self, session: RunView, *, assume: bool | None = None) -> None:
        self._s = session
        self._assume = assume
        last = session.last_left or session.current_id or ""
        self._last_id = last
        rec = session.records.get(last)
        step = session.lesson.step(last) if last else None
        if isinstance(step, Practice) and last in session.practice:
            item = session.practice[last].item_id
            rec = session.records.get(item or "", rec)
        self.recorded = bool(rec and rec.recorded)
        self.correct = self._correct(rec)
        self.score = self._score(rec)
        self.attempts = rec.attempts if rec else 0
        self.hints = rec.hints_used if rec else 0
        self.choice = session.choices.get(last) if isinstance(step, Choice) else None
        self.profile: Mapping[str, str] = dict(session.profile)
        self.choices: Mapping[str, str] = dict(session.choices)

    @property
    def undecided(self) -> bool:
        """Some answer is recorded for grading and no verdict is assumed for it."""
        return self._assume is None and any(r.recorded for r in self._s.records.values())

    def assuming(self, verdict: bool) -> RunContext:
        """This context with every recorded answer taken as right (or wrong)."""
        return RunContext(self._s, assume=verdict)

    def _correct(self, rec: Any) -> bool:
        if rec is not None and rec.recorded and self._assume is not None:
            return self._assume
        return bool(rec and rec.correct)

    def _score(self, rec: Any) -> float:
        if rec is not None and rec.recorded and self._assume is not None:
            return 1.0 if self._assume else 0.0
        return float(rec.best_score) if rec else 0.0

    def _rec(self, step_id: str) -> Any:
        return self._s.records.get(step_id)

    def step_score(self, step_id: str) -> float:
        """Best score (0..1) on a step; 0 when not answered."""
        return self._score(self._rec(step_id))

    def step_correct(self, step_id: str) -> bool:
        """Whether the step was answered correctly."""
        return self._correct(self._rec(step_id))

    def step_attempts(self, step_id: str) -> int:
        """Understood attempts on a step."""
        rec = self._rec(step_id)
        return rec.attempts if rec else 0

    def step_hints(self, step_id: str) -> int:
        """Hints used on a step."""
        rec = self._rec(step_id)
        return rec.hints_used if rec else 0

    def visits(self, step_id: str) -> int:
        """Times the learner arrived at a step."""
        rec = self._rec(step_id)
        return rec.visits if rec else 0

    def answered(self, step_id: str) -> bool:
        """Whether the step has an understood attempt or a recorded answer."""
        rec = self._rec(step_id)
        return bool(rec and rec.answered)

    def mastery(self, competency_id: str) -> float:
        """Current mastery probability of a competency."""
        return float(self._s.mastery.probability(competency_id))

    def mastered(self, competency_id: str) -> bool:
        """Whether the competency reached its mastery threshold."""
        return bool(self._s.mastery.mastered(competency_id))

    def total_score(self, *step_ids: str) -> float:
        """Points earned over the given steps."""
        total = 0.0
        for sid in step_ids:
            rec = self._rec(sid)
            if rec is not None:
                total += rec.max_points * self._score(rec) if rec.recorded else rec.points
        return total

    def max_score(self, *step_ids: str) -> float:
        """Points available over the given steps (whether visited or not)."""
        total = 0.0
        for sid in step_ids:
            try:
                step = self._s.lesson.step(sid)
            except KeyError:
                continue
            if isinstance(step, Question):
                total += step.points
        return total


def choose_branch(branch: Branch, context: RunContext) -> tuple[str, str]:
    """The target of the first rule whose condition holds, else the default; and why."""
    from ..lesson.conditions import evaluate_text

    def holds(when: Any, ctx: RunContext) -> bool:
        return bool(when(ctx)) if callable(when) else evaluate_text(when, ctx)

    # A rule that reads a recorded answer's (unknown) verdict is taken only if it holds
    # whether that answer turns out right or wrong.
    worlds = [context.assuming(True), context.assuming(False)] if context.undecided else [context]
    for rule in branch.rules:
        if all(holds(rule.when, ctx) for ctx in worlds):
            return rule.goto, rule.when if isinstance(rule.when, str) else "rule"
    return branch.default, "default"


def known_choice(step: object, profile: Mapping[str, str]) -> str | None:
    """The option to take without asking: ``step`` is a choice whose profile ``field`` is
    already known (e.g. chosen in an earlier lesson of a course) and is one of its options,
    unless the author set ``ask_again``. ``None`` means ask."""
    if not isinstance(step, Choice) or not step.field or step.ask_again:
        return None
    value = profile.get(step.field)
    return value if any(o.value == value for o in step.options) else None


def mastery_tracker(lesson: Lesson) -> MasteryTracker:
    """A mastery tracker for the lesson's competencies and settings."""
    from ..policies.mastery import MasteryTracker

    return MasteryTracker.for_lesson(lesson)


def prepare_question(
    question: Question, learner_id: str, lesson_id: str, variant: int, key: bytes | None = None
) -> tuple[Question, int | None]:
    """The question as shown (variant drawn and rendered) and its variant seed (keyed with
    ``key`` when given)."""
    if not question.params and not question.derived:
        return question, None
    from ..lesson.variants import draw, render, variant_seed

    seed = variant_seed(learner_id, lesson_id, question.id, variant, key=key)
    return render(question, draw(question, seed)), seed


class PracticeState:
    """Progress through one visit of a practice pool."""

    def __init__(self, step: Practice, seed: int | None) -> None:
        self.step = step
        self.max_items = step.max_items
        self.given = 0
        self.item_id: str | None = None
        self.used: dict[str, int] = {}
        self.rng = random.Random(f"{step.id}|{seed}")

    def competencies(self) -> tuple[str, ...]:
        """Competencies practised: the step's own, else its items'."""
        return practised(self.step)

    def done(self, session: RunView) -> bool:
        """Stop when every practised competency is mastered or the item budget is spent."""
        if self.given >= self.max_items:
            return True
        return all_mastered(self.step, session)


def practised(step: Practice) -> tuple[str, ...]:
    """The competencies a practice pool practises: its own, else its items'."""
    if step.competencies:
        return step.competencies
    return tuple(dict.fromkeys(c for item in step.items for c in item.competencies))


def all_mastered(step: Practice, session: RunView) -> bool:
    """Whether every competency the pool practises is mastered: then it asks nothing more,
    and a learner who arrives with all of them mastered passes it without an item."""
    return all(session.mastery.mastered(c) for c in practised(step))


def next_practice_item(state: PracticeState, session: RunView) -> tuple[Question, int]:
    """Pick the next item (and its variant number) with the mastery-driven policy."""
    from ..policies.selection import select_item

    item = select_item(
        state.step.items,
        mastery={c: session.mastery.probability(c) for c in state.competencies()},
        thresholds={c: session.mastery.threshold(c) for c in state.competencies()},
        used=state.used,
        rng=state.rng,
    )
    variant = state.used.get(item.id, 0)
    state.used[item.id] = variant + 1
    return item, variant
