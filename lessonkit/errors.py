"""The lessonkit error tree.

Every error lessonkit raises on purpose derives from :class:`LessonkitError`, and
also from the builtin exception it most resembles, so callers can catch either::

    LessonkitError
     ├── LessonDefinitionError (ValueError)   a lesson file or model is wrong
     ├── SessionStateError     (RuntimeError) an action does not fit the session's state
     ├── StorageError          (OSError)      evidence could not be read or written
     └── PluginError           (LookupError)  a named checker/store/policy is unknown or broken

A wrong answer is never an error: checkers return a ``CheckResult``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LessonDefinitionError",
    "LessonkitError",
    "PluginError",
    "Problem",
    "SessionStateError",
    "StorageError",
]


class LessonkitError(Exception):
    """Base class of every error lessonkit raises deliberately."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a lesson, located as precisely as we can.

    ``line`` and ``column`` are 1-based; 0 means "unknown" (e.g. a lesson built in Python).
    """

    message: str
    """What is wrong and, where possible, how to fix it."""
    source: str = "<lesson>"
    """File name, or ``<lesson>`` for a lesson built with the Python API."""
    line: int = 0
    """1-based line of the offending node."""
    column: int = 0
    """1-based column of the offending node."""
    path: tuple[str | int, ...] = ()
    """Location in the document as keys and indices, e.g. ``("steps", 3, "next")``."""
    severity: str = "error"
    """``"error"`` (the lesson does not load) or ``"warning"`` (it loads; something in it
    is probably not what the author meant, e.g. a rule that can never fire)."""

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        if self.line:
            return f"{self.source}:{self.line}:{self.column}: {message}"
        where = "/".join(str(p) for p in self.path)
        return f"{self.source}: {where + ': ' if where else ''}{message}"


class LessonDefinitionError(LessonkitError, ValueError):
    """A lesson (file or Python-built) is malformed; carries every problem found."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SessionStateError(LessonkitError, RuntimeError):
    """An action does not fit the session's current state (e.g. answering a content step)."""


class StorageError(LessonkitError, OSError):
    """Evidence could not be written or read."""


class PluginError(LessonkitError, LookupError):
    """A registered checker, store or policy is unknown or failed to load."""
