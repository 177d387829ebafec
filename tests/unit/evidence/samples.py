"""Events of every kind, shaped like those ``LessonSession`` emits (lessonkit.evidence.events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import EVENT_KINDS, Event, LearnerRef

ADA = LearnerRef(id="ada", home_page="https://hub.example.org/", name="Ada Lovelace")
T0 = datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)

DATA: dict[str, tuple[str | None, dict[str, Any]]] = {
    "started": (None, {"profile": {"interest": "music"}}),
    "resumed": ("q-range", {"from_seq": 4}),
    "experienced": ("for-intro", {"visit": 1, "title": "Counting with range()"}),
    "answered": (
        "q-range",
        {
            "response": "5",
            "raw": 5,
            "correct": True,
            "score": 0.5,
            "points": 1.0,
            "max_points": 2,
            "attempt": 2,
            "hints_used": 1,
            "checker": "numeric",
            "variant_seed": 1234,
            "competencies": ["for-loops", "accumulator"],
            "duration": 12.345,
            "feedback": "Right: range(5) has five numbers.",
            "item_id": None,
        },
    ),
    "hint": ("q-range", {"index": 0, "attempt": 1}),
    "chose": (
        "confidence",
        {"value": "confident", "field": "confidence", "sets": {"pace": "fast"}},
    ),
    "mastery": (
        "q-range",
        {"competency": "for-loops", "before": 0.62, "after": 0.97, "mastered": True},
    ),
    "navigated": ("q-range", {"to": "accumulate-intro", "reason": "mastery('for-loops') > 0.9"}),
    "passed": ("done", {"score": 7.5, "max_score": 10.0, "scaled": 0.75}),
    "failed": ("done", {"score": 2.0, "max_score": 10.0, "scaled": 0.2}),
    "completed": (
        "done",
        {"score": 7.5, "max_score": 10.0, "scaled": 0.75, "path": ["welcome", "q-range", "done"]},
    ),
}
assert set(DATA) == EVENT_KINDS

REGISTRATION = "1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e81"


def make_event(
    kind: str,
    *,
    seq: int = 0,
    registration: str = REGISTRATION,
    learner: LearnerRef = ADA,
    lesson: str = "python-loops",
    data: dict[str, Any] | None = None,
    step: str | None = "",
    when: datetime | None = None,
) -> Event:
    """One event of ``kind`` with realistic data (override any part)."""
    default_step, default_data = DATA[kind]
    return Event(
        kind=kind,
        learner=learner,
        lesson_id=lesson,
        lesson_version="1.2.0",
        content_hash="9f" * 32,
        registration=registration,
        seq=seq,
        timestamp=when or T0 + timedelta(seconds=seq),
        step_id=default_step if step == "" else step,
        data=default_data if data is None else data,
    )


def session_statements(
    n: int,
    *,
    learner: LearnerRef = ADA,
    lesson: str = "python-loops",
    registration: str | None = None,
) -> list[dict[str, Any]]:
    """``n`` statements of one registration, cycling through the event kinds."""
    registration = registration or str(uuid.uuid4())
    kinds = sorted(EVENT_KINDS)
    return [
        event_to_statement(
            make_event(
                kinds[i % len(kinds)],
                seq=i,
                registration=registration,
                learner=learner,
                lesson=lesson,
            )
        )
        for i in range(n)
    ]
