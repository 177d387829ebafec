"""Rules every model id and probability follows."""

from __future__ import annotations

import re

from ..errors import LessonDefinitionError

__all__ = ["ID_PATTERN", "check_id", "unit_interval"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
"""nbgrader's grade_id alphabet, so a step or competency id can double as a grade id."""


def check_id(kind: str, value: str) -> None:
    """Raise a clear error unless ``value`` is a valid id (``kind`` names what it identifies)."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise LessonDefinitionError(
            f"{kind} id {value!r} must be non-empty and use only letters, digits, '_' and '-'"
        )


def unit_interval(name: str, value: float) -> None:
    """Raise a clear error unless ``value`` is a probability."""
    if not 0.0 <= value <= 1.0:
        raise LessonDefinitionError(f"{name} must be between 0 and 1, got {value!r}")
