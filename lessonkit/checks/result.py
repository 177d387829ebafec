"""The outcome of checking one response: :class:`CheckResult`, plus helpers to build it.

A wrong answer is data, never an exception. Checkers build results with :func:`make_result`,
which clamps the score, fills ``details["raw"]`` with a JSON-safe, size-capped copy of the
response and derives ``response_text``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_RAW_CHARS",
    "MAX_TEXT_CHARS",
    "CheckResult",
    "jsonable",
    "make_result",
    "not_understood",
    "response_text_of",
    "safe_repr",
]

MAX_TEXT_CHARS = 10_000
"""``response_text`` and any single string in ``details["raw"]`` are cut to this length."""
MAX_RAW_CHARS = 2_000
"""Strings nested inside containers in ``details["raw"]`` are cut to this length."""
_MAX_ITEMS = 200
_MAX_DEPTH = 6


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The judgement on one response."""

    correct: bool
    """The response is fully right."""
    score: float
    """Credit in ``[0, 1]`` (partial credit; after the attempt schedule when from ``grade``)."""
    feedback: str = ""
    """Plain text / Markdown for the learner; never contains HTML built from the response."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Checker specifics; always ``raw`` (JSON-safe response), plus e.g. ``tests``, ``diff``."""
    understood: bool = True
    """False when the response could not be read (e.g. ``abc`` for a number): not an attempt."""
    response_text: str = ""
    """Canonical string form of the response, at most :data:`MAX_TEXT_CHARS` characters."""

    def __post_init__(self) -> None:
        score = float(self.score)
        if not math.isfinite(score):
            score = 0.0
        object.__setattr__(self, "score", min(1.0, max(0.0, score)))
        object.__setattr__(self, "correct", bool(self.correct))
        object.__setattr__(self, "understood", bool(self.understood))


def safe_repr(value: Any, limit: int = MAX_RAW_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters; never raises (a broken ``__repr__``)."""
    try:
        text = repr(value)
    except Exception:  # a learner's object may define any __repr__
        text = f"<unprintable {type(value).__name__}>"
    if not isinstance(text, str):  # pragma: no cover - repr() enforces str
        text = "<unprintable>"
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def jsonable(value: Any, *, limit: int = MAX_TEXT_CHARS, _depth: int = 0) -> Any:
    """A JSON-serialisable, size-capped copy of ``value`` (NaN/inf become strings)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _cut(_scrub(value), limit)
    if isinstance(value, int):
        return value if abs(value) < 2**63 else safe_repr(value, 64)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if _depth >= _MAX_DEPTH:
        return safe_repr(value, MAX_RAW_CHARS)
    inner = min(limit, MAX_RAW_CHARS)
    if isinstance(value, Mapping):
        try:
            items = list(value.items())[:_MAX_ITEMS]
            return {
                _cut(str(k), 200): jsonable(v, limit=inner, _depth=_depth + 1) for k, v in items
            }
        except Exception:  # a hostile mapping
            return safe_repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        try:
            seq = list(value)[:_MAX_ITEMS]
            if isinstance(value, (set, frozenset)):
                seq = sorted(seq, key=safe_repr)
            return [jsonable(v, limit=inner, _depth=_depth + 1) for v in seq]
        except Exception:
            return safe_repr(value)
    return safe_repr(value)


def _scrub(text: str) -> str:
    """Drop lone surrogates, which cannot be encoded as UTF-8 JSON."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def response_text_of(value: Any) -> str:
    """The canonical string form of a response for records: text as is, else a repr."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _cut(_scrub(value), MAX_TEXT_CHARS)
    if isinstance(value, (list, tuple)):
        try:
            if all(isinstance(v, str) for v in value[:_MAX_ITEMS]):
                return _cut(_scrub(" | ".join(value[:_MAX_ITEMS])), MAX_TEXT_CHARS)
        except Exception:
            pass
    return _scrub(safe_repr(value, MAX_TEXT_CHARS))


def make_result(
    response: Any,
    *,
    correct: bool,
    score: float | None = None,
    feedback: str = "",
    understood: bool = True,
    text: str | None = None,
    **details: Any,
) -> CheckResult:
    """Build a :class:`CheckResult` with ``raw`` and ``response_text`` filled in.

    ``score`` defaults to 1 or 0 by ``correct``; ``text`` overrides the canonical text.
    """
    details.setdefault("raw", jsonable(response))
    return CheckResult(
        correct=correct,
        score=(1.0 if correct else 0.0) if score is None else score,
        feedback=feedback,
        details=details,
        understood=understood,
        response_text=response_text_of(response) if text is None else _cut(text, MAX_TEXT_CHARS),
    )


def not_understood(response: Any, message: str, **details: Any) -> CheckResult:
    """A response that could not be read: no credit, and not counted as an attempt."""
    return make_result(response, correct=False, feedback=message, understood=False, **details)
