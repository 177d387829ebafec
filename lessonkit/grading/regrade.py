"""Re-grading recorded evidence against an answer key: what a grader may trust.

A learner's evidence file is in the learner's hands, so nothing in it is taken on faith: every
recorded raw response is checked again against the instructor's lesson (the *key*), attempt
numbers and hints are recounted from the event stream itself — per learner and question,
across all of the learner's sessions (:mod:`lessonkit.engine.history`) — attempts beyond a
question's limit are ignored, and mastery is recomputed from the re-checked answers.

Reported to the instructor, each on its own list of :class:`GradeReport`:

* ``discrepancies`` — an answer the evidence claims was correct but is not (edited evidence),
  and attempts past a question's limit;
* ``gaps`` — events missing from a session (deleted lines): each missing event is counted as a
  failed attempt at the next question answered in that session, so deleting a wrong attempt
  never raises a grade;
* ``identity`` — sessions recorded by someone other than the submitting student (copied
  evidence);
* ``problems`` — evidence that could not be used (damaged lines, unknown questions).

>>> report = regrade(key_lesson, store.read(lesson=key_lesson.id))    # doctest: +SKIP
>>> report.question_points(), report.competencies["loops"].mastery    # doctest: +SKIP

This module is pure Python: the nbgrader integration, analytics and tests all use it.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..engine.history import CountedAnswer, Tally, lesson_events
from ..evidence.events import Event
from ..lesson.model import Lesson, Question
from .keys import hidden_questions, live_mode

__all__ = [
    "AttemptGrade",
    "CompetencyGrade",
    "GradeReport",
    "QuestionGrade",
    "regrade",
]

AttemptPolicy = Literal["best", "first", "last"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptGrade:
    """One recorded answer, checked again."""

    question_id: str
    """The question (or practice item) answered."""
    registration: str
    """The session it was given in."""
    attempt: int
    """Attempt number, recounted across the learner's sessions (1 = first)."""
    hints_used: int
    """Hints shown before this answer, recounted from the events."""
    correct: bool
    """Correct according to the key."""
    score: float
    """Score in [0, 1] according to the key, after the attempt schedule."""
    claimed_correct: bool | None
    """What the evidence file said (``None`` if it said nothing)."""


@dataclass(slots=True, kw_only=True)
class QuestionGrade:
    """A graded question: its counted score over all sessions."""

    id: str
    max_points: float
    attempts: list[AttemptGrade] = field(default_factory=list)
    score: float = 0.0
    """Counted score in [0, 1] (attempt policy and hint penalty applied)."""
    recorded: bool = False
    """Recorded for grading in the student copy: its last answer counts, as a first attempt."""

    @property
    def points(self) -> float:
        """Points earned on this question."""
        return self.score * self.max_points


@dataclass(slots=True, kw_only=True)
class CompetencyGrade:
    """Mastery of one competency recomputed from re-checked evidence."""

    id: str
    prior: float
    threshold: float
    mastery: float
    observations: int = 0
    """Answers that counted as evidence (first attempts only, by default)."""
    correct: int = 0
    """How many of those were correct."""

    @property
    def mastered(self) -> bool:
        """Whether the recomputed mastery reached the threshold."""
        return self.mastery >= self.threshold

    def fraction(self, scale: Literal["linear", "threshold"] = "linear") -> float:
        """Mastery mapped to [0, 1]: linearly from the prior to the threshold, or all or nothing."""
        if scale == "threshold":
            return 1.0 if self.mastered else 0.0
        span = self.threshold - self.prior
        if span <= 0:
            return 1.0 if self.mastered else 0.0
        return min(1.0, max(0.0, (self.mastery - self.prior) / span))


@dataclass(slots=True, kw_only=True)
class GradeReport:
    """Everything a grader concluded from one learner's evidence for one lesson."""

    lesson_id: str
    questions: dict[str, QuestionGrade]
    competencies: dict[str, CompetencyGrade]
    completed: bool = False
    """Some session reached an end step."""
    sessions: int = 0
    """Sessions (registrations) found."""
    answers: int = 0
    """Recorded answers re-checked."""
    learners: list[str] = field(default_factory=list)
    """Every learner id (and recorded nbgrader/JupyterHub identity) found in the evidence."""
    discrepancies: list[str] = field(default_factory=list)
    """Recorded claims the re-check contradicts, and attempts past a limit (edited evidence)."""
    gaps: list[str] = field(default_factory=list)
    """Sessions with missing events, and how they were counted."""
    identity: list[str] = field(default_factory=list)
    """Sessions recorded by someone other than the submitting student."""
    problems: list[str] = field(default_factory=list)
    """Evidence that could not be used, and why (damaged lines, unknown questions)."""

    def question_points(self, ids: Iterable[str] | None = None) -> tuple[float, float]:
        """(earned, available) over the given graded questions (default: all of them)."""
        chosen = self.questions if ids is None else {i: self.questions[i] for i in ids}
        earned = sum(q.points for q in chosen.values())
        return earned, sum(q.max_points for q in chosen.values())

    @property
    def flagged(self) -> list[str]:
        """Everything an instructor should look at, in one list."""
        return [*self.identity, *self.discrepancies, *self.gaps]


def regrade(
    key: Lesson,
    statements: Iterable[Mapping[str, Any]],
    *,
    attempts: AttemptPolicy = "best",
    hint_penalty: float = 0.0,
    namespace: Mapping[str, Any] | None = None,
    practice: bool = True,
    student: str | None = None,
) -> GradeReport:
    """Grade a learner's recorded statements for ``key.id`` against the lesson ``key``.

    Parameters
    ----------
    key
        The instructor's lesson, with every answer.
    statements
        The learner's statements (any store's ``read()``); other lessons' are ignored.
    attempts
        Which attempt of a question counts: the best (default), the first or the last.
    hint_penalty
        Fraction of a question's score removed per hint used before the counted attempt.
    namespace
        Where code questions answered in a notebook (no recorded source) are looked up.
    practice
        Whether practice-pool answers count as mastery evidence (their keys are in a student
        copy: leave them out of a summative grade).
    student
        The submitting student's id: sessions recorded by anyone else are reported in
        ``identity``.
    """
    graded = hidden_questions(key)
    recorded = {q.id for q in graded if live_mode(q) == "recorded"}
    report = GradeReport(
        lesson_id=key.id,
        questions={
            q.id: QuestionGrade(id=q.id, max_points=q.points, recorded=q.id in recorded)
            for q in graded
        },
        competencies={},
    )
    events = _read_events(key.id, statements, report.problems)
    report.sessions = len({e.registration for e in events})
    report.completed = any(e.kind == "completed" for e in events)
    _check_identity(events, student, report)
    tally = Tally(key, recorded=recorded.__contains__).add_all(events)
    _report_gaps(tally, report)
    questions = {q.id: q for q in key.questions()}
    counted = _counted_answers(tally.answers, recorded)
    checked = [g for a in counted if (g := _recheck(a, questions, namespace, report))]
    report.answers = len(checked)
    by_question: dict[str, list[AttemptGrade]] = defaultdict(list)
    for g in checked:
        by_question[g.question_id].append(g)
    for qid, grades in by_question.items():
        if qid in report.questions:
            report.questions[qid].attempts = grades
            report.questions[qid].score = _score(grades, attempts, hint_penalty)
    top = {s.id for s in key.steps}
    evidence = [g for g in checked if practice or g.question_id in top]
    report.competencies = _mastery(key, questions, evidence)
    return report


def _read_events(
    lesson_id: str, statements: Iterable[Mapping[str, Any]], problems: list[str]
) -> list[Event]:
    with warnings.catch_warnings(record=True) as caught:
        # Damaged lines raise StoreWarnings while the store is read; collect them as problems.
        warnings.simplefilter("always")
        events = lesson_events(lesson_id, statements, problems=problems)
    problems.extend(str(w.message) for w in caught)
    return events


def _check_identity(events: Sequence[Event], student: str | None, report: GradeReport) -> None:
    """Note who recorded the evidence; flag sessions of someone other than ``student``."""
    names: dict[str, set[str]] = defaultdict(set)
    for e in events:
        names[e.registration].add(e.learner.id)
        if e.kind == "started":
            recorded = e.data.get("identity")
            if isinstance(recorded, Mapping):
                names[e.registration].update(str(v) for v in recorded.values() if v)
    report.learners = sorted(set().union(*names.values())) if names else []
    if not student:
        return
    for registration, who in names.items():
        if student not in who:
            report.identity.append(
                f"session {registration[:8]} was recorded by {', '.join(sorted(who))}, "
                f"not by {student} (the submitting student): copied evidence?"
            )


def _report_gaps(tally: Tally, report: GradeReport) -> None:
    for registration, missing in tally.gaps.items():
        report.gaps.append(
            f"session {registration[:8]}: {missing} recorded event(s) are missing; each counts "
            "as a failed attempt at the next question answered in that session"
        )


def _counted_answers(answers: Sequence[CountedAnswer], recorded: set[str]) -> list[CountedAnswer]:
    """Every answer, except that a recorded-only question keeps only its last answer (which
    counts as a first attempt: the learner never learnt whether an earlier one was right)."""
    last: dict[str, int] = {}

    def recorded_only(answer: CountedAnswer) -> bool:
        qid = answer.event.step_id or ""
        return qid in recorded and answer.event.data.get("recorded") is True

    for index, answer in enumerate(answers):
        if recorded_only(answer):
            last[answer.event.step_id or ""] = index
    keep = set(last.values())
    out = []
    for index, answer in enumerate(answers):
        if not recorded_only(answer):
            out.append(answer)
        elif index in keep:
            out.append(CountedAnswer(answer.event, 1, answer.hints_used))
    return out


def _recheck(
    answer: CountedAnswer,
    questions: Mapping[str, Question],
    namespace: Mapping[str, Any] | None,
    report: GradeReport,
) -> AttemptGrade | None:
    from ..checks import grade

    event = answer.event
    question = questions.get(event.step_id or "")
    if question is None:
        report.problems.append(f"an answer to unknown question {event.step_id!r} was ignored")
        return None
    if question.max_attempts is not None and answer.attempt > question.max_attempts:
        report.discrepancies.append(
            f"{question.id}: attempt {answer.attempt} exceeds the limit of "
            f"{question.max_attempts} and was ignored"
        )
        return None
    data = event.data
    raw = data.get("raw")
    response = raw if raw is not None else data.get("response")
    seed = data.get("variant_seed")
    result = grade(
        question,
        response,
        attempt=answer.attempt,
        hints_used=answer.hints_used,
        seed=seed if isinstance(seed, int) else None,
        namespace=namespace,
    )
    if not result.understood:
        if result.details.get("mode") == "unavailable":  # recorded code could not be re-run
            report.problems.append(f"{question.id}: {result.feedback}")
        return None
    claimed = data.get("correct")
    claimed_correct = claimed if isinstance(claimed, bool) else None
    if claimed_correct and not result.correct:
        report.discrepancies.append(
            f"{question.id}: attempt {answer.attempt} was recorded as correct but is incorrect"
        )
    return AttemptGrade(
        question_id=question.id,
        registration=event.registration,
        attempt=answer.attempt,
        hints_used=answer.hints_used,
        correct=bool(result.correct),
        score=min(1.0, max(0.0, float(result.score))),
        claimed_correct=claimed_correct,
    )


def _score(grades: Sequence[AttemptGrade], policy: AttemptPolicy, hint_penalty: float) -> float:
    """The question's score over all of the learner's attempts, by policy."""
    ordered = sorted(grades, key=lambda g: g.attempt)
    if policy == "first":
        ordered = ordered[:1]
    elif policy == "last":
        ordered = ordered[-1:]
    return max(
        (max(0.0, g.score * (1.0 - hint_penalty * g.hints_used)) for g in ordered), default=0.0
    )


def _mastery(
    key: Lesson, questions: Mapping[str, Question], graded: Sequence[AttemptGrade]
) -> dict[str, CompetencyGrade]:
    from ..policies.mastery import MasteryTracker

    tracker = MasteryTracker.for_lesson(key)
    result = {
        c.id: CompetencyGrade(
            id=c.id,
            prior=c.mastery.prior,
            threshold=c.mastery.threshold,
            mastery=c.mastery.prior,
        )
        for c in key.competencies
    }
    for g in graded:  # already in order
        for cid in questions[g.question_id].competencies:
            change = tracker.observe(cid, g.correct, attempt=g.attempt, hinted=g.hints_used > 0)
            if change is not None and cid in result:
                result[cid].observations += 1
                result[cid].correct += int(g.correct)
    for cid, comp in result.items():
        comp.mastery = float(tracker.probability(cid))
    return result
