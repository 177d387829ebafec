"""What a grader concluded from one learner's evidence: the :class:`GradeReport` and its parts.

These are plain records filled in by :func:`lessonkit.grading.regrade`; the nbgrader grade
cells, ``lessonkit nbgrader grade`` and the course service's grade table read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["AttemptGrade", "CompetencyGrade", "GradeReport", "QuestionGrade"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptGrade:
    """One recorded answer, checked again."""

    question_id: str
    """The question (or practice item) answered."""
    registration: str
    """The session it was given in."""
    attempt: int
    """Attempt number, recounted across the learner's sessions (1 = first); an answer the key
    accepts is counted after every other answer to the question (the engine takes no answer
    after a right one), whatever the order the sessions' recorded times give."""
    hints_used: int
    """Hints shown before this answer, recounted from the events."""
    correct: bool
    """Correct according to the key (and counted as such: of several right answers to one
    question, only the last one counts as right)."""
    score: float
    """Score in [0, 1] according to the key, after the attempt schedule."""
    claimed_correct: bool | None
    """What the evidence file said (``None`` if it said nothing)."""
    answer: str = ""
    """The answer's statement id (a teacher's rubric grade names it)."""


@dataclass(slots=True, kw_only=True)
class QuestionGrade:
    """A graded question: its counted score over all sessions."""

    id: str
    max_points: float
    attempts: list[AttemptGrade] = field(default_factory=list)
    score: float = 0.0
    """Counted score in [0, 1] (attempt policy and hint penalty applied)."""
    recorded: bool = False
    """Recorded for grading in the student copy: its last answer counts, as a first attempt."""
    impossible: str = ""
    """Why the evidence of this question could not have been recorded by lessonkit (more
    answers than it allows, an event recorded twice with different contents, ...); such a
    question earns nothing. Empty when the evidence is consistent."""
    rubric_max: float = 0.0
    """Points of ``max_points`` a teacher's rubric grade gives (0 without a rubric); the
    check earns the rest."""
    rubric: Any = None
    """The teacher's rubric grade that counts (a
    :class:`~lessonkit.evidence.grades.RubricGrade`), if one was given."""
    checked: float = 0.0
    """The check's own score in [0, 1] (``score`` without a rubric; the share of the points
    above the rubric's maximum with one)."""

    @property
    def pending(self) -> bool:
        """Answered, with a rubric, and not graded by a teacher yet."""
        return self.rubric_max > 0 and self.rubric is None and bool(self.attempts)

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
    untrusted: list[str] = field(default_factory=list)
    """Questions giving evidence of this competency whose evidence lessonkit could not have
    recorded: their answers count as wrong, taken in after all other evidence, and the
    competency earns no points."""

    @property
    def mastered(self) -> bool:
        """Whether the recomputed mastery reached the threshold (never on untrusted evidence)."""
        return not self.untrusted and self.mastery >= self.threshold

    def fraction(self, scale: Literal["linear", "threshold"] = "linear") -> float:
        """Mastery mapped to [0, 1]: linearly from the prior to the threshold, or all or nothing.

        Always 0 when the competency rests on evidence lessonkit could not have recorded.
        """
        if self.untrusted:
            return 0.0
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
    student: str | None = None
    """The learner graded (their account name), or ``None`` when nobody was."""
    completed: bool = False
    """Some session of the graded learner reached an end step."""
    sessions: int = 0
    """The graded learner's sessions (registrations)."""
    answers: int = 0
    """Recorded answers re-checked."""
    learners: list[str] = field(default_factory=list)
    """Every learner id (and recorded nbgrader/JupyterHub identity) found in the evidence."""
    impossible: dict[str, str] = field(default_factory=dict)
    """Question or practice item id -> why lessonkit could not have recorded its evidence
    (each also a line of ``discrepancies``): it earns nothing."""
    discrepancies: list[str] = field(default_factory=list)
    """Evidence lessonkit could not have recorded (edited evidence): claims the re-check
    contradicts, more answers than a question allows, events recorded twice, ..."""
    gaps: list[str] = field(default_factory=list)
    """Sessions with missing events, and how they were counted."""
    identity: list[str] = field(default_factory=list)
    """Evidence of other learners (not counted), and sessions whose recorded identity is not
    the graded learner's."""
    problems: list[str] = field(default_factory=list)
    """Evidence that could not be used, and why (damaged lines, unknown questions)."""

    def question_points(self, ids: Iterable[str] | None = None) -> tuple[float, float]:
        """(earned, available) over the given graded questions (default: all of them)."""
        chosen = self.questions if ids is None else {i: self.questions[i] for i in ids}
        earned = sum(q.points for q in chosen.values())
        return earned, sum(q.max_points for q in chosen.values())

    def checked_points(self, ids: Iterable[str] | None = None) -> tuple[float, float]:
        """(earned, available) by the checks alone: a rubric's share, graded by a teacher
        elsewhere (an nbgrader task cell), is left out."""
        chosen = self.questions if ids is None else {i: self.questions[i] for i in ids}
        shares = [(q.max_points - q.rubric_max, q.checked) for q in chosen.values()]
        return sum(p * f for p, f in shares), sum(p for p, _ in shares)

    @property
    def flagged(self) -> list[str]:
        """Everything an instructor should look at, in one list."""
        return [*self.identity, *self.discrepancies, *self.gaps]
