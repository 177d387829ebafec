"""Grading: answer keys for student copies, and re-grading of recorded evidence.

Layer: above ``engine``'s data (events) and ``checks``; used by ``integrations.nbgrader`` and
the CLI. ``keys`` hides or hashes answers; ``regrade`` re-checks every recorded answer.
"""

from .keys import (
    HASHED,
    RECORDED,
    check_hashed,
    check_recorded,
    display_spec,
    hidden_questions,
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
    "hidden_questions",
    "regrade",
    "student_copy",
]
