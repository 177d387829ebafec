"""The lesson: frozen model, check specs, YAML source with positions, loader, validation.

Layer: the bottom of lessonkit. Imports only the standard library, PyYAML, jsonschema and
``lessonkit.errors``; the branching condition language (``conditions``) is part of it.
"""

from .loader import (
    LESSON_SUFFIXES,
    check_file,
    dumps_lesson,
    load_lesson,
    loads_lesson,
    save_lesson,
)
from .model import Lesson, Step
from .validate import lint

__all__ = [
    "LESSON_SUFFIXES",
    "Lesson",
    "Step",
    "check_file",
    "dumps_lesson",
    "lint",
    "load_lesson",
    "loads_lesson",
    "save_lesson",
]
