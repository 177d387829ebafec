"""Text checks: normalisation, alternatives, regular expressions, fuzzy matching."""

from __future__ import annotations

import pytest

from lessonkit.checks import Text, check
from lessonkit.checks.text import normalise


def test_normalisation_of_case_space_accents_and_full_stop() -> None:
    assert normalise("  Café   au  LAIT. ") == "cafe au lait"
    assert normalise("Ｂｒｅａｋ") == "break"  # full-width letters (NFKC)
    assert normalise("Café", case_sensitive=True, ignore_accents=False) == "Café"


def test_alternatives() -> None:
    spec = Text(answer=("break", "a break statement"))
    assert check(spec, "Break").correct
    assert check(spec, "a  break statement.").correct
    assert not check(spec, "continue").correct


def test_case_sensitive_and_accents_kept() -> None:
    spec = Text(answer="NaN", case_sensitive=True)
    assert check(spec, "NaN").correct
    assert not check(spec, "nan").correct
    assert not check(Text(answer="café", ignore_accents=False), "cafe").correct


def test_regex_full_match() -> None:
    spec = Text(regex=r"colou?r")
    assert check(spec, "Colour").correct
    assert not check(spec, "colours").correct


def test_fuzzy_accepts_small_typos_with_a_note() -> None:
    spec = Text(answer="photosynthesis", fuzzy=0.85)
    result = check(spec, "photosynthsis")
    assert result.correct
    assert "photosynthesis" in result.feedback
    assert result.details["similarity"] >= 0.85
    assert not check(spec, "respiration").correct


@pytest.mark.parametrize("response", ["", "   ", None, True, ["a"], "x" * 5000])
def test_unreadable_text(response: object) -> None:
    assert not check(Text(answer="a"), response).understood


def test_numbers_are_read_as_text() -> None:
    assert check(Text(answer="42"), 42).correct


def test_response_text_is_capped() -> None:
    result = check(Text(answer="a"), "a" * 1999)
    assert len(result.response_text) == 1999
