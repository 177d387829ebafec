"""``RunState``: what a run through a lesson has built up, and the moves that change it.

The state holds no events and checks no answers: :class:`~lessonkit.engine.LessonSession` checks,
applies the result here and records events; :mod:`lessonkit.engine.replay` applies recorded
events here to resume; the simulation's fast engine applies simulated outcomes here. One set of
state transitions serves all three, so a resumed or simulated run cannot drift from a live one.
Branching and practice decisions (:mod:`lessonkit.engine.decisions`) read this state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..evidence.statements import statement_id
from ..lesson.model import End, Lesson, Practice, Question, Step
from ..lesson.specs import checked_by_service
from .decisions import (
    PracticeState,
    all_mastered,
    mastery_tracker,
    next_practice_item,
    prepare_question,
)
from .graded import RunGrades
from .outcomes import CountedAnswer, StepRecord

if TYPE_CHECKING:
    from ..evidence.grades import RubricGrade
    from ..policies.mastery import MasteryTracker

__all__ = ["RunState"]

MasteryChanges = dict[str, tuple[float, float]]


class RunState:
    """The mutable state of one learner's run through one lesson.

    Parameters
    ----------
    lesson
        The lesson being run.
    learner_id
        Seeds the learner's question variants.
    seed
        Seeds practice selection.
    render_variants
        Draw and render randomized question variants on entry (the simulation's fast engine
        turns this off: it never shows a question to anyone).
    variant_key
        Keys the variant seeds (HMAC); ``None`` for unkeyed, deterministic play.
    """

    def __init__(
        self,
        lesson: Lesson,
        *,
        learner_id: str,
        seed: int | None,
        profile: Mapping[str, str] | None = None,
        render_variants: bool = True,
        variant_key: bytes | None = None,
    ) -> None:
        self.lesson = lesson
        self.variant_key = variant_key
        self.learner_id = learner_id
        self.seed = seed
        self.render_variants = render_variants
        self.profile: dict[str, str] = dict(profile or {})
        """Profile fields set by choices (interests, goals, confidence...)."""
        self.choices: dict[str, str] = {}
        """Choice step id -> value chosen (latest)."""
        self.records: dict[str, StepRecord] = {}
        """Step or practice item id -> what happened there."""
        self.path: list[str] = []
        """Step ids in visit order (``back`` removes the steps gone back over)."""
        self.mastery: MasteryTracker = mastery_tracker(lesson)
        """Mastery estimate per competency."""
        self.mastery_start: dict[str, float] = {}
        """Starting P(known) carried in from a learner's course record (see :meth:`start_from`)."""
        self.practice: dict[str, PracticeState] = {}
        """Practice step id -> progress through its current visit."""
        self.current_id: str | None = None
        """The step the learner is at (``None`` before the start)."""
        self.finished = False
        """The run reached an end step."""
        self.last_left: str | None = None
        """The step most recently left (branching conditions read its result)."""
        self.shown: dict[str, Question] = {}
        """Question or item id -> the question as shown (its variant rendered)."""
        self.extra_attempts: dict[str, int] = {}
        """Question id -> attempts a teacher granted beyond ``max_attempts``."""
        self.replies: dict[str, str] = {}
        """Grade statement id -> the learner's reply to its comment (one per grade)."""
        rubrics = any(q.rubric is not None for q in lesson.questions())
        self.graded: RunGrades | None = RunGrades(self.mastery.copy()) if rubrics else None
        """Rubric grades and the mastery observations they are placed among (lessons with a
        rubric only; see :mod:`.graded`)."""

    # ------------------------------------------------------------------ reading

    def record(self, step_id: str) -> StepRecord:
        """The record of a step (created empty on first use)."""
        return self.records.setdefault(step_id, StepRecord())

    def step(self) -> Step:
        """The current step."""
        return self.lesson.step(self.current_id or "")

    def active_question(self) -> Question | None:
        """The question to answer now: the current question, or a practice pool's item."""
        step = self.lesson.step(self.current_id) if self.current_id else None
        if isinstance(step, Question):
            return self.shown.get(step.id)
        if isinstance(step, Practice):
            state = self.practice.get(step.id)
            return self.shown.get(state.item_id) if state and state.item_id else None
        return None

    def in_practice(self) -> bool:
        """Whether the current step is a practice pool."""
        return isinstance(self.lesson.step(self.current_id or ""), Practice)

    def score(self) -> tuple[float, float]:
        """(points earned, points available) over the questions met so far.

        Answers recorded for grading without a live verdict count in neither, nor do the
        rubric points of an answer no teacher has graded yet: see :meth:`pending`. A rubric
        grade counts once it is in (:meth:`take_grades`).
        """
        earned = available = 0.0
        for r in self.records.values():
            grade = r.rubric_grade
            if r.recorded and grade is None:
                continue
            if grade is not None:  # a recorded answer's checked share is judged at grading
                earned += grade.points
                available += r.rubric_max
            if not r.recorded:
                earned += r.points
                available += r.max_points
        return earned, available

    def pending(self) -> tuple[int, float]:
        """(questions, points) whose answers are recorded, or wait for a teacher's rubric
        grade, and await grading."""
        waiting = [
            r
            for r in self.records.values()
            if r.rubric_grade is None and (r.recorded or (r.rubric_max > 0 and r.answered))
        ]
        return len(waiting), sum(r.max_points * r.recorded + r.rubric_max for r in waiting)

    def carried(self) -> dict[str, Any]:
        """What the run carried in from a course record, for its ``started`` event."""
        return {"mastery_start": dict(self.mastery_start)} if self.mastery_start else {}

    # ------------------------------------------------------------------ moves

    def start_from(self, mastery: Mapping[str, object] | None) -> None:
        """Start mastery from a learner's record: P(known) per competency becomes the prior.

        Values that are not probabilities are ignored (a replayed ``started`` event is
        evidence a learner could have edited).
        """
        valid = {
            str(cid): float(p)
            for cid, p in (mastery or {}).items()
            if isinstance(p, int | float) and not isinstance(p, bool) and 0.0 <= p <= 1.0
        }
        if valid:
            self.mastery_start.update(valid)
            self.mastery.start_from(valid)
            if self.graded is not None:
                self.graded.started(valid)

    def enter(self, step_id: str) -> Step:
        """Arrive at a step: path, visit count, its question shown, a practice pool started
        (with its first item, unless every competency it practises is mastered already)."""
        step = self.lesson.step(step_id)
        self.current_id = step_id
        self.path.append(step_id)
        self.record(step_id).visits += 1
        if isinstance(step, Question) and step_id not in self.shown:
            self.show(step, variant=0)
        if isinstance(step, Practice):
            self.practice[step_id] = PracticeState(step, self.seed)
            if not all_mastered(step, self):  # else it is passed without an item
                self.next_item(step)
        if isinstance(step, End):
            self.finished = True
        return step

    def show(self, question: Question, variant: int, *, graded: bool = True) -> None:
        """Prepare ``question`` (variant ``variant``) for answering."""
        rec = self.record(question.id)
        if self.render_variants:
            # The course service draws the variants it checks from the user's name, unkeyed.
            key = None if checked_by_service(question.check) else self.variant_key
            shown, seed = prepare_question(question, self.learner_id, self.lesson.id, variant, key)
        else:
            shown, seed = question, None
        rec.variant_seed = seed
        # Practice items are formative: they drive mastery, not the lesson's points. A rubric
        # keeps its share of the points for the teacher's grade.
        rec.max_points = question.checked_points if graded else 0.0
        rec.rubric_max = question.rubric.max_points if graded and question.rubric else 0.0
        self.shown[question.id] = shown

    def next_item(self, step: Practice) -> Question:
        """Give the next item of a practice pool (a repeat is a fresh question)."""
        state = self.practice[step.id]
        item, variant = next_practice_item(state, self)
        state.item_id = item.id
        self.records[item.id] = StepRecord(visits=1)
        self.show(item, variant, graded=False)
        state.given += 1
        return self.shown[item.id]

    def leave(self, step_id: str) -> None:
        """Note that ``step_id`` is being left (conditions read its result)."""
        self.last_left = step_id

    def back(self) -> str:
        """Drop the current step from the path and return the one to go back to."""
        self.path.pop()
        return self.path.pop()

    def apply_answer(
        self,
        question: Question,
        *,
        correct: bool,
        score: float,
        response: str,
        attempt: int | None = None,
        hints_used: int | None = None,
        answer: str | None = None,
    ) -> MasteryChanges:
        """Record one understood answer and update mastery; returns the mastery changes.

        ``answer`` is the answer's statement id: a rubric question's grade is found by it.
        """
        rec = self.record(question.id)
        rec.attempts = rec.attempts + 1 if attempt is None else attempt
        if hints_used is not None:
            rec.hints_used = hints_used
        rec.last_correct = correct
        rec.correct = rec.correct or correct
        rec.last_score = score
        rec.best_score = max(rec.best_score, score)
        rec.points = rec.best_score * rec.max_points
        rec.responses.append(response)
        changes: MasteryChanges = {}
        hinted = rec.hints_used > 0
        for cid in question.competencies:
            change = self.mastery.observe(cid, correct, attempt=rec.attempts, hinted=hinted)
            if self.graded is not None:
                self.graded.observed(cid, correct, rec.attempts, hinted)
            if change is not None:
                changes[cid] = change
        changes.update(self._graded_answer(question, answer))
        return changes

    def apply_recorded(
        self, question: Question, *, response: str, answer: str | None = None
    ) -> MasteryChanges:
        """Record an answer kept for grading: no attempt, no verdict, no mastery change —
        until a teacher's rubric grade of it is in (``answer``: its statement id)."""
        rec = self.record(question.id)
        rec.recorded = True
        rec.responses.append(response)
        return self._graded_answer(question, answer)

    def _graded_answer(self, question: Question, answer: str | None) -> MasteryChanges:
        """Place an answer to a rubric question; with a grade already in, take it in."""
        if self.graded is None or question.rubric is None or answer is None:
            return {}
        self.graded.answered(question.id, answer)
        return self._settle(question.id) if answer in self.graded.grades else {}

    def take_grades(self, grades: Mapping[str, RubricGrade]) -> MasteryChanges:
        """Take in teachers' rubric grades (answer statement id -> its current grade):
        each question's counted grade and the mastery they imply, recomputed with each grade
        placed after its answer (:mod:`.graded`); returns the mastery changes."""
        if self.graded is None:
            return {}
        new = {a: g for a, g in grades.items() if self.graded.grades.get(a) != g}
        if not new:
            return {}
        self.graded.grades.update(new)
        touched = {g.question_id for g in new.values()} & set(self.graded.answers)
        return self._settle(*touched) if touched else {}

    def _settle(self, *question_ids: str) -> MasteryChanges:
        assert self.graded is not None
        for qid in question_ids:
            self.record(qid).rubric_grade = self.graded.counted(qid)
        return self.graded.replay(self.mastery)

    def absorb(self, counted: Iterable[CountedAnswer], hints: Mapping[str, int]) -> None:
        """Carry a learner's earlier sessions into this run (before it starts).

        ``counted`` are the earlier answers with attempts recounted across sessions
        (:class:`~lessonkit.engine.history.Tally`), ``hints`` the hints shown per question.
        Questions keep their attempts, hints, results and recorded answers, so a new session
        cannot reset an attempt limit; mastery takes in each answer in order, so first-attempt
        credit is not earned twice. Practice items only contribute their mastery evidence:
        each time a pool gives an item it is a fresh question.
        """
        top = {s.id: s for s in self.lesson.steps if isinstance(s, Question)}
        items = {q.id: q for q in self.lesson.questions() if q.id not in top}
        for answer in counted:
            qid = answer.event.step_id or ""
            question = top.get(qid) or items.get(qid)
            if question is None:
                continue  # the lesson changed since
            data = answer.event.data
            if qid in top and qid not in self.shown:
                self.show(question, variant=0)
            answer_id = statement_id(answer.event.registration, answer.event.seq)
            if data.get("recorded"):
                response = str(data.get("response", ""))
                self.apply_recorded(question, response=response, answer=answer_id)
                continue
            score = data.get("score")
            self.apply_answer(
                question,
                correct=data.get("correct") is True,
                score=float(score) if isinstance(score, int | float) else 0.0,
                response=str(data.get("response", "")),
                attempt=answer.attempt,
                hints_used=answer.hints_used,
                answer=answer_id,
            )
            if qid in items:
                del self.records[qid]  # the next presentation of an item starts afresh
        for qid, used in hints.items():
            if qid in top:
                rec = self.record(qid)
                rec.hints_used = max(rec.hints_used, used)

    def apply_choice(
        self, step_id: str, value: str, *, field: str | None, sets: Mapping[str, str]
    ) -> None:
        """Record a choice and the profile fields it sets."""
        self.choices[step_id] = value
        self.record(step_id).choice = value
        if field:
            self.profile[field] = value
        self.profile.update(sets)
