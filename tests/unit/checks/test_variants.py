"""Variants: deterministic seeds, drawing, the safe derived-value evaluator, rendering."""

from __future__ import annotations

import pytest

from lessonkit import Feedback, Param, Question, WrongAnswer
from lessonkit.checks import Choice, Code, CodeTest, Numeric, Text
from lessonkit.errors import LessonDefinitionError
from lessonkit.lesson.variants import draw, evaluate, format_value, render, variant_seed

QUESTION = Question(
    id="add",
    prompt="{{a}} + {{ b }} = ?",
    hints=("Start from {{a}}.",),
    solution="{{a}} + {{b}} = {{s}}",
    params={"a": Param(randint=(1, 9)), "b": Param(randint=(10, 20))},
    derived={"s": "a + b", "half": "s / 2"},
    check=Numeric(answer="{{s}}"),
    feedback=Feedback(wrong=(WrongAnswer(answer="{{a}}", message="That is only {{a}}."),)),
)


def test_variant_seed_is_deterministic_and_63_bit() -> None:
    seed = variant_seed("ada", "lesson", "q1", 0)
    assert seed == variant_seed("ada", "lesson", "q1", 0)
    assert 0 <= seed < 2**63
    others = {variant_seed("ada", "lesson", "q1", v) for v in range(1, 50)}
    assert seed not in others and len(others) == 49
    assert variant_seed("bob", "lesson", "q1", 0) != seed


def test_draw_respects_ranges_and_derives() -> None:
    for seed in range(200):
        values = draw(QUESTION, seed)
        assert 1 <= values["a"] <= 9 and 10 <= values["b"] <= 20
        assert values["s"] == values["a"] + values["b"]
        assert values["half"] == values["s"] / 2
    assert draw(QUESTION, 7) == draw(QUESTION, 7)
    assert len({draw(QUESTION, s)["a"] for s in range(100)}) == 9  # inclusive bounds


def test_uniform_is_rounded_and_choice_picks_a_value() -> None:
    q = Question(
        id="q",
        prompt="{{g}} {{w}}",
        check=Text(answer="{{w}}"),
        params={"g": Param(uniform=(9.7, 9.9), decimals=1), "w": Param(choice=("x", "y"))},
    )
    values = draw(q, 3)
    assert values["g"] in (9.7, 9.8, 9.9)
    assert values["w"] in ("x", "y")


def test_render_substitutes_everywhere_and_is_idempotent() -> None:
    values = {"a": 3, "b": 12, "s": 15, "half": 7.5}
    shown = render(QUESTION, values)
    assert shown.prompt == "3 + 12 = ?"
    assert shown.hints == ("Start from 3.",)
    assert shown.solution == "3 + 12 = 15"
    assert isinstance(shown.check, Numeric) and shown.check.answer == 15
    assert shown.feedback.wrong[0] == WrongAnswer(answer=3, message="That is only 3.")
    assert not shown.params and not shown.derived
    assert render(shown, {}) == shown
    assert render(shown, values) == shown


def test_render_keeps_text_answers_as_text_and_fills_code_tests() -> None:
    q = Question(
        id="q",
        prompt="?",
        check=Choice(options=("{{a}}", "x"), answer="{{a}}"),
        params={"a": Param(randint=(1, 1))},
    )
    spec = render(q, {"a": 1}).check
    assert isinstance(spec, Choice) and spec.answer == "1" and spec.options[0].value == "1"
    code = Question(
        id="c",
        prompt="?",
        check=Code(name="f", tests=(CodeTest(args=("{{a}}",), expect="{{a}}"),)),
        params={"a": Param(randint=(4, 4))},
    )
    test = render(code, {"a": 4}).check.tests[0]  # type: ignore[attr-defined]
    assert (test.args, test.expect) == ((4,), 4)


def test_format_value_has_no_float_noise() -> None:
    assert format_value(7.0) == "7"
    assert format_value(0.1 + 0.2) == "0.3"
    assert format_value("x") == "x"


@pytest.mark.parametrize(
    ("expression", "value"),
    [("a * b - 1", 5), ("-a ** 2", -4), ("round(b / 3, 2)", 1.0), ("max(a, b) % 2", 1)],
)
def test_evaluate(expression: str, value: float) -> None:
    assert evaluate(expression, {"a": 2, "b": 3}) == value


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "a.__class__",
        "[1, 2]",
        "open('x')",
        "9 ** 9 ** 9",
        "10 ** 200 * 10 ** 200",
        "lambda: 1",
        "c + 1",
        "1 / 0",
        "(",
        "'a' * 10",
        "x" * 600,
    ],
)
def test_evaluate_refuses_anything_else(expression: str) -> None:
    with pytest.raises(LessonDefinitionError):
        evaluate(expression, {"a": 2})
