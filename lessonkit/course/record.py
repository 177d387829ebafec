"""A learner's record in a course, rebuilt from evidence alone.

:func:`build_record` folds a learner's statements — the lesson events of every lesson of the
course and the course's own goal and assignment statements — into a :class:`LearnerRecord`:

- **mastery per competency, across lessons.** Every answer that counted as evidence in its
  lesson (the lesson's ``first_attempt_only`` and ``hint_counts_as_wrong`` settings) updates one
  Bayesian Knowledge Tracing estimate per competency, with the course's parameters (which its
  lessons share). Between sessions the estimate decays with time (:func:`~lessonkit.policies.
  mastery.decayed`, the competency's half-life): when a new session starts, P(known) is what it
  was after the last evidence, halved for every half-life since. A session started with the
  record's estimate as its prior (``LessonSession(mastery_start=...)``) therefore ends where
  the record does.
- **the profile**: fields set by choices (interests, goals, confidence), the latest value of
  each, in any lesson of the course;
- **lessons**: sessions started and completed, with the latest score;
- **goals** the learner set and **assignments** a teacher made, less those removed.

Sessions are taken in the order they began, each one's events in sequence order (as when
re-grading: a learner's clock may be wrong, their sequence numbers are not).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ..evidence.events import Event, LearnerRef
from ..evidence.statements import statement_to_event
from ..lesson.model import Settings
from ..policies.mastery import bkt_posterior, bkt_update, decayed
from .model import Course
from .statements import CourseEvent, course_event

__all__ = [
    "CompetencyRecord",
    "EvidenceItem",
    "Goal",
    "LearnerRecord",
    "LessonProgress",
    "build_record",
]

_DAY = 86_400.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """One answer that counted as evidence for a competency."""

    lesson: str
    """The lesson it was given in."""
    step: str
    """The question (or practice item)."""
    correct: bool
    """As counted: a first attempt after a hint counts as wrong where the lesson says so."""
    timestamp: datetime
    """When it was given."""
    before: float
    """P(known) before (after forgetting since the last evidence)."""
    after: float
    """P(known) after."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetencyRecord:
    """Where a learner stands on one competency."""

    id: str
    """The competency id."""
    probability: float
    """P(known) now (at the record's ``as_of``), forgetting included."""
    threshold: float
    """P(known) at which it counts as mastered."""
    opportunities: int = 0
    """Answers that counted as evidence."""
    last_evidence: datetime | None = None
    """When the last of them was given."""
    mastered_at: datetime | None = None
    """When P(known) last reached the threshold (``None``: never)."""
    evidence: tuple[EvidenceItem, ...] = ()
    """The answers behind the estimate, oldest first."""

    @property
    def mastered(self) -> bool:
        """Whether P(known) is at the threshold now."""
        return self.probability >= self.threshold

    @property
    def lapsed(self) -> bool:
        """Mastered once, below the threshold now (forgotten, or wrong since): time to review."""
        return self.mastered_at is not None and not self.mastered


@dataclass(frozen=True, slots=True, kw_only=True)
class LessonProgress:
    """A learner's sessions in one lesson of the course."""

    lesson: str
    """The lesson id."""
    sessions: int = 0
    """Sessions started."""
    completed: int = 0
    """Sessions that reached an end step."""
    last_activity: datetime | None = None
    """When anything last happened in it."""
    score: tuple[float, float] | None = None
    """(points, points available) of the latest completion."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """A goal the learner set, or a goal or lesson a teacher assigned."""

    id: str
    """Its id (to remove it)."""
    target: str
    """``milestone``, ``competency`` or ``lesson``."""
    target_id: str
    """Which one."""
    due: date | None = None
    """Target date, if any."""
    set_at: datetime
    """When it was set."""
    by: LearnerRef | None = None
    """The teacher who assigned it; ``None`` for the learner's own goals."""
    note: str = ""
    """The teacher's note, if any."""

    def competencies(self, course: Course) -> tuple[str, ...]:
        """The competencies to master to reach it."""
        if self.target == "milestone":
            return course.milestone(self.target_id).competencies
        if self.target == "lesson":
            return course.lesson(self.target_id).develops
        return (self.target_id,)


@dataclass(frozen=True, kw_only=True)
class LearnerRecord:
    """Everything a course knows about one learner, as of one moment."""

    course: str
    """The course id."""
    learner: LearnerRef
    """Whose record it is."""
    as_of: datetime
    """The moment the estimates are for (forgetting is applied up to it)."""
    competencies: Mapping[str, CompetencyRecord]
    """Competency id -> where the learner stands (every competency of the course)."""
    profile: Mapping[str, str] = field(default_factory=dict)
    """Profile fields chosen in the course's lessons (latest value each)."""
    lessons: Mapping[str, LessonProgress] = field(default_factory=dict)
    """Lesson id -> sessions and completions (lessons with any activity)."""
    goals: tuple[Goal, ...] = ()
    """The learner's own goals (not removed), oldest first."""
    assignments: tuple[Goal, ...] = ()
    """What teachers assigned (not withdrawn), oldest first."""

    def probability(self, competency_id: str) -> float:
        """P(known) of a competency now."""
        return self.competencies[competency_id].probability

    def mastered(self, competency_id: str) -> bool:
        """Whether a competency is mastered now."""
        return self.competencies[competency_id].mastered

    @property
    def mastered_set(self) -> frozenset[str]:
        """The competencies mastered now."""
        return frozenset(c for c, r in self.competencies.items() if r.mastered)

    @property
    def has_evidence(self) -> bool:
        """Whether any answer of the learner counted as evidence."""
        return any(r.opportunities for r in self.competencies.values())

    @property
    def is_empty(self) -> bool:
        """Whether the store holds nothing of this learner in the course: no session, answer,
        profile field, goal or assignment (a newcomer, or a learner id mistyped)."""
        return not (
            self.has_evidence or self.lessons or self.profile or self.goals or self.assignments
        )

    def completed(self, lesson_id: str) -> bool:
        """Whether the learner completed a lesson at least once."""
        progress = self.lessons.get(lesson_id)
        return bool(progress and progress.completed)

    def session_start(self, course: Course, lesson_id: str) -> dict[str, Any]:
        """Keyword arguments for a new ``LessonSession`` of a course lesson: ``mastery_start``
        (the current estimate of each of its course competencies that has evidence) and
        ``profile`` (the fields already chosen)."""
        lesson = course.lesson(lesson_id).lesson
        own = [c.id for c in lesson.competencies] if lesson is not None else []
        start = {
            cid: self.competencies[cid].probability
            for cid in own
            if cid in self.competencies and self.competencies[cid].opportunities
        }
        return {"mastery_start": start, "profile": dict(self.profile)}


class _Tracking:
    """The running state of one competency while the evidence is folded."""

    __slots__ = ("evidence", "last", "mastered_at", "p", "registration")

    def __init__(self, prior: float) -> None:
        self.p = prior
        self.last: datetime | None = None
        self.registration = ""
        self.mastered_at: datetime | None = None
        self.evidence: list[EvidenceItem] = []


def _sessions(events: list[Event]) -> tuple[list[Event], dict[str, datetime]]:
    """Events with each session's in ``seq`` order, sessions in the order they began; and
    when each session began."""
    began: dict[str, datetime] = {}
    for e in events:
        if e.registration not in began or e.timestamp < began[e.registration]:
            began[e.registration] = e.timestamp
    ordered = sorted(events, key=lambda e: (began[e.registration], e.registration, e.seq))
    return ordered, began


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def build_record(
    course: Course,
    statements: Iterable[Mapping[str, Any]],
    learner: LearnerRef,
    *,
    as_of: datetime | None = None,
) -> LearnerRecord:
    """The record of ``learner`` from their statements (others' are ignored).

    ``as_of`` (default: now) is the moment forgetting is applied up to.
    """
    as_of = as_of or datetime.now(UTC)
    events: list[Event] = []
    course_events: list[CourseEvent] = []
    for statement in statements:
        found = course_event(statement)
        if found is not None:
            if found.course == course.id and _same(found.learner, learner):
                course_events.append(found)
            continue
        try:
            event = statement_to_event(statement)
        except ValueError:
            continue
        if course.has_lesson(event.lesson_id) and _same(event.learner, learner):
            events.append(event)
    tracking = {c.id: _Tracking(c.mastery.prior) for c in course.competencies}
    profile: dict[str, str] = {}
    lessons: dict[str, dict[str, Any]] = {}
    ordered, began = _sessions(events)
    for event in ordered:
        _progress(lessons, event)
        if event.kind in ("started", "chose"):
            _profile(profile, event)
        elif event.kind == "answered":
            _answered(course, tracking, event, began[event.registration])
    competencies = {cid: _finish(course, cid, state, as_of) for cid, state in tracking.items()}
    goals, assignments = _goals(course, course_events)
    return LearnerRecord(
        course=course.id,
        learner=learner,
        as_of=as_of,
        competencies=competencies,
        profile=profile,
        lessons={lid: LessonProgress(lesson=lid, **p) for lid, p in lessons.items()},
        goals=goals,
        assignments=assignments,
    )


def _same(a: LearnerRef, b: LearnerRef) -> bool:
    return a.id == b.id and a.home_page == b.home_page


def _progress(lessons: dict[str, dict[str, Any]], event: Event) -> None:
    p = lessons.setdefault(event.lesson_id, {"sessions": 0, "completed": 0})
    p["last_activity"] = max(p.get("last_activity") or event.timestamp, event.timestamp)
    if event.kind == "started":
        p["sessions"] += 1
    elif event.kind == "completed":
        p["completed"] += 1
        score, available = event.data.get("score"), event.data.get("max_score")
        if isinstance(score, int | float) and isinstance(available, int | float):
            p["score"] = (float(score), float(available))


def _profile(profile: dict[str, str], event: Event) -> None:
    data = event.data
    if event.kind == "started" and isinstance(data.get("profile"), Mapping):
        profile.update({str(k): str(v) for k, v in data["profile"].items()})
    elif event.kind == "chose":
        if data.get("field") and isinstance(data.get("value"), str):
            profile[str(data["field"])] = data["value"]
        if isinstance(data.get("sets"), Mapping):
            profile.update({str(k): str(v) for k, v in data["sets"].items()})


def _answered(
    course: Course, tracking: dict[str, _Tracking], event: Event, session_began: datetime
) -> None:
    data = event.data
    entry = course.lesson(event.lesson_id)
    settings = entry.lesson.settings if entry.lesson is not None else Settings()
    attempt = _int(data.get("attempt"), 1)
    if settings.first_attempt_only and attempt > 1:
        return
    correct = data.get("correct") is True
    if settings.hint_counts_as_wrong and _int(data.get("hints_used"), 0) > 0:
        correct = False
    competencies = data.get("competencies")
    for cid in competencies if isinstance(competencies, list) else ():
        state = tracking.get(cid) if isinstance(cid, str) else None
        if state is None:
            continue
        if state.last is not None and state.registration != event.registration:
            days = (session_began - state.last).total_seconds() / _DAY
            state.p = decayed(state.p, days, course.half_life(cid))
        params = course.params(cid)
        before = state.p
        if settings.assessment:  # a test: evidence only, no learning transition
            state.p = bkt_posterior(before, correct, params)
        else:
            state.p = bkt_update(before, correct, params)
        state.last, state.registration = event.timestamp, event.registration
        if state.p >= params.threshold:
            state.mastered_at = event.timestamp
        state.evidence.append(
            EvidenceItem(
                lesson=event.lesson_id,
                step=event.step_id or "",
                correct=correct,
                timestamp=event.timestamp,
                before=before,
                after=state.p,
            )
        )


def _finish(course: Course, cid: str, state: _Tracking, as_of: datetime) -> CompetencyRecord:
    p = state.p
    if state.last is not None:
        p = decayed(p, (as_of - state.last).total_seconds() / _DAY, course.half_life(cid))
    return CompetencyRecord(
        id=cid,
        probability=p,
        threshold=course.params(cid).threshold,
        opportunities=len(state.evidence),
        last_evidence=state.last,
        mastered_at=state.mastered_at,
        evidence=tuple(state.evidence),
    )


def _goals(course: Course, events: list[CourseEvent]) -> tuple[tuple[Goal, ...], tuple[Goal, ...]]:
    goals: dict[str, Goal] = {}
    assigned: dict[str, Goal] = {}
    # A goal id names one setting of a goal, so a removal cancels it whatever the order the
    # store returns them in (both may carry the same timestamp).
    dropped = {e.goal for e in events if e.kind == "goal-removed"}
    withdrawn = {e.goal for e in events if e.kind == "unassigned"}
    for e in sorted(events, key=lambda e: e.timestamp):
        if e.goal in (dropped if e.kind == "goal-set" else withdrawn):
            continue
        if e.kind in ("goal-set", "assigned") and _exists(course, e.target, e.target_id):
            table = goals if e.kind == "goal-set" else assigned
            table[e.goal] = Goal(
                id=e.goal,
                target=e.target,
                target_id=e.target_id,
                due=e.due,
                set_at=e.timestamp,
                by=e.by if e.kind == "assigned" else None,
                note=e.note,
            )
    return tuple(goals.values()), tuple(assigned.values())


def _exists(course: Course, target: str, target_id: str) -> bool:
    if target == "milestone":
        return any(m.id == target_id for m in course.milestones)
    if target == "competency":
        return course.has_competency(target_id)
    return target == "lesson" and course.has_lesson(target_id)
