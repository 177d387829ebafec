"""Events → xAPI statements: valid for an independent validator, deterministic, reversible."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.evidence import (
    EXT,
    VERBS,
    XAPI_VERSION,
    event_to_statement,
    index_statement,
    statement_id,
    statement_to_event,
)
from lessonkit.evidence.events import EVENT_KINDS, LearnerRef

from .samples import ADA, REGISTRATION, make_event

ADL = "http://adlnet.gov/expapi/verbs/"
LESSON_IRI = "https://lessonkit.org/xapi/lessons/python-loops"


def validate(statement: dict[str, Any]) -> BaseXapiStatement:
    """Validate with ralph-malph's pydantic models of xAPI 1.0.x (raises if invalid)."""
    return BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))


@pytest.mark.parametrize("kind", sorted(EVENT_KINDS))
def test_every_kind_is_a_valid_xapi_statement(kind: str) -> None:
    statement = event_to_statement(make_event(kind, seq=3))
    model = validate(statement)
    assert str(model.id) == statement_id(REGISTRATION, 3)
    assert statement["version"] == XAPI_VERSION
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://hub.example.org/", "name": "ada"},
        "name": "Ada Lovelace",
    }
    assert statement["timestamp"] == "2025-03-01T09:30:03.123456Z"
    context = statement["context"]
    assert context["registration"] == REGISTRATION
    assert context["revision"] == "1.2.0"
    ext = context["extensions"]
    assert ext[EXT + "seq"] == 3
    assert ext[EXT + "lesson-version"] == "1.2.0"
    assert ext[EXT + "content-hash"] == "9f" * 32
    assert all(key.startswith(EXT) for key in ext)


EXPECTED = {
    # kind: (verb, object IRI suffix, result)
    "started": ("initialized", "", None),
    "resumed": ("resumed", "", None),
    "experienced": ("experienced", "/steps/for-intro", None),
    "answered": (
        "answered",
        "/steps/q-range",
        {
            "response": "5",
            "success": True,
            "score": {"scaled": 0.5, "raw": 1.0, "min": 0.0, "max": 2.0},
            "duration": "PT12.35S",
        },
    ),
    "hint": ("interacted", "/steps/q-range", None),
    "chose": ("preferred", "/steps/confidence", {"response": "confident"}),
    "mastery": (
        "mastered",
        "/competencies/for-loops",
        {"success": True, "score": {"scaled": 0.97, "raw": 0.97, "min": 0.0, "max": 1.0}},
    ),
    "navigated": ("progressed", "/steps/q-range", None),
    "passed": (
        "passed",
        "",
        {"success": True, "score": {"scaled": 0.75, "raw": 7.5, "min": 0.0, "max": 10.0}},
    ),
    "failed": (
        "failed",
        "",
        {"success": False, "score": {"scaled": 0.2, "raw": 2.0, "min": 0.0, "max": 10.0}},
    ),
    "completed": (
        "completed",
        "",
        {"completion": True, "score": {"scaled": 0.75, "raw": 7.5, "min": 0.0, "max": 10.0}},
    ),
}


@pytest.mark.parametrize("kind", sorted(EVENT_KINDS))
def test_verb_object_and_result_per_kind(kind: str) -> None:
    verb, suffix, result = EXPECTED[kind]
    statement = event_to_statement(make_event(kind))
    assert statement["verb"] == {"id": ADL + verb, "display": {"en-US": verb}}
    assert statement["object"]["id"] == LESSON_IRI + suffix
    assert statement.get("result") == result
    parents = statement["context"].get("contextActivities", {}).get("parent")
    if suffix:  # steps and competencies sit in their lesson
        assert parents == [{"objectType": "Activity", "id": LESSON_IRI}]
    else:
        assert statement["object"]["definition"]["type"].endswith("/activities/lesson")


def test_answer_details_are_extensions_and_the_question_an_interaction() -> None:
    statement = event_to_statement(make_event("answered"))
    assert statement["object"]["definition"] == {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": "numeric",
    }
    ext = statement["context"]["extensions"]
    assert ext[EXT + "attempt"] == 2
    assert ext[EXT + "hints-used"] == 1
    assert ext[EXT + "checker"] == "numeric"
    assert ext[EXT + "variant-seed"] == 1234
    assert ext[EXT + "competencies"] == ["for-loops", "accumulator"]
    assert EXT + "item-id" not in ext  # None values are left out


@pytest.mark.parametrize(
    ("checker", "interaction"),
    [
        ("choice", "choice"),
        ("text", "fill-in"),
        ("expression", "fill-in"),
        ("ordering", "sequencing"),
        ("free", "long-fill-in"),
        ("code", "other"),
        ("frame", "other"),
        ("custom", "other"),
        ("plugin-checker", None),
    ],
)
def test_interaction_types(checker: str, interaction: str | None) -> None:
    data = {"response": "x", "correct": False, "checker": checker}
    statement = event_to_statement(make_event("answered", data=data))
    validate(statement)
    assert statement["object"]["definition"].get("interactionType") == interaction


def test_mastery_not_reached_is_scored_with_before_and_after() -> None:
    data = {"competency": "while-loops", "before": 0.3, "after": 0.45, "mastered": False}
    statement = event_to_statement(make_event("mastery", data=data))
    validate(statement)
    assert statement["verb"]["id"] == ADL + "scored"
    assert statement["result"]["success"] is False
    assert statement["object"]["definition"]["type"].endswith("/activities/objective")
    ext = statement["context"]["extensions"]
    assert (ext[EXT + "competency"], ext[EXT + "mastery-before"], ext[EXT + "mastery-after"]) == (
        "while-loops",
        0.3,
        0.45,
    )
    other = statement["context"]["contextActivities"]["other"]
    assert other == [{"objectType": "Activity", "id": LESSON_IRI + "/steps/q-range"}]


def test_statement_ids_are_deterministic_and_distinct() -> None:
    a = event_to_statement(make_event("answered", seq=5))
    again = event_to_statement(make_event("answered", seq=5))
    assert a == again
    assert uuid.UUID(a["id"]).version == 5
    other_seq = event_to_statement(make_event("answered", seq=6))
    other_reg = event_to_statement(make_event("answered", seq=5, registration=str(uuid.uuid4())))
    assert len({a["id"], other_seq["id"], other_reg["id"]}) == 3
    # The id depends on (registration, seq) only: a retried write is the same statement.
    assert a["id"] == statement_id(REGISTRATION, 5)


@pytest.mark.parametrize("kind", sorted(EVENT_KINDS))
def test_round_trip_event_statement_event(kind: str) -> None:
    event = make_event(kind, seq=7)
    through_json = json.loads(json.dumps(event_to_statement(event)))
    assert statement_to_event(through_json) == event


def test_base_iri_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    event = make_event("experienced")
    statement = event_to_statement(event, base_iri="https://lrs.example.edu/courses/cs1/")
    assert (
        statement["object"]["id"]
        == "https://lrs.example.edu/courses/cs1/lessons/python-loops/steps/for-intro"
    )
    monkeypatch.setenv("LESSONKIT_XAPI_BASE", "https://x.example.org/xapi")
    assert event_to_statement(event)["object"]["id"].startswith(
        "https://x.example.org/xapi/lessons/"
    )
    assert statement_to_event(statement) == event  # ids do not depend on the base


def test_ids_that_are_not_iri_safe_are_escaped() -> None:
    event = make_event("experienced", lesson="cs 101/intro", step="step ü#1")
    statement = event_to_statement(event)
    validate(statement)
    assert statement["object"]["id"].endswith("/lessons/cs%20101%2Fintro/steps/step%20%C3%BC%231")
    assert index_statement(statement).lesson == "cs 101/intro"
    assert statement_to_event(statement) == event


def test_scores_out_of_range_are_kept_valid() -> None:
    data = {"response": "7", "correct": True, "score": 1.7, "points": 9, "max_points": 2}
    statement = event_to_statement(make_event("answered", data=data))
    validate(statement)
    assert statement["result"]["score"] == {"scaled": 1.0}  # raw > max is dropped, scaled clamped
    nan = {"response": "7", "correct": False, "score": math.nan, "points": 0, "max_points": 0}
    statement = event_to_statement(make_event("answered", data=nan))
    validate(statement)
    assert statement["result"]["score"] == {"raw": 0.0, "min": 0.0, "max": 0.0}


def test_empty_values_are_left_out() -> None:
    data = {"response": "", "correct": False, "duration": None, "competencies": []}
    statement = event_to_statement(make_event("answered", data=data))
    validate(statement)  # ralph rejects empty strings, dicts and nulls outside extensions
    assert "response" not in statement["result"]
    plain = event_to_statement(
        make_event("experienced", learner=LearnerRef(id="bob"), data={"visit": 2, "title": ""})
    )
    validate(plain)
    assert "name" not in plain["actor"]
    assert "definition" not in plain["object"]


def test_non_utc_timestamps_are_stored_in_utc() -> None:
    when = datetime(2025, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    statement = event_to_statement(make_event("started", when=when))
    assert statement["timestamp"] == "2025-03-01T09:30:00.000000Z"
    assert statement_to_event(statement).timestamp == when


def test_a_foreign_statement_is_not_turned_into_an_event() -> None:
    foreign = {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://lms.example", "name": "u1"}},
        "verb": {"id": ADL + "experienced"},
        "object": {"id": "https://lms.example/lessons/algebra/page/3"},
        "context": {"registration": str(uuid.uuid4())},
        "timestamp": "2025-01-01T10:00:00",
    }
    with pytest.raises(ValueError, match="not a lessonkit statement"):
        statement_to_event(foreign)
    index = index_statement(foreign)  # still storable: the lesson comes from the IRI
    assert (index.lesson, index.learner, index.seq) == ("algebra", "u1", -1)
    assert index.timestamp == "2025-01-01T10:00:00.000000Z"  # no zone: taken as UTC
    del foreign["context"]
    with pytest.raises(ValueError, match="cannot index"):
        index_statement(foreign)


def test_verbs_are_the_documented_ones() -> None:
    assert set(VERBS) == EVENT_KINDS | {"mastered"}
    assert all(iri.startswith(ADL) for iri in VERBS.values())


# ---------------------------------------------------------------------- property-based

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

answer_data = st.fixed_dictionaries(
    {
        "response": st.text(max_size=40),
        "raw": json_values,
        "correct": st.booleans(),
        "score": st.floats(0, 1),
        "points": st.floats(0, 10),
        "max_points": st.floats(0, 10),
        "attempt": st.integers(1, 20),
        "hints_used": st.integers(0, 5),
        "checker": st.sampled_from(["choice", "numeric", "text", "code", "custom"]),
        "variant_seed": st.none() | st.integers(0, 2**31),
        "competencies": st.lists(
            st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), max_size=3
        ),
        "duration": st.none() | st.floats(0, 1e5),
        "feedback": st.text(max_size=40),
        "item_id": st.none() | st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(EVENT_KINDS)),
    data=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    answer=answer_data,
    learner=st.text(min_size=1, max_size=30),
    seq=st.integers(0, 10**6),
    when=st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
        ),
    ),
)
def test_any_event_round_trips_and_validates(
    *,
    kind: str,
    data: dict[str, Any],
    answer: dict[str, Any],
    learner: str,
    seq: int,
    when: datetime,
) -> None:
    payload = answer if kind == "answered" else data
    event = make_event(
        kind,
        seq=seq,
        data=payload,
        learner=LearnerRef(id=learner, home_page=ADA.home_page),
        when=when,
    )
    statement = json.loads(json.dumps(event_to_statement(event)))
    validate(statement)
    assert statement_to_event(statement) == event
    assert index_statement(statement).seq == seq


def test_the_validator_is_strict_enough_to_catch_mistakes() -> None:
    """The independent validator rejects what a careless mapping would produce."""
    good = event_to_statement(make_event("answered"))
    validate(good)
    for damage in (
        lambda s: s["result"].update(response=""),
        lambda s: s["result"]["score"].update(scaled=1.5),
        lambda s: s["verb"].update(id="answered"),
        lambda s: s["context"].update(registration="not-a-uuid"),
    ):
        bad = json.loads(json.dumps(good))
        damage(bad)
        with pytest.raises(ValueError):
            validate(bad)
