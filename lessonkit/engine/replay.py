"""Rebuild a :class:`~lessonkit.engine.session.LessonSession` from its recorded events (resume).

Replay applies each event's effect to a fresh session without re-checking answers or emitting
anything, then emits one ``resumed`` event. Mastery is recomputed from the ``answered`` events
(not read from ``mastery`` events), so it always agrees with the lesson's current parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import SessionStateError
from ..evidence.events import Event
from ..lesson.model import Lesson, Practice, Question

if TYPE_CHECKING:
    from .session import LessonSession

__all__ = ["replay"]


def replay(
    cls: type[LessonSession], lesson: Lesson, events: Iterable[Event], **kwargs: Any
) -> LessonSession:
    """A session of ``cls`` for ``lesson`` rebuilt from ``events`` (one registration)."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        raise SessionStateError("nothing to resume: no recorded events")
    first = ordered[0]
    registrations = {e.registration for e in ordered}
    if len(registrations) != 1:
        raise SessionStateError("events from several sessions; resume one registration")
    if first.lesson_id != lesson.id:
        raise SessionStateError(f"events are for lesson {first.lesson_id!r}, not {lesson.id!r}")
    kwargs.setdefault("learner", first.learner)
    session = cls(lesson, registration=first.registration, **kwargs)
    session._replaying = True
    try:
        for event in ordered:
            _apply(session, event)
            session.events.append(event)
    finally:
        session._replaying = False
    session._emit("resumed", session.current_id, from_seq=ordered[-1].seq)
    return session


def _apply(session: LessonSession, event: Event) -> None:
    kind, data, step_id = event.kind, event.data, event.step_id
    if kind == "started":
        session.profile.update(data.get("profile") or {})
    elif kind == "experienced" and step_id:
        _enter(session, step_id)
    elif kind == "answered" and step_id:
        _answered(session, step_id, data)
    elif kind == "hint" and step_id:
        session.record(step_id).hints_used = int(data.get("index", 0)) + 1
    elif kind == "chose" and step_id:
        value = str(data.get("value"))
        session.choices[step_id] = value
        session.record(step_id).choice = value
        if data.get("field"):
            session.profile[str(data["field"])] = value
        session.profile.update(data.get("sets") or {})
    elif kind == "navigated" and step_id:
        if data.get("reason") == "practice":
            step = session.lesson.step(step_id)
            if isinstance(step, Practice) and step_id in session.practice:
                session._next_item(step)
            return
        session._last_left = step_id
        if data.get("reason") == "back" and len(session.path) >= 2:
            session.path.pop()
            session.path.pop()
    elif kind == "completed":
        session.finished = True


def _enter(session: LessonSession, step_id: str) -> None:
    """Mirror LessonSession._enter without emitting events."""
    try:
        step = session.lesson.step(step_id)
    except KeyError:
        return  # the lesson changed since; the step is gone
    session.current_id = step_id
    session.path.append(step_id)
    session.record(step_id).visits += 1
    if isinstance(step, Question) and step_id not in session._shown:
        session._show(step, variant=0)
    if isinstance(step, Practice):
        from .decisions import PracticeState

        session.practice[step_id] = PracticeState(step, session.seed)
        session._next_item(step)


def _answered(session: LessonSession, step_id: str, data: Any) -> None:
    question = session._shown.get(step_id)
    if question is None:
        return
    rec = session.record(step_id)
    rec.attempts = int(data.get("attempt", rec.attempts + 1))
    rec.hints_used = int(data.get("hints_used", rec.hints_used))
    rec.last_correct = bool(data.get("correct"))
    rec.correct = rec.correct or rec.last_correct
    rec.last_score = float(data.get("score", 0.0))
    rec.best_score = max(rec.best_score, rec.last_score)
    rec.points = rec.best_score * rec.max_points
    rec.responses.append(str(data.get("response", "")))
    for cid in question.competencies:
        session.mastery.observe(
            cid, rec.last_correct, attempt=rec.attempts, hinted=rec.hints_used > 0
        )
