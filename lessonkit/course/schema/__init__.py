"""The published JSON Schema of course files (``course.v1.json``), checked before anything else.

Schema errors get the same plain messages as lesson files (``lessonkit.lesson.schema.explain``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ...lesson.schema import REPOSITORY_FILES, SchemaProblem, explain

__all__ = [
    "COURSE_FORMAT_VERSION",
    "COURSE_SCHEMA_URL",
    "course_schema",
    "course_schema_path",
    "schema_problems",
]

COURSE_FORMAT_VERSION = 1
"""The ``lessonkit-course:`` key of a course file."""

COURSE_SCHEMA_URL = (
    f"{REPOSITORY_FILES}lessonkit/course/schema/course.v{COURSE_FORMAT_VERSION}.json"
)
"""The published course schema, for a course file's ``$schema`` line (see
:data:`lessonkit.lesson.schema.SCHEMA_URL`)."""


def course_schema_path() -> str:
    """The course schema file installed with lessonkit (for editors working offline)."""
    return str(resources.files(__package__).joinpath(f"course.v{COURSE_FORMAT_VERSION}.json"))


@cache
def course_schema() -> dict[str, Any]:
    """The course JSON Schema (draft 2020-12) as a dict."""
    name = f"course.v{COURSE_FORMAT_VERSION}.json"
    schema: dict[str, Any] = json.loads(resources.files(__package__).joinpath(name).read_text())
    return schema


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(course_schema())


def schema_problems(data: Any) -> list[SchemaProblem]:
    """Every schema violation in ``data`` as (path, message, at_key)."""
    found: list[SchemaProblem] = []
    for error in _validator().iter_errors(data):
        for path, message, at_key in explain(error):
            text = message
            if path == ("lessonkit-course",) and "must be" in message:
                text = (
                    f"unsupported course format version {error.instance!r}; this lessonkit "
                    f"reads version {COURSE_FORMAT_VERSION} (write 'lessonkit-course: 1')"
                )
            found.append((path, text, at_key))
    return found
