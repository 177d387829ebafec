"""Numbers as learners of a language write them: decimal comma, grouping, Arabic-Indic digits.

English reads exactly as before (the existing corpus, run again with ``language="en"``); other
languages are checked against Babel's (CLDR's) own formatting of random numbers.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.checks import Expression, Numeric, check
from lessonkit.checks.numerals import _TABLE, number_format
from lessonkit.checks.numeric import parse_number

from . import test_expression, test_mathparse, test_numeric

ENGLISH = (None, "en", "en-GB", "en_US")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _cases(function: Any) -> list[Any]:
    """The parameter values of an existing test of the English corpus."""
    (mark,) = [m for m in function.pytestmark if m.name == "parametrize"]
    return [case if isinstance(case, tuple) else (case,) for case in mark.args[1]]


def _same(a: Any, b: Any) -> bool:
    """Two check results alike (NaN-safe on details)."""
    return (a.correct, a.score, a.feedback, a.understood, a.response_text) == (
        b.correct,
        b.score,
        b.feedback,
        b.understood,
        b.response_text,
    )


# ------------------------------------------------------------------ English unchanged


@pytest.mark.parametrize("language", ENGLISH)
def test_the_english_numeric_corpus_reads_as_before(language: str | None) -> None:
    fmt = number_format(language)
    assert fmt is None
    for text, value in _cases(test_numeric.test_parse_number):
        assert parse_number(text, fmt) == parse_number(text)
        assert check(Numeric(answer=value), text, language=language).correct, text
    for (text,) in _cases(test_numeric.test_unparsable_text_is_not_understood):
        assert not check(Numeric(answer=5), text, language=language).understood


@pytest.mark.parametrize("language", ENGLISH[1:])
def test_the_english_expression_corpus_reads_as_before(language: str) -> None:
    spec = test_expression.LINEAR
    cases = [
        *_cases(test_expression.test_equivalent_forms_are_right),
        *_cases(test_expression.test_different_expressions_are_wrong),
        *_cases(test_expression.test_hostile_or_huge_input_is_refused_fast),
    ]
    for (text,) in cases:
        assert _same(check(spec, text, language=language), check(spec, text)), text
    xy = Expression(answer="x*y", variables=test_mathparse.XY)
    for text, *_ in [
        *_cases(test_mathparse.test_what_honest_learners_type_means_what_they_meant),
        *_cases(test_mathparse.test_refusals_say_why),
    ]:
        assert _same(check(xy, text, language=language), check(xy, text)), text


_NUMBERISH = st.text(alphabet="0123456789.,-+eE /x^*×٣٫٬ mµ\u202f\xa0\u2212", max_size=20)


@settings(max_examples=300, deadline=None)
@given(text=_NUMBERISH)
def test_english_reads_any_text_as_before(text: str) -> None:
    spec = Numeric(answer=1.5, units="m")
    assert _same(check(spec, text, language="en"), check(spec, text))


def test_english_keeps_its_comma_rules() -> None:
    # A lone comma is a decimal comma, groups of three are thousands: as before.
    assert parse_number("1,5") == (1.5, "")
    assert parse_number("1,500") == (1500.0, "")
    # In an expression a comma only separates the arguments of log.
    log = Expression(answer="log(8, 2)")
    assert check(log, "log(8,2)").correct
    said = check(Expression(answer="1.5"), "1,5")
    assert not said.understood and "commas separate arguments only" in said.feedback


# ------------------------------------------------------------------ other languages


def test_the_table_is_cldr_s() -> None:
    for tag, (decimal, group) in _TABLE.items():
        assert get_decimal_symbol(tag, numbering_system="latn") == decimal, tag
        assert get_group_symbol(tag, numbering_system="latn") == group, tag


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("de", "3,5", 3.5),
        ("de", "-3,5", -3.5),
        ("de", "\u22123,5", -3.5),
        ("de", "1.234,5", 1234.5),
        ("de", "1.234.567", 1_234_567.0),
        ("de", "1.500", 1500.0),  # the language's grouping
        ("de", "1.5", 1.5),  # not grouping: a decimal point, as programmers write
        ("de", "0.250", 0.25),  # a first group never starts with 0
        ("de", ",5", 0.5),
        ("de", "1,5e3", 1500.0),
        ("de", "6,02x10^23", 6.02e23),
        ("de", "3/4", 0.75),
        ("es", "2,75", 2.75),
        ("es", "12.345,6", 12345.6),
        ("fr", "1 234,5", 1234.5),
        ("fr", "1\u202f234,5", 1234.5),
        ("fr", "1\xa0234,5", 1234.5),
        ("fr", "1\u2009234,5", 1234.5),
        ("ar", "٣٫٥", 3.5),
        ("ar", "١٬٢٣٤٫٥", 1234.5),
        ("ar", "\u061c-٣٫٥", -3.5),
        ("ar", "3.5", 3.5),
        ("ar", "1,234.5", 1234.5),
        ("fa", "۳٫۵", 3.5),
        ("de-CH", "1’234.5", 1234.5),
        ("es-MX", "1,234.5", 1234.5),
    ],
)
def test_numbers_as_the_language_writes_them(language: str, text: str, value: float) -> None:
    parsed = parse_number(text, number_format(language))
    assert parsed is not None and parsed[1] == "", parsed
    assert parsed[0] == pytest.approx(value)
    assert check(Numeric(answer=value), text, language=language).correct


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "1,000,000"),  # a comma never groups in German
        ("de", "1,2,3"),
        ("de", "12.34.56"),
        ("de", "1 234,5"),  # a space does not group in German
        ("es", "3,5,"),
    ],
)
def test_what_the_language_cannot_mean_is_not_understood(language: str, text: str) -> None:
    said = check(Numeric(answer=3.5), text, language=language)
    assert not said.understood
    assert said.feedback == "Please enter a number, like 42, -3,5 or 1.234,5."


def test_units_after_a_decimal_comma() -> None:
    spec = Numeric(answer=9.81, units="m/s^2", relative_tolerance=0.01)
    said = check(spec, "9,81 m/s^2", language="de")
    assert said.correct and said.response_text == "9,81 m/s^2"  # echoed as typed


def test_a_german_3_5_is_right_and_feedback_echoes_it() -> None:
    said = check(Numeric(answer=3.5), " 3,5 ", language="de")
    assert said.correct and said.details["value"] == 3.5
    assert said.response_text == "3,5"
    wrong = check(Numeric(answer=3.5), "-3,5", language="de")
    assert wrong.feedback == "Check the sign of your answer."
    assert check(Numeric(answer=3.5), "3,5", language="fr").correct


def test_the_instructor_s_answer_is_always_read_the_english_way() -> None:
    spec = Numeric(answer="1,500")  # the author wrote English: fifteen hundred
    assert check(spec, "1.500", language="de").correct
    assert not check(spec, "1,500", language="de").correct  # one and a half in German


_LANGUAGES = ["de", "es", "fr", "pt", "it", "nl", "ru", "es-MX", "de-CH", "ar", "ja", "hi"]


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(_LANGUAGES),
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False),
    pattern=st.sampled_from(["#,##0.###", "0.###", "#,##0", "0.000"]),
)
def test_round_trip_through_babel_s_formatting(language: str, value: Decimal, pattern: str) -> None:
    text = format_decimal(value, format=pattern, locale=language.replace("-", "_"))
    parsed = parse_number(text, number_format(language))
    assert parsed is not None, text
    expected = float(value) if "." in pattern else float(round(value))
    assert parsed[0] == pytest.approx(expected, abs=1e-9), text
    assert parsed[1].strip() == "", text


@settings(max_examples=100, deadline=None)
@given(value=st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False))
def test_round_trip_in_arabic_indic_digits(value: Decimal) -> None:
    text = format_decimal(value, format="#,##0.##", locale="ar_EG", numbering_system="arab")
    text = text.translate(ARABIC_INDIC)  # Babel keeps Latin digits; Arabic pages do not
    assert not any(c in "0123456789" for c in text)
    parsed = parse_number(text, number_format("ar"))
    assert parsed is not None and math.isclose(parsed[0], float(value), abs_tol=1e-9), text


# ------------------------------------------------------------------ expressions


@pytest.mark.parametrize(
    ("language", "text", "answer"),
    [
        ("de", "3,5x", "3.5*x"),
        ("de", "2,5x^2 - 1", "2.5*x**2 - 1"),
        ("de", "log(8; 2)", "3"),
        ("de", "log(x; 2)", "log(x, 2)"),
        ("de", "log(x, 2)", "log(x, 2)"),  # a comma not between digits separates arguments
        ("de", "log(8,2)", "log(8.2)"),  # a comma between digits is a decimal comma
        ("de", "1.000x", "1000*x"),  # grouping, as in a numeric answer
        ("de", "0.5x", "x/2"),
        ("ar", "٣٫٥x", "3.5*x"),
        ("ar", "log(٨, ٢)", "3"),
    ],
)
def test_expressions_with_the_language_s_numbers(language: str, text: str, answer: str) -> None:
    said = check(Expression(answer=answer, variables=("x",)), text, language=language)
    assert said.understood, said.feedback
    assert said.correct, (text, said.details)
    assert said.response_text == text.strip()


def test_commas_german_cannot_read_say_how_to_write_it() -> None:
    for text in ("1,2,3", "x,5", "log(8,2,3)"):
        said = check(Expression(answer="x", variables=("x",)), text, language="de")
        assert not said.understood
        assert "comma (3,5)" in said.feedback and "log(x; 2)" in said.feedback, text


def test_a_language_babel_does_not_know_reads_as_its_base_or_english() -> None:
    fmt = number_format("de-XX")
    assert fmt is not None and (fmt.decimal, fmt.group) == (",", ".")
    fmt = number_format("zz")
    assert fmt is not None and fmt.english


def test_a_student_copy_s_hidden_key_reads_the_learner_s_numbers() -> None:
    import lessonkit as lk
    from lessonkit.grading.keys import student_copy

    lesson = lk.Lesson(
        id="graded",
        title="Graded",
        steps=(
            lk.Question(id="q", prompt="7/2?", check=Numeric(answer=1234.5), next="done"),
            lk.End(id="done"),
        ),
    )
    copy, how = student_copy(lesson, salt="s")
    assert how == {"q": "hashed"}
    german = lk.LessonSession(copy, learner="jo", language="de")
    german.start()
    assert german.submit("1.234,5").result.correct
    english = lk.LessonSession(copy, learner="jo")
    english.start()
    assert not english.submit("1.234,5").result.understood


def test_babel_is_loaded_only_for_languages_the_table_does_not_have() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from lessonkit.checks import Numeric, check;"
        "check(Numeric(answer=3.5), '3,5', language='de');"
        "check(Numeric(answer=3.5), '٣٫٥', language='ar');"
        "print('babel' in sys.modules);"
        "check(Numeric(answer=3.5), '3,5', language='ru');"
        "print('babel' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
