"""A grade as the LMS's Assignment and Grade Services want it (a ``Score``, AGS 2.0 §3.4).

The score carries ``scoreGiven``/``scoreMaximum``, ``activityProgress``,
``gradingProgress``, a comment naming the competencies mastered and missing, and a
``timestamp``: the time of the evidence the grade was computed from. Platforms refuse (or
ignore) a score whose timestamp is not later than the last one they stored, so an update
whose evidence time is not later than the last score sent is stamped a millisecond after it.

:func:`fingerprint` covers everything but the timestamp: the same grade from the same
evidence has the same fingerprint, and is not sent again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Grade", "comment", "fingerprint", "score_body", "stamp"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Grade:
    """One learner's grade for one lessonkit item, from server-checked evidence."""

    given: float
    """Points earned."""
    maximum: float
    """Points available."""
    completed: bool
    """The learner reached an end of the lesson."""
    started: bool
    """There is evidence at all."""
    mastered: Sequence[str] = ()
    """Competencies mastered (titles)."""
    missing: Sequence[str] = ()
    """Competencies not mastered yet (titles)."""
    evidence_time: str = ""
    """Server time of the latest evidence (ISO 8601), empty when there is none."""
    unit: str = "lesson"
    """What is graded: ``lesson``, or ``milestone`` (the lessons developing its
    competencies)."""


_UNFINISHED = {"lesson": "lesson not finished", "milestone": "not every lesson finished"}


def comment(grade: Grade) -> str:
    """The comment shown in the gradebook."""
    parts = [f"lessonkit: {grade.given:g} of {grade.maximum:g} points"]
    if not grade.completed and not grade.started:
        parts.append("not started")
    elif not grade.completed:
        parts.append(_UNFINISHED.get(grade.unit, "not finished"))
    if grade.mastered:
        parts.append("mastered: " + ", ".join(grade.mastered))
    if grade.missing:
        parts.append("not yet mastered: " + ", ".join(grade.missing))
    return "; ".join(parts) + "."


def score_body(user_id: str, grade: Grade, *, final: bool) -> dict[str, Any]:
    """The AGS score for ``user_id`` (the LTI ``sub``), without its timestamp.

    ``final``: the grade is to be recorded as it stands (a due date passed, or the instructor
    pushed it); otherwise an unfinished lesson's grade is sent as ``Pending``.
    """
    if grade.completed:
        activity = "Completed"
    elif grade.started:
        activity = "InProgress"
    else:
        activity = "Initialized"
    return {
        "userId": user_id,
        "scoreGiven": round(float(grade.given), 6),
        "scoreMaximum": round(float(grade.maximum), 6),
        "comment": comment(grade),
        "activityProgress": activity,
        "gradingProgress": "FullyGraded" if grade.completed or final else "Pending",
    }


def fingerprint(body: Mapping[str, Any]) -> str:
    """What makes a score the same score: its content (points, progress, comment), not its
    timestamp. Later evidence that leaves the grade as it was (a session closed, a lesson
    opened again) makes the same score: the LMS, which may keep every score it is sent as an
    attempt, is not sent it again."""
    content = {k: v for k, v in body.items() if k != "timestamp"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _parse(moment: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stamp(evidence_time: str, last_sent: str | None, now: datetime | None = None) -> str:
    """The score's timestamp: the evidence time, but always after the last one sent."""
    moment = _parse(evidence_time) or now or datetime.now(UTC)
    previous = _parse(last_sent) if last_sent else None
    if previous is not None and moment <= previous:
        moment = previous + timedelta(milliseconds=1)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
