"""Ordering (Parsons) checks: exact order, partial credit by longest ordered run."""

from __future__ import annotations

import pytest

from lessonkit.checks import Ordering, check
from lessonkit.checks.ordering import longest_increasing

SPEC = Ordering(items=("a", "b", "c", "d", "e"))


def test_longest_increasing() -> None:
    assert longest_increasing([0, 1, 2]) == 3
    assert longest_increasing([2, 1, 0]) == 1
    assert longest_increasing([0, 3, 1, 2, 4]) == 4
    assert longest_increasing([]) == 0


@pytest.mark.parametrize(
    ("order", "score"),
    [
        (["a", "b", "c", "d", "e"], 1.0),
        (["e", "d", "c", "b", "a"], 0.0),
        (["b", "a", "c", "d", "e"], 0.75),
        (["a", "c", "b", "d", "e"], 0.75),
    ],
)
def test_partial_credit(order: list[str], score: float) -> None:
    result = check(SPEC, order)
    assert result.score == pytest.approx(score)
    assert result.correct is (score == 1.0)


def test_string_with_one_item_per_line_and_feedback() -> None:
    result = check(SPEC, "a\nc\nb\nd\ne\n")
    assert not result.correct
    assert "position 2" in result.feedback
    assert result.response_text == "a\nc\nb\nd\ne"


def test_all_or_nothing() -> None:
    spec = Ordering(items=("a", "b", "c"), partial_credit=False)
    assert check(spec, ["a", "c", "b"]).score == 0.0


@pytest.mark.parametrize(
    "response", [["a", "b"], ["a", "a", "b", "c", "d"], ["x", "b", "c", "d", "e"], 5, [1, 2]]
)
def test_incomplete_or_foreign_orders_are_not_understood(response: object) -> None:
    assert not check(SPEC, response).understood
