"""Frame checks: pandas comparisons with tolerance, order options and a readable diff."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lessonkit.checks import Frame, check

SPEC = Frame(answer={"name": ["a", "b", "c"], "n": [1, 2, 3]})


def test_equal_frames_with_dtype_and_float_slack() -> None:
    assert check(SPEC, pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 2, 3]})).correct
    assert check(SPEC, pd.DataFrame({"name": ["a", "b", "c"], "n": [1.0, 2, 3 + 1e-12]})).correct
    assert check(SPEC, {"name": ["a", "b", "c"], "n": [1, 2, 3]}).correct


def test_index_is_ignored_unless_asked_for() -> None:
    filtered = pd.DataFrame({"name": ["x", "a", "b", "c"], "n": [0, 1, 2, 3]}).iloc[1:]
    assert check(SPEC, filtered).correct
    labelled = Frame(answer={"n": [1, 2]}, index=("p", "q"))
    assert check(labelled, pd.DataFrame({"n": [1, 2]}, index=["p", "q"])).correct
    result = check(labelled, pd.DataFrame({"n": [1, 2]}))
    assert not result.correct and "index" in result.feedback


def test_diff_names_the_first_differing_cells() -> None:
    result = check(SPEC, pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 5, 3]}))
    assert not result.correct
    assert "row 1, column 'n': expected 2, got 5" in result.feedback
    assert result.details["diff"]["cells"][0] == {
        "row": 1,
        "column": "n",
        "expected": 2,
        "got": 5,
    }
    json.dumps(dict(result.details))  # the evidence layer stores details as JSON


def test_missing_extra_columns_and_shape() -> None:
    result = check(SPEC, pd.DataFrame({"name": ["a"], "m": [1]}))
    assert "Missing column: 'n'." in result.feedback and "'m'" in result.feedback
    assert (
        "Expected 3 rows, got 2"
        in check(SPEC, pd.DataFrame({"name": ["a", "b"], "n": [1, 2]})).feedback
    )


def test_order_options() -> None:
    shuffled = pd.DataFrame({"n": [3, 1, 2], "name": ["c", "a", "b"]})
    assert "order" in check(SPEC, shuffled).feedback
    loose = Frame(answer=dict(SPEC.answer), check_row_order=False, check_column_order=False)
    assert check(loose, shuffled).correct


def test_series_answers() -> None:
    spec = Frame(answer={"total": [1, 2]}, series=True)
    assert check(spec, pd.Series([1, 2], name="anything")).correct
    assert not check(spec, pd.Series([1, 3])).correct
    assert not check(spec, pd.DataFrame({"a": [1, 2], "b": [1, 2]})).correct


def test_strict_dtype_and_raw_summary() -> None:
    strict = Frame(answer={"n": [1, 2]}, check_dtype=True)
    result = check(strict, pd.DataFrame({"n": [1.0, 2.0]}))
    assert not result.correct and result.feedback
    assert result.details["raw"]["shape"] == [2, 1]


@pytest.mark.parametrize("response", [None, 5, "a,b", [[1, 2], [3]]])
def test_not_a_frame(response: object) -> None:
    result = check(SPEC, response)
    assert not result.understood or not result.correct
