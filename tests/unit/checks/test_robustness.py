"""Any input, every family: a CheckResult with a score in [0, 1] always comes back."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit import Feedback, Question, WrongAnswer
from lessonkit.checks import (
    Choice,
    Code,
    CodeTest,
    Custom,
    Expression,
    Frame,
    FreeResponse,
    Numeric,
    Ordering,
    Text,
    check,
    grade,
)

SPECS = [
    Choice(options=("a", "b", "c"), answer="b"),
    Choice(options=("a", "b", "c"), answer=("a", "b")),
    Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2"),
    Numeric(range=(0, 1), sig_figs=2),
    Text(answer=("colour", "color"), regex=r"hue\w*", fuzzy=0.8),
    Expression(answer="2*x + 2", variables=("x",)),
    Ordering(items=("first", "second", "third")),
    FreeResponse(min_words=2),
    Custom(checker=lambda response, answer: str(response) == answer, answer="ok"),
    Frame(answer={"n": [1, 2]}),
    Code(name="f", tests=(CodeTest(args=(1,), expect=2),)),
]

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=300)
    | st.sampled_from(["nan", "inf", "1e999", "9**9**9", "<script>x</script>", "\ud800", "x"])
)
responses = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


def _assert_sane(result: Any) -> None:
    assert 0.0 <= result.score <= 1.0 and math.isfinite(result.score)
    assert isinstance(result.correct, bool) and isinstance(result.understood, bool)
    assert isinstance(result.feedback, str)
    assert len(result.response_text) <= 10_000
    json.dumps(result.details["raw"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_index=st.integers(0, len(SPECS) - 2), response=responses)
def test_every_non_code_family_survives_anything(spec_index: int, response: Any) -> None:
    _assert_sane(check(SPECS[spec_index], response))


@settings(max_examples=8, deadline=None)
@given(response=st.text(max_size=200))
def test_code_family_survives_arbitrary_source(response: str) -> None:
    _assert_sane(check(SPECS[-1], response))


@settings(max_examples=60, deadline=None)
@given(response=responses, attempt=st.integers(1, 10), hints=st.integers(0, 5))
def test_grade_survives_anything(response: Any, attempt: int, hints: int) -> None:
    question = Question(
        id="q",
        prompt="?",
        check=Numeric(answer=5),
        attempt_scores=(1, 0.5),
        feedback=Feedback(wrong=(WrongAnswer(answer=6, message="One too many."),)),
    )
    result = grade(question, response, attempt=attempt, hints_used=hints, seed=None)
    _assert_sane(result)
    assert result.details["attempt"] == attempt
