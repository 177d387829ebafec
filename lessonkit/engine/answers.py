"""The data of an ``answered`` event: what a session records about one checked answer."""

from __future__ import annotations

from typing import Any

from ..lesson.model import Question
from .outcomes import json_or_none
from .state import RunState

__all__ = ["answer_data", "recorded_data"]


def answer_data(
    state: RunState, question: Question, result: Any, duration: float | None
) -> dict[str, Any]:
    """The ``answered`` event's data after ``result`` was applied to ``state``.

    See :mod:`lessonkit.evidence.events` for the keys. An answer recorded for grading (no
    live verdict) is recorded with ``correct``, ``score``, ``points`` and ``attempt`` set to
    ``None`` and ``recorded`` true by the caller.
    """
    rec = state.record(question.id)
    return {
        "response": result.response_text,
        "raw": json_or_none(result.details.get("raw")),
        "correct": rec.last_correct,
        "score": rec.last_score,
        "points": rec.last_score * question.points,
        "max_points": question.points,
        "attempt": rec.attempts,
        "hints_used": rec.hints_used,
        "checker": question.check.type,
        "variant_seed": rec.variant_seed,
        "competencies": list(question.competencies),
        "duration": duration,
        "feedback": result.feedback,
        "item_id": question.id if state.in_practice() else None,
    }


def recorded_data(
    state: RunState, question: Question, result: Any, duration: float | None
) -> dict[str, Any]:
    """The ``answered`` event's data for an answer recorded for grading, not judged live."""
    data = answer_data(state, question, result, duration)
    data.update(correct=None, score=None, points=None, attempt=None, recorded=True)
    return data
