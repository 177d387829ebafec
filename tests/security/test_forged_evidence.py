"""Forged evidence earns nothing: resetting attempts with practice events, extra sessions,
restarts. Expected grades are written by hand from the lesson's rules.

The lesson (tests/data/valid/course.lesson.yaml): ``q-choice`` is worth 2 points, allows 2
attempts and pays [1, 0.5]; ``q-multi`` is worth 2; both give evidence for ``facts``
(BKT prior 0.3, learn 0.2, guess 0.2, slip 0.1, first attempts only).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import Event
from lessonkit.evidence.stores import MemoryStore
from lessonkit.grading import regrade

KEY = lk.load_lesson(Path(__file__).resolve().parents[1] / "data" / "valid" / "course.lesson.yaml")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# By hand, BKT for 'facts': a wrong first answer takes P(known) from 0.3 to
# 0.03 / 0.59 = 0.050847, plus learning: 0.050847 + 0.949153 * 0.2 = 0.240678; then a right
# first answer: 0.240678*0.9 / (0.240678*0.9 + 0.759322*0.2) = 0.587857, plus learning:
# 0.587857 + 0.412143 * 0.2 = 0.670285.
FACTS_AFTER_REAL = 0.670285


def clock(start: datetime) -> object:
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=next(ticks))


def real_session(store: object = None) -> lk.LessonSession:
    """Two wrong answers to q-choice (its limit), then q-multi right; the learner stops."""
    session = lk.LessonSession(KEY, learner="kim", store=store, clock=clock(T0))  # type: ignore[arg-type]
    session.start()
    session.advance()
    session.submit("pebble-zq")
    session.submit("bedrock-zq")
    session.advance()
    session.submit(["red", "green"])
    return session


def forged(template: Event, seq: int, **changes: object) -> Event:
    return dataclasses.replace(template, seq=seq, **changes)  # type: ignore[arg-type]


def right_answer(template: Event, seq: int, registration: str | None = None) -> Event:
    """An ``answered`` event claiming a right first attempt at q-choice."""
    data = {**template.data, "response": "keystone-zq", "raw": "keystone-zq"}
    data.update(correct=True, score=1.0, points=2.0, attempt=1)
    extra = {"registration": registration} if registration else {}
    return forged(template, seq, data=data, **extra)


def grade_of(events: list[Event]) -> lk.grading.GradeReport:
    return regrade(KEY, [event_to_statement(e) for e in events])


def test_the_real_evidence_alone() -> None:
    report = grade_of(real_session().events)
    assert report.questions["q-choice"].points == 0.0
    assert report.questions["q-multi"].points == 2.0
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_AFTER_REAL, abs=1e-6)
    assert not report.flagged


@pytest.mark.parametrize(
    ("step", "item"),
    [("practice", "q-choice"), ("q-choice", "q-choice"), ("practice", "p-add")],
)
def test_practice_events_cannot_reset_a_graded_question(step: str, item: str) -> None:
    events = list(real_session().events)
    answer = next(e for e in events if e.kind == "answered" and e.step_id == "q-choice")
    reset = forged(
        events[-1],
        len(events),
        kind="navigated",
        step_id=step,
        data={"to": step, "reason": "practice", "item": item},
    )
    events += [reset, right_answer(answer, len(events) + 1)]
    report = grade_of(events)
    # By hand: the forged answer is the third attempt at a 2-attempt question: ignored.
    assert report.questions["q-choice"].points == 0.0
    assert any("attempt 3 exceeds the limit of 2" in d for d in report.discrepancies)
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_AFTER_REAL, abs=1e-6)


def test_extra_sessions_earn_nothing() -> None:
    events = list(real_session().events)
    answer = next(e for e in events if e.kind == "answered" and e.step_id == "q-choice")
    for n in range(3):
        registration = f"00000000-0000-4000-8000-00000000000{n}"
        later = T0 + timedelta(hours=n + 1)
        start = forged(events[0], 0, registration=registration, timestamp=later)
        again = right_answer(answer, 1, registration)
        events += [start, dataclasses.replace(again, timestamp=later)]
    report = grade_of(events)
    assert report.sessions == 4
    # By hand: the forged right answers are attempts 3, 4 and 5: all past the limit.
    assert report.questions["q-choice"].points == 0.0
    assert report.questions["q-multi"].points == 2.0
    # And they are not first attempts: mastery is what the real session showed.
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_AFTER_REAL, abs=1e-6)


def test_a_restart_resets_nothing() -> None:
    store = MemoryStore()
    first = real_session(store)
    # The learner presses "Restart lesson": a new session of the same learner.
    second = lk.LessonSession(KEY, learner="kim", store=store, clock=clock(T0 + timedelta(hours=1)))
    second.start()
    second.advance()
    assert second.current.step.id == "q-choice"
    assert not second.current.can_submit  # the limit was used up in the first session
    with pytest.raises(lk.SessionStateError):
        second.submit("keystone-zq")
    # Forged evidence of the same restart, claiming a fresh first attempt, earns nothing.
    answer = next(e for e in first.events if e.kind == "answered" and e.step_id == "q-choice")
    forged_answer = dataclasses.replace(
        right_answer(answer, len(second.events), second.registration),
        timestamp=T0 + timedelta(hours=2),
    )
    report = grade_of([*first.events, *second.events, forged_answer])
    assert report.sessions == 2
    assert report.questions["q-choice"].points == 0.0
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_AFTER_REAL, abs=1e-6)


def test_allow_restart_false_is_enforced_by_the_session_not_the_ui() -> None:
    strict = dataclasses.replace(
        KEY, settings=dataclasses.replace(KEY.settings, allow_restart=False)
    )
    store = MemoryStore()
    lk.LessonSession(strict, learner="kim", store=store).start()
    with pytest.raises(lk.SessionStateError, match="does not allow a restart"):
        lk.LessonSession(strict, learner="kim", store=store).start()


def test_deleting_a_wrong_attempt_does_not_raise_the_grade() -> None:
    session = lk.LessonSession(KEY, learner="kim", clock=clock(T0))
    session.start()
    session.advance()
    session.submit("pebble-zq")
    session.submit("keystone-zq")  # second attempt: 0.5 of 2 points
    honest = grade_of(session.events)
    assert honest.questions["q-choice"].points == 1.0
    wrong = next(e for e in session.events if e.kind == "answered" and e.data["correct"] is False)
    edited = grade_of([e for e in session.events if e.seq != wrong.seq])
    # By hand: the missing event counts as a failed attempt, so the right answer is still
    # the second attempt: 1 point, and the gap is reported.
    assert edited.questions["q-choice"].points == 1.0
    assert edited.gaps and "1 recorded event(s) are missing" in edited.gaps[0]


def test_copied_evidence_is_flagged() -> None:
    report = regrade(KEY, [event_to_statement(e) for e in real_session().events], student="lee")
    assert report.identity and "recorded by kim, not by lee" in report.identity[0]
    assert not regrade(
        KEY, [event_to_statement(e) for e in real_session().events], student="kim"
    ).identity
