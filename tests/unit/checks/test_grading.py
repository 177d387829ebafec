"""grade(): variants, targeted feedback, attempt schedules, solutions, robustness."""

from __future__ import annotations

import math

import pytest

from lessonkit import Feedback, Param, Question, WrongAnswer
from lessonkit.checks import Choice, Numeric, Text, grade
from lessonkit.checks.scoring import DEFAULT_CORRECT, DEFAULT_INCORRECT
from lessonkit.lesson.variants import draw, render

Q = Question(
    id="q",
    prompt="2 + 3?",
    check=Numeric(answer=5),
    max_attempts=3,
    attempt_scores=(1, 0.5, 0.25),
    solution="2 + 3 = 5",
    show_solution_after=2,
    feedback=Feedback(wrong=(WrongAnswer(answer=6, message="One too many."),)),
)


def test_correct_first_try_full_credit_and_default_message() -> None:
    result = grade(Q, "5", attempt=1, hints_used=0, seed=None)
    assert result.correct and result.score == 1.0
    assert result.feedback == DEFAULT_CORRECT
    assert result.details["attempt"] == 1 and result.details["hints_used"] == 0
    assert "solution" not in result.details


def test_targeted_feedback_matches_through_the_checker() -> None:
    result = grade(Q, "6.0", attempt=1, hints_used=1, seed=None)
    assert not result.correct
    assert result.feedback == "One too many."
    assert result.details["targeted"] is True
    assert result.details["hints_used"] == 1


def test_default_and_general_incorrect_messages() -> None:
    assert grade(Q, "7", attempt=1, hints_used=0, seed=None).feedback == DEFAULT_INCORRECT
    custom = Question(
        id="c",
        prompt="?",
        check=Text(answer="yes"),
        feedback=Feedback(correct="Well done.", incorrect="Read the text again."),
    )
    assert grade(custom, "yes", attempt=1, hints_used=0, seed=None).feedback == "Well done."
    assert (
        "Read the text again." in grade(custom, "no", attempt=1, hints_used=0, seed=None).feedback
    )


@pytest.mark.parametrize(("attempt", "score"), [(1, 1.0), (2, 0.5), (3, 0.25), (9, 0.25)])
def test_attempt_schedule(attempt: int, score: float) -> None:
    result = grade(Q, "5", attempt=attempt, hints_used=0, seed=None)
    assert result.correct and result.score == pytest.approx(score)
    assert result.details["unscaled_score"] == 1.0


def test_partial_credit_is_scaled_too() -> None:
    q = Question(
        id="m",
        prompt="?",
        check=Choice(options=("a", "b", "c"), answer=("a", "b")),
        attempt_scores=(1, 0.5),
    )
    result = grade(q, ["a"], attempt=2, hints_used=0, seed=None)
    assert result.score == pytest.approx(0.25)
    assert not result.correct


def test_solution_after_n_attempts_or_when_attempts_run_out() -> None:
    assert "solution" not in grade(Q, "1", attempt=1, hints_used=0, seed=None).details
    assert grade(Q, "1", attempt=2, hints_used=0, seed=None).details["solution"] == "2 + 3 = 5"
    late = Question(
        id="l", prompt="?", check=Numeric(answer=1), solution="s", show_solution_after=5,
        max_attempts=2,
    )  # fmt: skip
    assert grade(late, "0", attempt=2, hints_used=0, seed=None).details["solution"] == "s"
    never = Question(id="n", prompt="?", check=Numeric(answer=1), solution="s", max_attempts=1)
    assert "solution" not in grade(never, "0", attempt=1, hints_used=0, seed=None).details


def test_not_understood_is_no_attempt_and_shows_no_solution_early() -> None:
    result = grade(Q, "five-ish", attempt=2, hints_used=0, seed=None)
    assert not result.understood and result.score == 0
    assert "solution" not in result.details


def test_variant_is_regenerated_from_the_seed() -> None:
    q = Question(
        id="v",
        prompt="{{a}} + {{b}}",
        params={"a": Param(randint=(1, 50)), "b": Param(randint=(1, 50))},
        derived={"s": "a + b"},
        check=Numeric(answer="{{s}}"),
        feedback=Feedback(wrong=(WrongAnswer(answer="{{a}}", message="Only {{a}}?"),)),
    )
    values = draw(q, 1234)
    right, first = str(values["s"]), str(values["a"])
    assert grade(q, right, attempt=1, hints_used=0, seed=1234).correct
    shown = render(q, values)
    assert grade(shown, right, attempt=1, hints_used=0, seed=1234).correct
    wrong = grade(q, first, attempt=1, hints_used=0, seed=1234)
    assert wrong.feedback == f"Only {first}?" and wrong.details["variant_seed"] == 1234


class Hostile:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no")

    def __hash__(self) -> int:
        raise RuntimeError("no")

    def __repr__(self) -> str:
        raise RuntimeError("no")

    def __float__(self) -> float:
        raise RuntimeError("no")

    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    "response",
    [None, Hostile(), "x" * 1_000_000, math.nan, "<script>alert(1)</script>", "\ud800", "٣"],
)
def test_any_response_gives_a_result(response: object) -> None:
    for question in (Q, Question(id="t", prompt="?", check=Text(answer="a"))):
        result = grade(question, response, attempt=1, hints_used=0, seed=None)
        assert 0.0 <= result.score <= 1.0
        assert len(result.response_text) <= 10_000
        assert "<script>" not in result.feedback
