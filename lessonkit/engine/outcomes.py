"""What a session tells its caller: per-step records, views of the current step, outcomes.

These are the session's read-only answers; the widgets render them, ``lessonkit play`` prints
them, and tests assert on them. Only :class:`StepRecord` is mutable, and only the session
mutates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..evidence.events import Event
from ..lesson.model import Question, Step

__all__ = ["CountedAnswer", "Decision", "Outcome", "StepRecord", "StepView", "json_or_none"]


@dataclass(slots=True)
class StepRecord:
    """What happened at one step (or practice item) so far in a session."""

    visits: int = 0
    """Times the learner arrived at the step."""
    attempts: int = 0
    """Understood answers submitted."""
    hints_used: int = 0
    """Hints shown."""
    correct: bool = False
    """Whether any attempt was correct."""
    last_correct: bool = False
    """Whether the latest attempt was correct."""
    best_score: float = 0.0
    """Best score in [0, 1] after the attempt schedule."""
    last_score: float = 0.0
    """Score of the latest attempt."""
    points: float = 0.0
    """Points earned (best score times the question's points)."""
    max_points: float = 0.0
    """Points available."""
    choice: str | None = None
    """Value chosen at a choice step."""
    variant_seed: int | None = None
    """Seed of the randomized variant shown."""
    responses: list[str] = field(default_factory=list)
    """Canonical text of every response, in order."""
    recorded: bool = False
    """An answer was recorded for grading without a live verdict (a student copy's hidden
    key): it cost no attempt, moved no mastery and counts in no live score."""
    rubric_max: float = 0.0
    """Points a teacher's rubric grade can give (0 without a rubric)."""
    rubric_grade: Any = None
    """The teacher's rubric grade that counts (a
    :class:`~lessonkit.evidence.grades.RubricGrade`), once one is in."""

    @property
    def answered(self) -> bool:
        """At least one understood attempt, or an answer recorded for grading."""
        return self.attempts > 0 or self.recorded


@dataclass(frozen=True, slots=True)
class CountedAnswer:
    """An ``answered`` event with its attempt and hints recounted across sessions."""

    event: Event
    """The ``answered`` event."""
    attempt: int
    """1-based attempt number at the question (0 for a recorded-only answer)."""
    hints_used: int
    """Hints shown at the question before this answer."""
    charged: int = 0
    """Missing events charged to this answer as failed attempts (included in ``attempt``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """Where the session went and why."""

    from_step: str
    """The step left."""
    to_step: str | None
    """The step entered (``None`` when the lesson ended)."""
    reason: str
    """The rule's condition text, ``default``, ``option``, ``back``, ``practice`` or ``end``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    """The current step as the learner should see it."""

    step: Step
    """The step (for a practice step, the step itself; see ``question``)."""
    question: Question | None
    """The question to answer, with its variant applied (practice: the current item)."""
    record: StepRecord
    """Attempts, hints and results so far (for practice: of the current item)."""
    hints: tuple[str, ...]
    """Hints shown so far."""
    hints_left: int
    """Hints not yet shown."""
    attempts_left: int | None
    """Attempts remaining (``None`` for unlimited)."""
    can_submit: bool
    """An answer may be submitted now."""
    can_advance: bool
    """The learner may move on."""
    can_go_back: bool
    """Going back is allowed and possible."""
    solution: str
    """The worked solution once it may be shown, else ``""``."""
    position: int
    """1-based position on the path taken so far."""
    practice_progress: tuple[int, int] | None = None
    """(items given, maximum items) on a practice step."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The result of one session action."""

    action: str
    """``start``, ``submit``, ``hint``, ``choose``, ``advance``, ``back``, ``restart``."""
    step_id: str
    """The step acted on."""
    result: Any = None
    """The :class:`~lessonkit.checks.CheckResult` of a submit."""
    decision: Decision | None = None
    """Where the session moved, if it moved."""
    hint: str | None = None
    """The hint shown by a ``hint`` action."""
    mastery: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Competency -> (before, after) for competencies this action updated."""
    finished: bool = False
    """The lesson is complete."""


def json_or_none(value: Any) -> Any:
    """``value`` if JSON can hold it as it is, else ``None`` (a raw response kept as evidence
    must replay exactly, so it is never replaced by a description of itself)."""
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value
