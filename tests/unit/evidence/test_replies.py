"""A learner's reply to a teacher's comment, and the feedback read from evidence: valid xAPI
by Ralph's models, one reply per grade, never a session event, new until the learner is back."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.course.feedback import ReplyRefusedError, send_reply
from lessonkit.evidence.grades import grade_statement, is_grading_statement, void_statement
from lessonkit.evidence.privacy import pseudonymise
from lessonkit.evidence.replies import (
    MAX_REPLY,
    ReplyTextError,
    feedback_of,
    reply_id,
    reply_statement,
    statement_to_reply,
)
from lessonkit.evidence.statements import EXT, event_to_statement, statement_to_event
from lessonkit.evidence.stores import load_session_events, open_store

from .samples import ADA, T0, make_event
from .test_grades import grade


def test_a_reply_is_a_valid_statement_by_the_learner_about_the_grade() -> None:
    g = grade()
    statement = reply_statement(g, "  Thanks, I see.\r\nI will fix it. ", T0 + timedelta(days=3))
    BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))
    assert statement["actor"]["account"]["name"] == ADA.id
    assert statement["object"] == {"objectType": "StatementRef", "id": g.id}
    assert statement["verb"]["id"].endswith("/commented")
    assert statement["result"]["response"] == "Thanks, I see.\nI will fix it."
    assert statement["id"] == reply_id(g.id)  # one reply per grade
    assert is_grading_statement(statement)  # read apart, never a session event
    with pytest.raises(ValueError):
        statement_to_event(statement)
    reply = statement_to_reply(statement)
    assert reply is not None and reply.grade == g.id and reply.text.endswith("fix it.")


@pytest.mark.parametrize(
    ("text", "said", "reason"),
    [
        ("   ", "write a reply", "empty"),
        ("x" * (MAX_REPLY + 1), "at most", "too-long"),
        (["a list"], "is text", "not-text"),
    ],
)
def test_an_empty_long_or_odd_reply_is_refused(text: Any, said: str, reason: str) -> None:
    with pytest.raises(ReplyTextError, match=said) as refused:
        reply_statement(grade(), text, T0)
    assert refused.value.reason == reason  # what a page says in the learner's language
    assert refused.value.length == (MAX_REPLY + 1 if reason == "too-long" else 0)


def test_a_grade_without_a_comment_takes_no_reply() -> None:
    with pytest.raises(ValueError, match="no comment"):
        reply_statement(grade(comment=""), "why?", T0)


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s["context"]["extensions"].clear(),
        lambda s: s.update(id="00000000-0000-4000-8000-000000000000"),  # not the grade's reply
        lambda s: s["context"]["extensions"][next(iter(s["context"]["extensions"]))].update(
            data={"grade": 3, "text": None}
        ),
        lambda s: s.pop("timestamp"),
    ],
)
def test_a_malformed_reply_is_skipped_never_raised(damage: Any) -> None:
    statement = reply_statement(grade(), "ok", T0)
    damage(statement)
    assert statement_to_reply(statement) is None


def test_feedback_is_new_until_the_learner_is_back_or_replies() -> None:
    first, second = grade(1), grade(2, comment="Now it is exact.")
    answer = make_event("answered", seq=4)
    statements = [event_to_statement(answer), grade_statement(first)]
    (only,) = feedback_of(statements, ADA.id)
    assert only.new and only.can_reply and only.grade == first
    # The learner opens the lesson again (a later statement of theirs): seen.
    back = make_event("resumed", seq=5, when=first.timestamp + timedelta(hours=1))
    statements.append(event_to_statement(back))
    assert not feedback_of(statements, ADA.id)[0].new
    # A regrade replaces the grade (never two items) and is new again.
    statements += [void_statement(first, second), grade_statement(second)]
    (only,) = feedback_of(statements, ADA.id)
    assert only.grade == second and only.new
    statements.append(reply_statement(second, "Thank you.", second.timestamp))
    (only,) = feedback_of(statements, ADA.id)
    assert only.reply is not None and only.reply.text == "Thank you."
    assert not only.new and not only.can_reply
    assert feedback_of(statements, "someone-else") == []


def test_a_learners_own_store_takes_one_reply_per_comment(tmp_path: Path) -> None:
    g = grade()
    with open_store(tmp_path / "jsonl") as store:
        store.append([event_to_statement(make_event(k, seq=i)) for i, k in enumerate(["started"])])
        store.append([grade_statement(g)])
        send_reply(store, g, "I will say when.", clock=lambda: T0 + timedelta(days=2))
        with pytest.raises(ReplyRefusedError, match="already replied"):
            send_reply(store, g, "And another thing.")
        with pytest.raises(ReplyRefusedError, match="no comment"):
            send_reply(store, dataclasses.replace(g, comment="", version=2), "hm")
        statements = list(store.read(learner=ADA, lesson=g.lesson_id))
        assert [r["result"]["response"] for r in statements if statement_to_reply(r)] == [
            "I will say when."
        ]
        # The session still resumes from the same events, the reply read apart.
        assert [e.kind for e in load_session_events(store, ADA, g.lesson_id)] == ["started"]


def test_a_pseudonymised_reply_names_no_learner_no_answer_and_no_grade() -> None:
    g = grade()
    statement = reply_statement(g, "Thanks.", T0)
    (hidden,) = pseudonymise([json.loads(json.dumps(statement))], b"salt")
    text = json.dumps(hidden)
    for secret in (ADA.id, ADA.name, g.id, g.answer, g.registration, statement["id"]):
        assert secret not in text, secret
    (grade_hidden,) = pseudonymise([grade_statement(g)], b"salt")
    assert hidden["object"]["id"] == grade_hidden["id"]  # still the grade's reply
    data = hidden["context"]["extensions"][EXT + "event"]["data"]
    assert data["answer"] == grade_hidden["context"]["statement"]["id"]
