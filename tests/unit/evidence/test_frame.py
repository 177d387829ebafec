"""Statements → a flat DataFrame."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.evidence import FRAME_COLUMNS, event_to_statement, statements_to_frame
from lessonkit.evidence.events import EVENT_KINDS
from lessonkit.evidence.statements import EXT

from .samples import REGISTRATION, make_event


def test_one_row_per_statement_with_flat_columns() -> None:
    kinds = sorted(EVENT_KINDS)
    statements = [event_to_statement(make_event(k, seq=i)) for i, k in enumerate(kinds)]
    frame = statements_to_frame(iter(statements))  # a lazy iterator is enough
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == len(kinds)
    assert list(frame["kind"]) == kinds
    assert str(frame["timestamp"].dtype) == "datetime64[us, UTC]"
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2025-03-01T09:30:00.123456Z")
    assert (frame["learner"] == "ada").all()
    assert (frame["registration"] == REGISTRATION).all()
    assert list(frame["seq"]) == list(range(len(kinds)))

    answered = frame[frame["kind"] == "answered"].iloc[0]
    assert answered["verb"] == "answered"
    assert answered["step"] == "q-range"
    assert answered["response"] == "5"
    assert answered["success"]
    assert (answered["score_raw"], answered["score_max"], answered["score_scaled"]) == (
        1.0,
        2.0,
        0.5,
    )
    assert answered["duration_s"] == pytest.approx(12.345)
    assert (answered["attempt"], answered["hints"]) == (2, 1)
    assert answered["competency"] == "for-loops,accumulator"
    assert answered["checker"] == "numeric"
    assert answered["variant_seed"] == 1234

    mastery = frame[frame["kind"] == "mastery"].iloc[0]
    assert mastery["verb"] == "mastered"
    assert (mastery["competency"], mastery["mastery_before"], mastery["mastery_after"]) == (
        "for-loops",
        0.62,
        0.97,
    )
    assert math.isnan(mastery["duration_s"])
    assert pd.isna(mastery["attempt"])

    completed = frame[frame["kind"] == "completed"].iloc[0]
    assert completed["completion"]
    assert pd.isna(completed["success"])
    assert completed["lesson_version"] == "1.2.0"


def test_dtypes_are_nullable_and_stable() -> None:
    frame = statements_to_frame([event_to_statement(make_event("answered"))])
    assert str(frame["success"].dtype) == "boolean"
    for name in ("attempt", "hints", "variant_seed", "seq"):
        assert str(frame[name].dtype) == "Int64", name
    for name in ("score_raw", "score_scaled", "mastery_after", "duration_s"):
        assert frame[name].dtype == "float64", name


def test_no_statements_give_an_empty_frame_with_the_columns() -> None:
    frame = statements_to_frame([])
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == 0


def test_foreign_and_odd_statements_become_na_not_errors() -> None:
    odd = {
        "id": "x",
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": "http://example.org/verbs/poked"},
        "object": {"id": "http://example.org/thing"},
        "result": {"success": "yes", "score": {"raw": "high"}},
        "context": {"extensions": {"https://lessonkit.org/xapi/ext/attempt": "two"}},
        "timestamp": "2025-01-01T00:00:00Z",
    }
    good = event_to_statement(make_event("answered"))
    frame = statements_to_frame([odd, good])
    assert frame["verb"].tolist() == ["poked", "answered"]
    assert pd.isna(frame["learner"].iloc[0])
    assert pd.isna(frame["success"].iloc[0]) and frame["success"].iloc[1]
    assert math.isnan(frame["score_raw"].iloc[0]) and frame["score_raw"].iloc[1] == 1.0
    assert pd.isna(frame["attempt"].iloc[0]) and frame["attempt"].iloc[1] == 2


_ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=3),
    st.sampled_from(["2025-01-01T00:00:00Z", "2025-01-01T00:00:00.123456789Z", "x"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.tuples(_ODD, _ODD, _ODD, _ODD), min_size=1, max_size=12), cut=st.data())
def test_a_frame_is_the_concatenation_of_the_frames_of_its_parts(
    values: list[tuple[Any, Any, Any, Any]], cut: st.DataObject
) -> None:
    """Each value is converted on its own: how statements are split never changes a row."""
    statements = []
    for i, (success, score, attempt, stamp) in enumerate(values):
        statement = event_to_statement(make_event("answered", seq=i))
        statement["result"]["success"] = success
        statement["result"]["score"]["raw"] = score
        statement["context"]["extensions"]["https://lessonkit.org/xapi/ext/attempt"] = attempt
        statement["timestamp"] = stamp
        statements.append(statement)
    at = cut.draw(st.integers(0, len(statements)))
    whole = statements_to_frame(statements)
    parts = [statements_to_frame(statements[:at]), statements_to_frame(statements[at:])]
    joined = pd.concat([p for p in parts if len(p)], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)


@pytest.mark.parametrize(
    "odd",
    [
        {"id": "a", "actor": 1},
        {"id": "b", "actor": {"account": "ada"}, "verb": {"id": 5}, "result": []},
        {"id": "c", "context": {"extensions": {EXT + "competencies": ["x", 3, None]}}},
        {"id": "d", "context": {"extensions": {EXT + "event": "answered"}}},
        {"id": "e", "context": [], "result": {"score": 1}},
    ],
)
def test_statements_of_other_shapes_give_a_row_not_an_error(odd: dict[str, Any]) -> None:
    """An edited evidence file is read by the instructor's report: it must not stop it."""
    frame = statements_to_frame([odd, event_to_statement(make_event("answered"))])
    assert frame["id"].tolist() == [odd["id"], frame["id"].iloc[1]]
    assert frame["success"].iloc[1]
