"""Free responses: recorded, not graded; a word minimum."""

from __future__ import annotations

from lessonkit.checks import FreeResponse, check


def test_recorded_not_graded() -> None:
    result = check(FreeResponse(), "Loops repeat work.")
    assert result.correct and result.score == 1.0
    assert result.details["graded"] is False
    assert result.response_text == "Loops repeat work."


def test_minimum_words() -> None:
    spec = FreeResponse(min_words=5)
    short = check(spec, "too short")
    assert not short.understood
    assert "at least 5 words" in short.feedback and "wrote 2" in short.feedback
    assert check(spec, "one two three four five").correct


def test_empty_or_non_text() -> None:
    assert not check(FreeResponse(), "   ").understood
    assert not check(FreeResponse(), None).understood
