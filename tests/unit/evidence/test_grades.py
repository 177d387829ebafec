"""Rubric grades as xAPI statements: valid by Ralph's models, read back exactly, versioned,
voided, kept apart from session events, pseudonymised consistently, stored by every store."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import (
    GradeIndex,
    RubricGrade,
    grade_statement,
    grade_statement_id,
    is_grading_statement,
    statement_to_grade,
    void_statement,
)
from lessonkit.evidence.privacy import pseudonymise
from lessonkit.evidence.statements import EXT, event_to_statement, statement_id, statement_to_event
from lessonkit.evidence.stores import load_session_events, open_store

from .samples import ADA, REGISTRATION, T0, make_event

TESS = LearnerRef(id="tess", home_page="https://hub.example.org/", name="Tess Teacher")


def grade(version: int = 1, **changes: Any) -> RubricGrade:
    base = RubricGrade(
        learner=ADA,
        grader=TESS,
        lesson_id="python-loops",
        question_id="q-explain",
        registration=REGISTRATION,
        answer_seq=4,
        version=version,
        timestamp=T0 + timedelta(days=version),
        levels={"idea": "Clear", "wording": "Vague"},
        criterion_points={"idea": 3.0, "wording": 0.0},
        points=3.0,
        max_points=4.0,
        credit={"loops": 1.0, "writing": 0.0},
        comment="Good idea; say when it is tested.",
        lesson_version="1.2.0",
    )
    return dataclasses.replace(base, **changes)


def validate(statement: dict[str, Any]) -> BaseXapiStatement:
    return BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))


def test_a_grade_is_a_valid_statement_about_the_learner_by_the_instructor() -> None:
    statement = grade_statement(grade())
    validate(statement)
    assert statement["actor"]["account"] == {"homePage": "https://hub.example.org/", "name": "ada"}
    assert statement["context"]["instructor"]["account"]["name"] == "tess"
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/scored"
    assert statement["object"]["id"].endswith("/lessons/python-loops/steps/q-explain")
    assert statement["result"]["score"] == {"scaled": 0.75, "raw": 3.0, "min": 0.0, "max": 4.0}
    assert statement["result"]["extensions"][EXT + "comment"].startswith("Good idea")
    # the answer graded, by reference, in its own session (a grade adds no session)
    answer = statement_id(REGISTRATION, 4)
    assert statement["context"]["statement"] == {"objectType": "StatementRef", "id": answer}
    assert statement["context"]["registration"] == REGISTRATION
    assert statement_to_grade(statement) == grade()
    assert is_grading_statement(statement)
    with pytest.raises(ValueError):
        statement_to_event(statement)  # never taken for a session event


def test_ids_are_one_per_answer_and_version_and_a_regrade_voids_the_old_one() -> None:
    first, second = grade(1), grade(2, levels={"idea": "Partly", "wording": "Vague"}, points=1.0)
    assert first.id == grade_statement_id(statement_id(REGISTRATION, 4), 1)
    assert grade_statement(first)["id"] == grade_statement(grade(1))["id"] != second.id
    void = void_statement(first, second)
    validate(void)
    assert void["object"] == {"objectType": "StatementRef", "id": first.id}
    assert void["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    index = GradeIndex.of([grade_statement(first), grade_statement(second), void])
    assert index.grade_of(first.answer) == second
    assert index.versions[first.answer] == [first, second]
    assert index.next_version(first.answer) == 3
    # Voided without a replacement in sight: the earlier version stands.
    fallback = GradeIndex.of([grade_statement(first), void_statement(second, grade(3))])
    assert fallback.grade_of(first.answer) == first
    assert GradeIndex.of([void_statement(first, second), grade_statement(first)]).current == {}


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s["context"]["extensions"][EXT + "event"]["data"].pop("levels"),
        lambda s: s["context"].pop("instructor"),
        lambda s: s["context"]["extensions"][EXT + "event"]["data"].update(points="3"),
        lambda s: s["context"]["extensions"][EXT + "event"]["data"].update(version=True),
        lambda s: s["context"].update(registration="not-a-uuid"),
        lambda s: s.update(timestamp="yesterday"),
    ],
)
def test_a_malformed_grade_is_skipped_never_raised(damage: Any) -> None:
    statement = grade_statement(grade())
    damage(statement)
    assert statement_to_grade(statement) is None
    assert GradeIndex.of([statement, {"not": "a statement"}, 42]).current == {}  # type: ignore[list-item]


def test_pseudonymised_grades_still_point_at_their_answers() -> None:
    answer = event_to_statement(make_event("answered", seq=4))
    first, second = grade(1), grade(2)
    statements = [
        answer,
        grade_statement(first),
        void_statement(first, second),
        grade_statement(second),
    ]
    text = json.dumps(statements)
    out = list(pseudonymise(json.loads(text), b"salt"))
    flat = json.dumps(out)
    assert "tess" not in flat and '"ada"' not in flat and REGISTRATION not in flat
    new_answer, new_first, void, new_second = out
    assert new_second["context"]["statement"]["id"] == new_answer["id"]
    assert void["object"]["id"] == new_first["id"]
    index = GradeIndex.of(out)
    assert [g.answer for g in index.current.values()] == [new_answer["id"]]
    assert index.grade_of(new_answer["id"]).version == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("url", ["memory://", "sqlite:///{tmp}/e.db", "{tmp}/jsonl"])
def test_stores_keep_grades_beside_the_session_without_a_new_session(
    url: str, tmp_path: Path
) -> None:
    events = [
        make_event(kind, seq=i) for i, kind in enumerate(["started", "experienced", "answered"])
    ]
    with open_store(url.format(tmp=tmp_path)) as store:
        store.append([event_to_statement(e) for e in events])
        store.append([grade_statement(grade(1))])
        store.append([void_statement(grade(1), grade(2)), grade_statement(grade(2))])
        assert store.registrations(ADA, "python-loops") == [REGISTRATION]
        resumed = load_session_events(store, ADA, "python-loops")
        assert [e.kind for e in resumed] == ["started", "experienced", "answered"]
        index = GradeIndex.of(store.read(learner=ADA, lesson="python-loops"))
        assert index.grade_of(statement_id(REGISTRATION, 4)) == grade(2)


def test_the_examples_in_the_docs_are_what_the_code_writes() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "evidence.md").read_text()
    shown = re.findall(
        r"^### A (rubric grade|voided rubric grade)\n\n```json\n(.*?)\n```", doc, re.M | re.S
    )
    examples = {title: json.loads(text) for title, text in shown}
    assert examples["rubric grade"] == grade_statement(grade())
    assert examples["voided rubric grade"] == void_statement(grade(1), grade(2))
    for example in examples.values():
        validate(example)
    from lessonkit.evidence.replies import reply_statement

    reply = re.search(r"^### A reply to a grade\n.*?```json\n(.*?)\n```", doc, re.M | re.S)
    assert reply is not None
    text = "Thank you: I will say when the test runs."
    assert json.loads(reply.group(1)) == reply_statement(grade(), text, T0 + timedelta(days=2))
