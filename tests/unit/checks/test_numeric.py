"""Numeric checks: parsing, tolerances, significant figures, ranges, units, NaN/inf."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from lessonkit.checks import Numeric, check
from lessonkit.checks.numeric import parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42.0),
        ("-3.5", -3.5),
        ("\u22123.5", -3.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("6.02x10^23", 6.02e23),
        ("6.02×10^(-3)", 6.02e-3),
        ("6.02*10**23", 6.02e23),
        ("3/4", 0.75),
        ("1,000,000.5", 1_000_000.5),
        ("3,14", 3.14),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed is not None
    assert parsed[0] == pytest.approx(value)
    assert parsed[1] == ""


@pytest.mark.parametrize("text", ["abc", "five-ish", "", "- 5", "1/0", "1__0"])
def test_unparsable_text_is_not_understood(text: str) -> None:
    result = check(Numeric(answer=5), text)
    assert not result.understood
    assert not result.correct and result.score == 0


def test_exact_and_equivalent_forms() -> None:
    spec = Numeric(answer=1000)
    for response in ("1000", "1e3", "1,000", " 1000.0 ", 1000, 1000.0, Decimal(1000)):
        assert check(spec, response).correct, response
    assert not check(spec, "1001").correct


def test_computed_answers_need_no_tolerance_for_float_noise() -> None:
    assert check(Numeric(answer=0.1 + 0.2), "0.3").correct


def test_absolute_and_relative_tolerance() -> None:
    assert check(Numeric(answer=10, tolerance=0.5), "10.5").correct
    assert not check(Numeric(answer=10, tolerance=0.5), "10.51").correct
    assert check(Numeric(answer=200, relative_tolerance=0.01), "198").correct
    assert not check(Numeric(answer=200, relative_tolerance=0.01), "197.9").correct


def test_significant_figures() -> None:
    spec = Numeric(answer=math.pi, sig_figs=3)
    assert check(spec, "3.14").correct
    assert check(spec, "3.1415").correct
    assert not check(spec, "3.15").correct


def test_range_and_fraction() -> None:
    spec = Numeric(range=(0.3, 0.4))
    assert check(spec, "1/3").correct
    assert check(spec, Fraction(2, 5)).correct
    assert not check(spec, "0.41").correct


def test_units() -> None:
    spec = Numeric(answer=9.8, tolerance=0.05, units="m/s^2")
    assert check(spec, "9.8 m/s^2").correct
    assert check(spec, "9.8 m/s**2").correct
    assert check(spec, "9.8m / s²").correct
    assert check(spec, "9.8").correct  # units optional unless required
    wrong_unit = check(spec, "9.8 km/h")
    assert wrong_unit.understood and not wrong_unit.correct
    assert "unit" in wrong_unit.feedback
    required = Numeric(answer=9.8, units="m/s^2", require_units=True)
    assert not check(required, "9.8").understood


def test_a_unit_where_none_is_asked_is_not_understood() -> None:
    assert not check(Numeric(answer=5), "5 apples").understood
    assert not check(Numeric(answer=1.2), "1.2.3").understood


@pytest.mark.parametrize("response", ["nan", "inf", "-inf", "1e999", math.nan, math.inf])
def test_nan_and_inf_are_wrong_not_errors(response: object) -> None:
    result = check(Numeric(answer=5, tolerance=1e9), response)
    assert result.understood
    assert not result.correct
    assert result.details["raw"] in (response, repr(response))


def test_sign_error_gets_a_hint() -> None:
    assert "sign" in check(Numeric(answer=-4), "4").feedback


def test_template_answer_string_is_read() -> None:
    assert check(Numeric(answer="12"), "12").correct


@pytest.mark.parametrize("response", [True, None, [1], "9" * 5000, object()])
def test_non_numbers_are_not_understood(response: object) -> None:
    assert not check(Numeric(answer=1), response).understood
