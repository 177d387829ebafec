"""A teacher's grant of extra attempts: one learner, one question, in every session of theirs;
valid xAPI by Ralph's models; never a session and never a session event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

import lessonkit as lk
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import is_grading_statement
from lessonkit.evidence.grants import grant_statement, granted_attempts
from lessonkit.evidence.stores import load_session_events, open_store

LESSON = lk.load_lesson(Path(__file__).resolve().parents[2] / "data/valid/graded.lesson.yaml")
TESS = LearnerRef(id="tess")


def wrong_twice(store: Any, who: str) -> LessonSession:
    session = LessonSession(LESSON, learner=who, store=store)
    session.start()
    while session.current.question is None:
        session.advance()
    for _ in range(2):
        session.submit("3/5")
    return session


def test_a_grant_gives_one_learner_more_attempts_in_this_and_later_sessions(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path / "store") as store:
        ada, bea = wrong_twice(store, "ada"), wrong_twice(store, "bea")
        assert not ada.current.can_submit and ada.current.attempts_left == 0
        grant = grant_statement(
            learner=ada.learner,
            teacher=TESS,
            lesson_id=LESSON.id,
            question_id=ada.current.question.id,  # type: ignore[union-attr]
            registration=ada.registration,
            extra=1,
            timestamp=datetime.now(UTC),
        )
        BaseXapiStatement.model_validate(json.loads(json.dumps(grant)))
        assert is_grading_statement(grant)
        store.append([grant])
        store.append([grant])  # the same grant twice counts once
        resumed = LessonSession.resume(
            LESSON, load_session_events(store, ada.learner, LESSON.id), store=store
        )
        assert resumed.current.can_submit and resumed.current.attempts_left == 1
        assert resumed.submit("2/3").result.correct  # type: ignore[union-attr]
        assert store.registrations(ada.learner, LESSON.id) == [ada.registration]  # no session
        again = LessonSession.resume(
            LESSON, load_session_events(store, bea.learner, LESSON.id), store=store
        )
        assert not again.current.can_submit  # Bea was granted nothing
        assert granted_attempts(store.read(), "ada", LESSON.id) == {"bigger": 1}


@pytest.mark.parametrize("extra", [0, 11, True, 1.5])
def test_a_grant_is_a_whole_number_of_attempts(extra: Any) -> None:
    with pytest.raises(ValueError, match="whole number"):
        grant_statement(
            learner=TESS, teacher=TESS, lesson_id="l", question_id="q",
            registration="1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e81", extra=extra,
            timestamp=datetime.now(UTC),
        )  # fmt: skip
