"""Re-grading recorded evidence against an answer key: what a grader may trust.

A learner's evidence file is in the learner's hands, so nothing in it is taken on faith: every
recorded raw response is checked again against the instructor's lesson (the *key*), attempt
numbers and hints are recounted from the event stream itself, attempts beyond a question's
limit are ignored, and mastery is recomputed from the re-checked answers. A recorded
``correct`` flag that disagrees with the re-check is reported as a discrepancy.

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

from ..evidence.events import Event
from ..lesson.model import Lesson, Question

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
    """Attempt number, recounted from the events (1 = first)."""
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
    discrepancies: list[str] = field(default_factory=list)
    """Recorded claims the re-check contradicts (a sign of edited evidence)."""
    problems: list[str] = field(default_factory=list)
    """Evidence that could not be used, and why (damaged lines, unknown questions)."""

    def question_points(self, ids: Iterable[str] | None = None) -> tuple[float, float]:
        """(earned, available) over the given graded questions (default: all of them)."""
        chosen = self.questions if ids is None else {i: self.questions[i] for i in ids}
        earned = sum(q.points for q in chosen.values())
        return earned, sum(q.max_points for q in chosen.values())


def regrade(
    key: Lesson,
    statements: Iterable[Mapping[str, Any]],
    *,
    attempts: AttemptPolicy = "best",
    hint_penalty: float = 0.0,
    namespace: Mapping[str, Any] | None = None,
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
    """
    report = GradeReport(
        lesson_id=key.id,
        questions={q.id: QuestionGrade(id=q.id, max_points=q.points) for q in _graded(key)},
        competencies={},
    )
    events = _lesson_events(key.id, statements, report.problems)
    report.sessions = len({e.registration for e in events})
    report.discrepancies.extend(_gaps(events))
    report.completed = any(e.kind == "completed" for e in events)
    questions = {q.id: q for q in key.questions()}
    graded = [g for e in _answers(events) if (g := _recheck(e, questions, namespace, report))]
    report.answers = len(graded)
    for qid, grade_ in _by_question(graded).items():
        if qid in report.questions:
            q = report.questions[qid]
            q.attempts = grade_
            q.score = _counted(grade_, attempts, hint_penalty)
    report.competencies = _mastery(key, questions, graded)
    return report


def _graded(lesson: Lesson) -> list[Question]:
    """Questions that carry points: top-level questions (practice items are formative)."""
    return [s for s in lesson.steps if isinstance(s, Question) and s.points > 0]


def _lesson_events(
    lesson_id: str, statements: Iterable[Mapping[str, Any]], problems: list[str]
) -> list[Event]:
    from ..evidence import statement_to_event

    events: dict[str, Event] = {}
    with warnings.catch_warnings(record=True) as caught:
        # Damaged lines raise StoreWarnings while the store is read; collect them as problems.
        warnings.simplefilter("always")
        for statement in statements:
            try:
                event = statement_to_event(statement)
            except (ValueError, TypeError, KeyError):
                problems.append("a statement not made by lessonkit was skipped")
                continue
            if event.lesson_id == lesson_id:
                # Deterministic statement ids: a duplicate line is the same event.
                events[f"{event.registration}|{event.seq}"] = event
    problems.extend(str(w.message) for w in caught)
    # Within a session the sequence number orders events (timestamps are the learner's to
    # edit, and a forged answer must not slip in before real attempts); sessions follow
    # each other by when they began.
    began: dict[str, Any] = {}
    for e in events.values():
        if e.registration not in began or e.timestamp < began[e.registration]:
            began[e.registration] = e.timestamp
    return sorted(events.values(), key=lambda e: (began[e.registration], e.registration, e.seq))


def _gaps(events: Sequence[Event]) -> list[str]:
    """Sessions whose sequence numbers have holes: events were removed from the evidence."""
    seqs: dict[str, set[int]] = defaultdict(set)
    for e in events:
        seqs[e.registration].add(e.seq)
    found = []
    for registration, seen in seqs.items():
        missing = max(seen) + 1 - len(seen)
        if missing:
            found.append(f"session {registration[:8]}: {missing} recorded event(s) are missing")
    return found


def _answers(events: Sequence[Event]) -> Iterable[tuple[Event, int, int]]:
    """Each ``answered`` event (in time order) with its attempt number and hints used,
    recounted from the stream rather than read from the event.

    A practice item shown again is a fresh question: its count starts again at attempt 1.
    """
    attempts: dict[tuple[str, str], int] = defaultdict(int)
    hints: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        if event.step_id is None:
            continue
        slot = (event.registration, event.step_id)
        if event.kind == "hint":
            hints[slot] += 1
        elif event.kind == "answered":
            attempts[slot] += 1
            yield event, attempts[slot], hints[slot]
        elif event.kind == "navigated" and event.data.get("reason") == "practice":
            item = (event.registration, str(event.data.get("item")))
            attempts.pop(item, None)
            hints.pop(item, None)


def _recheck(
    answer: tuple[Event, int, int],
    questions: Mapping[str, Question],
    namespace: Mapping[str, Any] | None,
    report: GradeReport,
) -> AttemptGrade | None:
    from ..checks import grade

    event, attempt, hints_used = answer
    question = questions.get(event.step_id or "")
    if question is None:
        report.problems.append(f"an answer to unknown question {event.step_id!r} was ignored")
        return None
    if question.max_attempts is not None and attempt > question.max_attempts:
        report.discrepancies.append(
            f"{question.id}: attempt {attempt} exceeds the limit of {question.max_attempts}"
        )
        return None
    data = event.data
    raw = data.get("raw")
    response = raw if raw is not None else data.get("response")
    seed = data.get("variant_seed")
    result = grade(
        question,
        response,
        attempt=attempt,
        hints_used=hints_used,
        seed=seed if isinstance(seed, int) else None,
        namespace=namespace,
    )
    if not result.understood:
        if result.details.get("mode") == "unavailable":  # recorded code could not be re-run
            report.problems.append(f"{question.id}: {result.feedback}")
        return None
    claimed = data.get("correct")
    claimed_correct = claimed if isinstance(claimed, bool) else None
    if claimed_correct is not None and claimed_correct != result.correct:
        report.discrepancies.append(
            f"{question.id}: attempt {attempt} was recorded as "
            f"{'correct' if claimed_correct else 'incorrect'} but is "
            f"{'correct' if result.correct else 'incorrect'}"
        )
    return AttemptGrade(
        question_id=question.id,
        registration=event.registration,
        attempt=attempt,
        hints_used=hints_used,
        correct=bool(result.correct),
        score=min(1.0, max(0.0, float(result.score))),
        claimed_correct=claimed_correct,
    )


def _by_question(graded: Iterable[AttemptGrade]) -> dict[str, list[AttemptGrade]]:
    found: dict[str, list[AttemptGrade]] = defaultdict(list)
    for g in graded:
        found[g.question_id].append(g)
    return found


def _counted(grades: Sequence[AttemptGrade], policy: AttemptPolicy, hint_penalty: float) -> float:
    """The question's score: per session pick an attempt by policy; the best session counts."""
    sessions: dict[str, list[AttemptGrade]] = defaultdict(list)
    for g in grades:
        sessions[g.registration].append(g)
    best = 0.0
    for tries in sessions.values():
        tries.sort(key=lambda g: g.attempt)
        if policy == "first":
            picked = [tries[0]]
        elif policy == "last":
            picked = [tries[-1]]
        else:
            picked = tries
        for g in picked:
            best = max(best, 0.0, g.score * (1.0 - hint_penalty * g.hints_used))
    return best


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
    for g in graded:  # already in time order
        for cid in questions[g.question_id].competencies:
            change = tracker.observe(cid, g.correct, attempt=g.attempt, hinted=g.hints_used > 0)
            if change is not None and cid in result:
                result[cid].observations += 1
                result[cid].correct += int(g.correct)
    for cid, comp in result.items():
        comp.mastery = float(tracker.probability(cid))
    return result
