"""Grading cached while the branch search replays the same answers many times."""

from __future__ import annotations

from typing import Any
from unittest import mock


def _contents(namespace: Any) -> Any:
    """A cache key for what a notebook namespace holds: functions by their code (equal code
    compares equal), other values by repr. Not ``id(namespace)``: a freed namespace's id is
    reused by the next one, which then inherits its cached grades."""
    if namespace is None:
        return None
    held = sorted((k, v) for k, v in namespace.items() if not k.startswith("__"))
    return tuple((k, getattr(v, "__code__", None) or repr(v)) for k, v in held)


class CachedGrading:
    """While searching, each (question, answer) is graded once: the search replays prefixes
    many times and code checks take a sandboxed process each. The chosen scripts are then
    replayed with the real, uncached grading."""

    def __enter__(self) -> None:
        from lessonkit import checks

        real = checks.grade
        cache: dict[Any, Any] = {}

        def grade(question: Any, response: Any, **kwargs: Any) -> Any:
            key = (
                question.id,
                repr(response),
                kwargs.get("attempt"),
                kwargs.get("hints_used"),
                kwargs.get("seed"),
                _contents(kwargs.get("namespace")),
            )
            if key not in cache:
                cache[key] = real(question, response, **kwargs)
            return cache[key]

        self._patch = mock.patch.object(checks, "grade", grade)
        self._patch.start()

    def __exit__(self, *exc: object) -> None:
        self._patch.stop()
