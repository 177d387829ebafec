"""A learner's own export: everything recorded about them, and what the course made of it.

:func:`export_record` gives one JSON-ready object: the learner's record in the course (mastery
with the evidence behind each estimate, profile, lessons, goals, assignments) and **every
statement the store holds about the learner**, in any lesson or course, exactly as stored.
The learning-plan widget offers it as a download; ``lessonkit course export-record`` writes it.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..evidence.events import LearnerRef
from ..evidence.statements import format_timestamp
from .model import Course
from .record import LearnerRecord, build_record

__all__ = ["EXPORT_VERSION", "export_record", "plain", "record_to_data"]

EXPORT_VERSION = 1
"""Version of the export's layout."""


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts, dates and times as ISO 8601 text."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def record_to_data(record: LearnerRecord) -> dict[str, Any]:
    """The record as plain JSON-ready data (timestamps in ISO 8601, UTC)."""
    return {
        "course": record.course,
        "learner": plain(record.learner),
        "as_of": format_timestamp(record.as_of),
        "competencies": {
            cid: {**plain(c), "mastered": c.mastered} for cid, c in record.competencies.items()
        },
        "profile": dict(record.profile),
        "lessons": plain(dict(record.lessons)),
        "goals": plain(list(record.goals)),
        "assignments": plain(list(record.assignments)),
    }


def export_record(
    course: Course, store: Any, learner: LearnerRef, *, as_of: datetime | None = None
) -> dict[str, Any]:
    """Everything recorded about ``learner`` in ``store`` and their record in ``course``."""
    moment = as_of or datetime.now(UTC)
    statements = list(store.read(learner=learner))
    record = build_record(course, statements, learner, as_of=moment)
    return {
        "lessonkit": "learner-export",
        "version": EXPORT_VERSION,
        "exported": format_timestamp(moment),
        "learner": plain(learner),
        "record": record_to_data(record),
        "statements": statements,
    }
