"""Rebuild a run's state from its recorded events (resume).

Replay applies each event's effect to a fresh :class:`~lessonkit.engine.state.RunState` through
the same transitions a live session uses, without re-checking answers or emitting anything.
Mastery is recomputed from the ``answered`` events (not read from ``mastery`` events), so it
always agrees with the lesson's current parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import SessionStateError
from ..evidence.events import Event
from ..lesson.model import Lesson, Practice
from .state import RunState

__all__ = ["replay", "replayable"]


def replayable(lesson: Lesson, events: Iterable[Event]) -> list[Event]:
    """``events`` in sequence order, checked to be one registration of ``lesson``."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        raise SessionStateError("nothing to resume: no recorded events")
    if len({e.registration for e in ordered}) != 1:
        raise SessionStateError("events from several sessions; resume one registration")
    if ordered[0].lesson_id != lesson.id:
        raise SessionStateError(
            f"events are for lesson {ordered[0].lesson_id!r}, not {lesson.id!r}"
        )
    return ordered


def replay(state: RunState, events: Iterable[Event]) -> None:
    """Apply ``events`` (in order) to ``state``."""
    for event in events:
        _apply(state, event)


def _apply(state: RunState, event: Event) -> None:
    kind, data, step_id = event.kind, event.data, event.step_id
    if kind == "started":
        state.profile.update(data.get("profile") or {})
        if isinstance(data.get("mastery_start"), Mapping):
            state.start_from(data["mastery_start"])
    elif kind == "experienced" and step_id:
        if state.lesson.has_step(step_id):
            state.enter(step_id)
        # else: the lesson changed since and the step is gone
    elif kind == "answered" and step_id:
        _answered(state, step_id, data)
    elif kind == "hint" and step_id:
        state.record(step_id).hints_used = int(data.get("index", 0)) + 1
    elif kind == "chose" and step_id:
        field = data.get("field")
        state.apply_choice(
            step_id,
            str(data.get("value")),
            field=str(field) if field else None,
            sets=data.get("sets") or {},
        )
    elif kind == "navigated" and step_id:
        if data.get("reason") == "practice":
            step = state.lesson.step(step_id)
            if isinstance(step, Practice) and step_id in state.practice:
                state.next_item(step)
            return
        state.leave(step_id)
        if data.get("reason") == "back" and len(state.path) >= 2:
            state.back()
    elif kind == "completed":
        state.finished = True


def _answered(state: RunState, step_id: str, data: Mapping[str, Any]) -> None:
    question = state.shown.get(step_id)
    step = state.lesson.step(state.current_id) if state.current_id else None
    if question is None and isinstance(step, Practice):
        pool = state.practice.get(step.id)
        if pool is not None and pool.item_id is None:
            # recorded before a mastered pool was passed without an item: give it, as then
            question = state.shown.get(state.next_item(step).id)
    if question is None:
        return
    if data.get("recorded") is True:
        state.apply_recorded(question, response=str(data.get("response", "")))
        return
    rec = state.record(step_id)
    score, attempt, hints = data.get("score"), data.get("attempt"), data.get("hints_used")
    state.apply_answer(
        question,
        correct=data.get("correct") is True,
        score=float(score) if isinstance(score, int | float) else 0.0,
        response=str(data.get("response", "")),
        attempt=attempt if isinstance(attempt, int) else rec.attempts + 1,
        hints_used=hints if isinstance(hints, int) else rec.hints_used,
    )
