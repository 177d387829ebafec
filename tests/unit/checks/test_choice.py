"""Choice checks: single choice, multiple select, partial credit, option feedback."""

from __future__ import annotations

import pytest

from lessonkit.checks import Choice, Option, check

SINGLE = Choice(
    options=(Option(value="a", text="Apple"), Option(value="b", feedback="B is a berry.")),
    answer="a",
)
MULTI = Choice(options=("a", "b", "c", "d"), answer=("a", "b", "c"))


def test_single_choice_by_value_or_text() -> None:
    assert check(SINGLE, "a").correct
    assert check(SINGLE, " apple ").correct
    assert check(SINGLE, "a").response_text == "a"


def test_single_wrong_pick_shows_option_feedback() -> None:
    result = check(SINGLE, "b")
    assert (result.correct, result.score, result.understood) == (False, 0.0, True)
    assert result.feedback == "B is a berry."


@pytest.mark.parametrize("response", ["z", None, 3, ["a"], "", "<script>"])
def test_single_choice_unknown_pick_is_not_understood(response: object) -> None:
    result = check(SINGLE, response)
    assert not result.understood and not result.correct


@pytest.mark.parametrize(
    ("picks", "score"),
    [
        (["a", "b", "c"], 1.0),
        (["a", "b"], 2 / 3),
        (["a", "b", "d"], 1 / 3),
        (["a", "d"], 0.0),
        (["a", "b", "c", "d"], 2 / 3),
        (["d"], 0.0),
    ],
)
def test_multiple_select_partial_credit(picks: list[str], score: float) -> None:
    result = check(MULTI, picks)
    assert result.score == pytest.approx(score)
    assert result.correct is (score == 1.0)


def test_multiple_select_accepts_sets_and_comma_text_and_ignores_duplicates() -> None:
    assert check(MULTI, {"c", "b", "a"}).correct
    assert check(MULTI, "a, b, c").correct
    assert check(MULTI, ["a", "a", "b", "c"]).correct


def test_multiple_select_without_partial_credit_is_all_or_nothing() -> None:
    spec = Choice(options=("a", "b", "c"), answer=("a", "b"), partial_credit=False)
    assert check(spec, ["a"]).score == 0.0


def test_multiple_select_feedback_counts_missing_and_extra() -> None:
    assert "1 right option is missing" in check(MULTI, ["a", "b"]).feedback
    assert "should not be there" in check(MULTI, ["a", "b", "c", "d"]).feedback


@pytest.mark.parametrize("response", [[], ["zzz"], 5, {"a": 1}, [None]])
def test_multiple_select_unreadable(response: object) -> None:
    assert not check(MULTI, response).understood
