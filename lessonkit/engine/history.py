"""A learner's history in a lesson: every session's events in order, attempts counted across them.

Attempts and hints belong to the learner and the question, not to one session: a second
session (a restart, another kernel, a forged extra file) continues the count where the earlier
sessions left it, so it cannot reset an attempt limit or earn first-attempt mastery credit
again. :class:`~lessonkit.engine.session.LessonSession` uses this to carry a learner's records
into a new session, and :mod:`lessonkit.grading.regrade` to recount attempts from evidence; the
two count the same way.

Counting rules
--------------
* Sessions follow each other by their earliest event; within a session the sequence number
  orders events (timestamps are the learner's to edit).
* Every ``answered`` event is an attempt at its question, except answers to questions that are
  only *recorded* for grading (``recorded(question_id)`` true): those never cost an attempt.
* A practice item shown again is a fresh question: entering a practice step restarts the count
  of each of its items, and a ``navigated`` event with reason ``practice`` restarts the count
  of the item it names — only if that item really belongs to that practice step, so such an
  event can never reset a graded question.
* Events missing from a session (holes in its sequence numbers: deleted lines) are charged to
  the next answer in that session: each missing event counts as one failed attempt before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SessionStateError
from ..evidence.events import Event, LearnerRef
from ..lesson.model import Lesson, Practice
from ..lesson.specs import RECORDED_CHECKER, Custom
from .outcomes import CountedAnswer

if TYPE_CHECKING:
    from .state import RunState

__all__ = [
    "CountedAnswer",
    "Tally",
    "carry_over",
    "lesson_events",
    "recorded_questions",
    "refuse_restart",
    "session_order",
]


def lesson_events(
    lesson_id: str,
    items: Iterable[Event | Mapping[str, Any]],
    *,
    problems: list[str] | None = None,
) -> list[Event]:
    """The events of ``lesson_id`` among ``items`` (events or xAPI statements), deduplicated
    by ``(registration, seq)`` and in :func:`session_order`.

    Statements not made by lessonkit are skipped (and noted in ``problems`` when given), and
    so are teachers' rubric grades, which are not session events.
    """
    from ..evidence.grades import is_grading_statement
    from ..evidence.statements import statement_to_event

    found: dict[tuple[str, int], Event] = {}
    for item in items:
        if isinstance(item, Event):
            event = item
        else:
            try:
                event = statement_to_event(item)
            except (ValueError, TypeError, KeyError):
                if problems is not None and not is_grading_statement(item):
                    problems.append("a statement not made by lessonkit was skipped")
                continue
        if event.lesson_id == lesson_id:
            # Deterministic statement ids: a duplicate line is the same event (first wins).
            found.setdefault((event.registration, event.seq), event)
    return session_order(found.values())


def session_order(events: Iterable[Event]) -> list[Event]:
    """Sessions by when they began (then registration), events within a session by ``seq``."""
    events = list(events)
    began: dict[str, Any] = {}
    for e in events:
        if e.registration not in began or e.timestamp < began[e.registration]:
            began[e.registration] = e.timestamp
    return sorted(events, key=lambda e: (began[e.registration], e.registration, e.seq))


@dataclass(slots=True)
class Tally:
    """Counts a learner's attempts and hints over events given in :func:`session_order`.

    Parameters
    ----------
    lesson
        The lesson (practice pools say which items a practice event may reset).
    recorded
        Whether a question's answers are recorded only (they cost no attempt).
    """

    lesson: Lesson
    recorded: Callable[[str], bool] = field(default=lambda _qid: False)
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Question id -> attempts so far (a practice item: in its current presentation)."""
    hints: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Question id -> hints shown so far."""
    answers: list[CountedAnswer] = field(default_factory=list)
    """Every answer counted, in order."""
    gaps: dict[str, int] = field(default_factory=dict)
    """Registration -> events missing from it (holes in its sequence numbers)."""
    _pools: dict[str, frozenset[str]] = field(default_factory=dict)
    _next_seq: dict[str, int] = field(default_factory=dict)
    _owed: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __post_init__(self) -> None:
        self._pools = {
            s.id: frozenset(item.id for item in s.items)
            for s in self.lesson.steps
            if isinstance(s, Practice)
        }

    def add_all(self, events: Sequence[Event]) -> Tally:
        """Count ``events`` (in session order); returns ``self``."""
        for event in events:
            self.add(event)
        return self

    def add(self, event: Event) -> CountedAnswer | None:
        """Count one event; returns the counted answer when it is an ``answered`` event."""
        self._track_sequence(event)
        step = event.step_id
        if step is None:
            return None
        if event.kind == "hint":
            self.hints[step] += 1
        elif event.kind == "experienced" and step in self._pools:
            for item in self._pools[step]:  # a fresh item is given on entry
                self._restart(item)
        elif event.kind == "navigated" and event.data.get("reason") == "practice":
            item = str(event.data.get("item"))
            if item in self._pools.get(step, ()):
                self._restart(item)
        elif event.kind == "answered":
            # Only an answer the copy recorded without a verdict counts as recorded: the same
            # question answered with a live check (the instructor's copy) used real attempts.
            if self.recorded(step) and event.data.get("recorded") is True:
                counted = CountedAnswer(event, 0, self.hints[step])
            else:
                charged = self._owed.pop(event.registration, 0)
                self.attempts[step] += 1 + charged
                counted = CountedAnswer(event, self.attempts[step], self.hints[step], charged)
            self.answers.append(counted)
            return counted
        return None

    def _restart(self, item: str) -> None:
        self.attempts.pop(item, None)
        self.hints.pop(item, None)

    def _track_sequence(self, event: Event) -> None:
        expected = self._next_seq.get(event.registration, 0)
        if event.seq > expected:
            missing = event.seq - expected
            self.gaps[event.registration] = self.gaps.get(event.registration, 0) + missing
            self._owed[event.registration] += missing
        self._next_seq[event.registration] = max(expected, event.seq + 1)


def recorded_questions(lesson: Lesson) -> Callable[[str], bool]:
    """Whether a question of ``lesson`` only records answers (a student copy's hidden key)."""
    ids = {
        q.id
        for q in lesson.questions()
        if isinstance(q.check, Custom) and q.check.checker == RECORDED_CHECKER
    }
    return ids.__contains__


def carry_over(
    state: RunState,
    history: Iterable[Event | Mapping[str, Any]] | None,
    *,
    store: Any,
    learner: LearnerRef,
    registration: str,
) -> tuple[str, ...]:
    """Take a learner's other sessions into ``state`` before a run starts.

    ``history`` holds events or statements; ``None`` reads them from ``store`` when it can be
    read (the engine knows stores only by their ``append`` and ``read`` methods). Events of
    ``registration`` (the run itself) and of other learners are left out. Returns the other
    sessions' registrations, oldest first.
    """
    if history is None:
        read = getattr(store, "read", None)
        history = read(learner=learner, lesson=state.lesson.id) if callable(read) else ()
    items = list(history)
    from ..evidence.grants import granted_attempts

    state.extra_attempts = granted_attempts(items, learner.id, state.lesson.id)
    from .graded import take_replies

    take_replies(state, items, learner.id)
    if state.graded is not None:  # teachers' grades first: answers find theirs as they come
        from .graded import learner_grades

        state.take_grades(learner_grades(items, learner.id, state.lesson.id))
    events = [
        e
        for e in lesson_events(state.lesson.id, items)
        if e.registration != registration and e.learner.id == learner.id
    ]
    if events:
        tally = Tally(state.lesson, recorded=recorded_questions(state.lesson)).add_all(events)
        state.absorb(tally.answers, tally.hints)
    return tuple(dict.fromkeys(e.registration for e in events))


def refuse_restart(lesson: Lesson, learner_id: str, earlier: Sequence[str]) -> None:
    """Raise :class:`SessionStateError` when ``lesson`` forbids a restart and the learner
    already has a session (the button is hidden too, but the session is what enforces it)."""
    if earlier and not lesson.settings.allow_restart:
        raise SessionStateError(
            f"lesson {lesson.id!r} does not allow a restart and {learner_id!r} already has a "
            f"session ({earlier[-1][:8]}): resume it instead"
        )
