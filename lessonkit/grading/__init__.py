"""Grading: answer keys for student copies, live checking without keys, re-grading evidence.

Layer: above ``engine`` (events, attempt counting across sessions) and ``checks``; used by
``integrations.nbgrader``, the course service and the CLI. ``keys`` hides or hashes answers,
``live`` checks a student copy's answers without the key, ``regrade`` re-checks every
recorded answer of one learner (``learners`` picks whose, ``consistency`` checks the evidence
against what the engine allows), ``report`` holds what it concluded.
"""

from .keys import (
    HASHED,
    RECORDED,
    check_hashed,
    check_recorded,
    display_spec,
    gradable_problems,
    hidden_questions,
    live_mode,
    student_copy,
)
from .regrade import regrade
from .report import AttemptGrade, CompetencyGrade, GradeReport, QuestionGrade

__all__ = [
    "HASHED",
    "RECORDED",
    "AttemptGrade",
    "CompetencyGrade",
    "GradeReport",
    "QuestionGrade",
    "check_hashed",
    "check_recorded",
    "display_spec",
    "gradable_problems",
    "hidden_questions",
    "live_mode",
    "regrade",
    "student_copy",
]
