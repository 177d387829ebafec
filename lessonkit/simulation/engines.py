"""The two engines simulated learners run on (internal to :mod:`lessonkit.simulation`).

* :class:`SessionEngine` drives a real :class:`~lessonkit.engine.session.LessonSession`, answering
  with responses derived from each question's check spec (:func:`respond`).
* :class:`FastEngine` keeps the same run state as a session (step records, choices, profile,
  practice states, a :class:`~lessonkit.policies.mastery.MasteryTracker`) but skips what a
  simulation does not need: events, evidence, variant rendering and answer checking (the learner
  model decides correct or not; the score follows the question's attempt schedule, as
  ``checks.grade`` does). Every decision goes through the session's own code:
  :class:`~lessonkit.engine.decisions.RunContext`, ``choose_branch``,
  :class:`~lessonkit.engine.decisions.PracticeState` and ``next_practice_item``. A test runs both
  engines on the same learners and requires identical paths and mastery.

Both engines expose the small interface the simulation driver uses (:class:`Engine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from ..checks.respond import UnanswerableError, respond
from ..engine.decisions import RunContext, choose_branch, known_choice
from ..engine.outcomes import StepRecord
from ..engine.state import RunState
from ..lesson.model import Choice, Lesson, Practice, Question, Step

if TYPE_CHECKING:
    from ..policies.mastery import MasteryTracker

__all__ = ["Engine", "FastEngine", "SessionEngine", "UnanswerableError", "respond"]


class Engine(Protocol):
    """What the simulation driver needs of a running lesson."""

    path: list[str]
    mastery: MasteryTracker

    @property
    def finished(self) -> bool:
        """The run reached an end step."""

    @property
    def step(self) -> Step:
        """The current step."""

    @property
    def question(self) -> Question | None:
        """The question to answer now (a practice pool's current item), if any."""

    @property
    def record(self) -> StepRecord:
        """The record of :attr:`question` (or of the step)."""

    def can_submit(self) -> bool:
        """Whether the current question takes another answer."""

    def submit(self, correct: bool) -> None:
        """Answer the current question, rightly or wrongly."""

    def hint(self) -> None:
        """Take the next hint."""

    def choose(self, value: str) -> None:
        """Pick an option of the current choice step (and move on)."""

    def advance(self) -> None:
        """Leave the current step."""

    def score(self) -> tuple[float, float]:
        """(points earned, points available)."""


def _attempt_factor(question: Question, attempt: int) -> float:
    schedule = question.attempt_scores
    return schedule[min(attempt, len(schedule)) - 1] if schedule else 1.0


class FastEngine:
    """A session's state machine without events, rendering or checking (see module docs).

    It moves a :class:`~lessonkit.engine.state.RunState` exactly as a session does; only the
    answer is simulated (the learner model decides correct or not).
    """

    def __init__(
        self,
        lesson: Lesson,
        seed: int | None,
        items: dict[str, Question] | None = None,
        *,
        profile: Mapping[str, str] | None = None,
        mastery_start: Mapping[str, float] | None = None,
    ) -> None:
        self.state = RunState(
            lesson, learner_id="", seed=seed, profile=profile, render_variants=False
        )
        self.state.start_from(mastery_start)
        self.path = self.state.path
        self.mastery = self.state.mastery
        self._items = items if items is not None else {q.id: q for q in lesson.questions()}
        # The current step, question and record are kept up to date on every move rather than
        # looked up on each read: the driver reads them several times per answer.
        self.step: Step = lesson.step(lesson.start_id)
        self.question: Question | None = None
        self.record = StepRecord()
        self._enter(lesson.start_id)

    @property
    def finished(self) -> bool:
        return self.state.finished

    def can_submit(self) -> bool:
        question = self.question
        if question is None or self.state.finished:
            return False
        limit = question.max_attempts
        return not self.record.correct and (limit is None or self.record.attempts < limit)

    def submit(self, correct: bool) -> None:
        question = self.question
        assert question is not None
        attempt = self.record.attempts + 1
        score = _attempt_factor(question, attempt) if correct else 0.0
        self.state.apply_answer(question, correct=correct, score=score, response="")

    def hint(self) -> None:
        self.record.hints_used += 1

    def choose(self, value: str) -> None:
        step = self.step
        assert isinstance(step, Choice)
        option = next(o for o in step.options if o.value == value)
        self.state.apply_choice(step.id, value, field=step.field, sets=option.sets)
        if option.goto:
            self._enter(option.goto)
        else:
            self.advance()

    def advance(self) -> None:
        step = self.step
        if isinstance(step, Practice):
            practice = self.state.practice[step.id]
            if not practice.done(self.state):
                self.question = self._items[self.state.next_item(step).id]
                self.record = self.state.records[self.question.id]
                return
        branch = step.next
        assert branch is not None
        self.state.leave(step.id)
        if branch.rules:
            target, _ = choose_branch(branch, RunContext(self.state))
        else:  # nothing to evaluate: skip building a context only to reach the default
            target = branch.default
        self._enter(target)

    def score(self) -> tuple[float, float]:
        return self.state.score()

    def _enter(self, step_id: str) -> None:
        self.step = step = self.state.enter(step_id)
        self.question = None
        self.record = self.state.records[step_id]
        known = known_choice(step, self.state.profile)
        if known is not None:  # as a session does: a choice already in the profile is not asked
            self.choose(known)
            return
        if isinstance(step, Question):
            self.question = step
        elif isinstance(step, Practice):
            item_id = self.state.practice[step_id].item_id
            if item_id is None:  # as a session does: every competency mastered, no item
                self.advance()
                return
            self.question = self._items[item_id]
            self.record = self.state.records[item_id]


class SessionEngine:
    """A real :class:`~lessonkit.engine.LessonSession` behind the :class:`Engine` interface."""

    def __init__(self, lesson: Lesson, seed: int | None, learner: str) -> None:
        from datetime import UTC, datetime

        from ..engine.session import LessonSession

        fixed = datetime(2024, 1, 1, tzinfo=UTC)
        self.session = LessonSession(lesson, learner=learner, seed=seed, clock=lambda: fixed)
        self.session.start()
        self.path = self.session.path
        self.mastery = self.session.mastery

    @property
    def finished(self) -> bool:
        return self.session.finished

    @property
    def step(self) -> Step:
        return self.session.current.step

    @property
    def question(self) -> Question | None:
        return self.session.current.question

    @property
    def record(self) -> StepRecord:
        return self.session.current.record

    def can_submit(self) -> bool:
        return self.session.current.can_submit

    def submit(self, correct: bool) -> None:
        question = self.question
        assert question is not None
        result = self.session.submit(respond(question.check, correct)).result
        if result is None or not result.understood or result.correct != correct:
            raise UnanswerableError(f"{question.id}: the derived response was misjudged")

    def hint(self) -> None:
        self.session.hint()

    def choose(self, value: str) -> None:
        self.session.choose(value)

    def advance(self) -> None:
        self.session.advance()

    def score(self) -> tuple[float, float]:
        return self.session.score()
