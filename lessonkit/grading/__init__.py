"""Grading: answer keys for student copies, live checking without keys, re-grading evidence.

Layer: above ``engine`` (events, attempt counting across sessions) and ``checks``; used by
``integrations.nbgrader`` and the CLI. ``keys`` hides or hashes answers, ``live`` checks a
student copy's answers without the key, ``regrade`` re-checks every recorded answer.
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
from .regrade import AttemptGrade, CompetencyGrade, GradeReport, QuestionGrade, regrade

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
