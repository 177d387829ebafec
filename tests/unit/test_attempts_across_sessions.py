"""Attempts belong to the learner and the question, across all of their sessions: a new
session (a restart, another kernel) continues the count, never resets it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence.stores import MemoryStore

DATA = Path(__file__).resolve().parents[1] / "data" / "valid"
KEY = lk.load_lesson(DATA / "graded.lesson.yaml")


def walk_to(session: lk.LessonSession, step_id: str) -> None:
    """Advance (answering nothing) until ``step_id`` is the current step."""
    if not session.started:
        session.start()
    while session.current.step.id != step_id:
        view = session.current
        if view.question is not None and not view.can_advance:
            session.submit({"bigger": "4/7", "half": "1", "name": "x", "third": "1"}[view.step.id])
        session.advance()


def test_an_attempt_limit_survives_a_new_session() -> None:
    store = MemoryStore()
    first = lk.LessonSession(KEY, learner="kim", store=store)
    walk_to(first, "bigger")
    first.submit("4/7")
    first.submit("3/5")
    assert first.current.attempts_left == 0
    second = lk.LessonSession(KEY, learner="kim", store=store)
    assert second.earlier_sessions == (first.registration,)
    walk_to(second, "bigger")
    view = second.current
    assert view.record.attempts == 2 and view.attempts_left == 0 and not view.can_submit
    with pytest.raises(lk.SessionStateError):
        second.submit("2/3")


def test_first_attempt_mastery_credit_is_earned_once() -> None:
    store = MemoryStore()
    first = lk.LessonSession(KEY, learner="kim", store=store)
    walk_to(first, "half")
    first.submit("0.5")  # wrong first attempt: mastery of 'convert' drops
    # By hand (BKT): 0.2*0.1 / (0.2*0.1 + 0.8*0.85) = 0.028571, then learning 0.2:
    # 0.028571 + 0.971429*0.2 = 0.222857.
    assert first.mastery.probability("convert") == pytest.approx(0.222857, abs=1e-6)
    second = lk.LessonSession(KEY, learner="kim", store=store)
    walk_to(second, "half")
    out = second.submit("0.375")  # right, but the second attempt at the question
    assert out.result.correct and out.mastery == {}
    assert second.mastery.probability("convert") == pytest.approx(0.222857, abs=1e-6)
    assert second.records["half"].attempts == 2


def test_other_learners_do_not_count() -> None:
    store = MemoryStore()
    other = lk.LessonSession(KEY, learner="ana", store=store)
    walk_to(other, "bigger")
    other.submit("4/7")
    other.submit("3/5")
    mine = lk.LessonSession(KEY, learner="kim", store=store)
    assert mine.earlier_sessions == ()
    walk_to(mine, "bigger")
    assert mine.current.can_submit and mine.current.attempts_left == 2


def test_history_can_be_given_instead_of_read() -> None:
    first = lk.LessonSession(KEY, learner="kim")
    walk_to(first, "bigger")
    first.submit("4/7")
    second = lk.LessonSession(KEY, learner="kim", history=first.events)
    walk_to(second, "bigger")
    assert second.current.attempts_left == 1


def test_a_lesson_that_forbids_restarts_refuses_a_second_session() -> None:
    strict = dataclasses.replace(
        KEY, settings=dataclasses.replace(KEY.settings, allow_restart=False)
    )
    store = MemoryStore()
    first = lk.LessonSession(strict, learner="kim", store=store)
    first.start()
    with pytest.raises(lk.SessionStateError, match="does not allow a restart"):
        lk.LessonSession(strict, learner="kim", store=store).start()
    # Resuming the one session is fine.
    events = list(first.events)
    resumed = lk.LessonSession.resume(strict, events, store=store)
    assert resumed.current.step.id == first.current.step.id
    # Another learner may start.
    lk.LessonSession(strict, learner="ana", store=store).start()


def test_resume_does_not_count_its_own_events_twice() -> None:
    store = MemoryStore()
    first = lk.LessonSession(KEY, learner="kim", store=store)
    walk_to(first, "bigger")
    first.submit("4/7")
    resumed = lk.LessonSession.resume(KEY, list(first.events), store=store)
    assert resumed.earlier_sessions == ()
    assert resumed.current.record.attempts == 1 and resumed.current.attempts_left == 1
