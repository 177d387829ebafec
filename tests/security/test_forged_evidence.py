"""Forged evidence earns nothing: extra sessions (dated before, after or among the real one),
duplicated sequence numbers, forged practice resets, re-dated sessions, restarts. Expected
grades are written by hand from the lesson's rules.

The lesson (tests/data/valid/course.lesson.yaml): ``q-choice`` is worth 2 points, allows 2
attempts and pays [1, 0.5]; ``q-multi`` is worth 2, with no limit; both give evidence for
``facts`` (BKT prior 0.3, learn 0.2, guess 0.2, slip 0.1, first attempts only). ``ONE_TRY`` is
the same lesson with ``q-choice`` allowing one attempt.

The engine refuses an answer past a question's limit in any session and any answer after a
right one, so evidence holding more answers than a question allows can only be edited: such a
question earns nothing, and its answers count as wrong for mastery, taken in last — whatever
order or times the sessions claim.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import Event
from lessonkit.evidence.stores import MemoryStore
from lessonkit.grading import regrade

KEY = lk.load_lesson(Path(__file__).resolve().parents[1] / "data" / "valid" / "course.lesson.yaml")
ONE_TRY = dataclasses.replace(
    KEY,
    steps=tuple(
        dataclasses.replace(s, max_attempts=1) if s.id == "q-choice" else s for s in KEY.steps
    ),
)
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FORGED = "00000000-0000-4000-8000-00000000000f"

# By hand, BKT for 'facts': a wrong first answer takes P(known) from 0.3 to
# 0.03 / 0.59 = 0.050847, plus learning: 0.050847 + 0.949153 * 0.2 = 0.240678; then a right
# first answer: 0.240678*0.9 / (0.240678*0.9 + 0.759322*0.2) = 0.587857, plus learning:
# 0.587857 + 0.412143 * 0.2 = 0.670285.
FACTS_AFTER_REAL = 0.670285
# The same two answers the other way round (a question whose evidence is impossible counts as
# wrong, taken in last): right first: 0.27 / (0.27 + 0.14) = 0.658537, plus learning:
# 0.726829; then wrong: 0.0726829 / (0.0726829 + 0.273171*0.8) = 0.249581, plus learning:
# 0.249581 + 0.750419 * 0.2 = 0.399665.
FACTS_WRONG_LAST = 0.399665


def clock(start: datetime) -> Callable[[], datetime]:
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=next(ticks))


def real_session(store: object = None, lesson: lk.Lesson = KEY) -> lk.LessonSession:
    """Wrong answers to q-choice up to its limit, then q-multi right; the learner stops."""
    session = lk.LessonSession(lesson, learner="kim", store=store, clock=clock(T0))  # type: ignore[arg-type]
    session.start()
    session.advance()
    while session.current.can_submit:
        session.submit("pebble-zq")
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


def grade_of(
    events: list[Event], lesson: lk.Lesson = KEY, **options: object
) -> lk.grading.GradeReport:
    return regrade(lesson, [event_to_statement(e) for e in events], **options)  # type: ignore[arg-type]


def first_answer(events: list[Event], step: str = "q-choice") -> Event:
    return next(e for e in events if e.kind == "answered" and e.step_id == step)


def test_the_real_evidence_alone() -> None:
    for lesson in (KEY, ONE_TRY):
        report = grade_of(list(real_session(lesson=lesson).events), lesson)
        assert report.questions["q-choice"].points == 0.0
        assert report.questions["q-multi"].points == 2.0
        assert report.competencies["facts"].mastery == pytest.approx(FACTS_AFTER_REAL, abs=1e-6)
        assert not report.flagged and not report.impossible


# Each forgery adds a right answer to q-choice (which allows one attempt) to the real
# evidence, in which the learner's only attempt was wrong.
def _earlier_session(real: list[Event]) -> list[Event]:
    early = T0 - timedelta(hours=1)
    start = forged(real[0], 0, registration=FORGED, timestamp=early)
    answer = right_answer(first_answer(real), 1, FORGED)
    return [start, dataclasses.replace(answer, timestamp=early + timedelta(seconds=1))]


def _later_session(real: list[Event]) -> list[Event]:
    late = T0 + timedelta(hours=1)
    start = forged(real[0], 0, registration=FORGED, timestamp=late)
    answer = right_answer(first_answer(real), 1, FORGED)
    return [start, dataclasses.replace(answer, timestamp=late + timedelta(seconds=1))]


def _interleaved_session(real: list[Event]) -> list[Event]:
    """Begun a second before the real session, answering after the real answer."""
    start = forged(real[0], 0, registration=FORGED, timestamp=T0 - timedelta(seconds=1))
    after = first_answer(real).timestamp + timedelta(seconds=1)
    answer = right_answer(first_answer(real), 1, FORGED)
    return [start, dataclasses.replace(answer, timestamp=after)]


def _later_start_lower_seq(real: list[Event]) -> list[Event]:
    """Its start (seq 0) dated after the real session, its answer (seq 1) before it."""
    start = forged(real[0], 0, registration=FORGED, timestamp=T0 + timedelta(hours=2))
    answer = right_answer(first_answer(real), 1, FORGED)
    return [start, dataclasses.replace(answer, timestamp=T0 - timedelta(hours=1))]


def _duplicate_seq(real: list[Event]) -> list[Event]:
    """The real wrong answer's sequence number, in the real session, read before it."""
    wrong = first_answer(real)
    return [right_answer(wrong, wrong.seq)]


def _appended(real: list[Event]) -> list[Event]:
    return [right_answer(first_answer(real), len(real))]


def _practice_reset_in_a_second_session(real: list[Event]) -> list[Event]:
    early = T0 - timedelta(hours=1)
    start = forged(real[0], 0, registration=FORGED, timestamp=early)
    reset = forged(
        real[0],
        1,
        registration=FORGED,
        timestamp=early,
        kind="navigated",
        step_id="practice",
        data={"to": "practice", "reason": "practice", "item": "q-choice"},
    )
    answer = right_answer(first_answer(real), 2, FORGED)
    return [start, reset, dataclasses.replace(answer, timestamp=early)]


@pytest.mark.parametrize(
    "forgery",
    [
        _earlier_session,
        _later_session,
        _interleaved_session,
        _later_start_lower_seq,
        _duplicate_seq,
        _appended,
        _practice_reset_in_a_second_session,
    ],
)
def test_a_question_with_more_answers_than_allowed_earns_nothing(
    forgery: Callable[[list[Event]], list[Event]],
) -> None:
    real = list(real_session(lesson=ONE_TRY).events)
    extra = forgery(real)
    report = grade_of([*extra, *real], ONE_TRY)  # forged lines first: read before the real ones
    assert report.questions["q-choice"].points == 0.0
    assert report.questions["q-choice"].impossible
    assert "q-choice" in report.impossible
    assert any("q-choice" in d and "earns nothing" in d for d in report.discrepancies)
    assert report.questions["q-multi"].points == 2.0  # the rest is graded as usual
    facts = report.competencies["facts"]
    assert facts.untrusted == ["q-choice"] and facts.fraction() == 0.0 and not facts.mastered
    # Mastery: q-choice counts as wrong, taken in after q-multi's right answer (by hand).
    assert facts.mastery == pytest.approx(FACTS_WRONG_LAST, abs=1e-6)
    assert facts.mastery <= FACTS_AFTER_REAL
    # Whatever order the statements are read in.
    again = grade_of([*real, *extra], ONE_TRY)
    assert again.questions["q-choice"].points == 0.0 and "q-choice" in again.impossible


def test_an_extra_session_dated_first_earns_nothing_in_the_grade_cell(tmp_path: Path) -> None:
    """The reported case, through ``points()`` and a real evidence folder."""
    from lessonkit.evidence.stores import JsonlStore
    from lessonkit.integrations.nbgrader import points

    real = list(real_session(lesson=ONE_TRY).events)
    with JsonlStore(tmp_path / "ev") as store:
        store.append([event_to_statement(e) for e in [*real, *_earlier_session(real)]])
    options = {"evidence": tmp_path / "ev", "student": "kim"}
    assert points(ONE_TRY, ONE_TRY, max_points=2, questions=["q-choice"], **options) == 0.0  # type: ignore[arg-type]
    assert points(ONE_TRY, ONE_TRY, max_points=2, competency="facts", **options) == 0.0  # type: ignore[arg-type]


def test_a_right_answer_in_an_earlier_session_cannot_come_first() -> None:
    """q-multi has no limit: a forged right answer dated before the real wrong one is counted
    after it (the engine takes no answer after a right one), so "first" gets nothing."""
    session = lk.LessonSession(KEY, learner="kim", clock=clock(T0))
    session.start()
    session.advance()
    session.submit("keystone-zq")
    session.advance()
    session.submit(["yellow", "purple"])  # wrong first attempt
    session.submit(["red", "green"])  # right second attempt
    real = list(session.events)
    right = [e for e in real if e.kind == "answered" and e.step_id == "q-multi"][-1]
    early = T0 - timedelta(hours=1)
    extra = [
        forged(real[0], 0, registration=FORGED, timestamp=early),
        forged(right, 1, registration=FORGED, timestamp=early),
    ]
    honest = grade_of(real, attempts="first")
    report = grade_of([*real, *extra], attempts="first")
    assert honest.questions["q-multi"].points == 0.0
    assert report.questions["q-multi"].points == 0.0
    # By hand: the real wrong answer is the first attempt, the two right ones come after it
    # and only the last of them counts as right.
    assert [g.attempt for g in report.questions["q-multi"].attempts] == [2, 1, 3]
    assert [g.correct for g in report.questions["q-multi"].attempts] == [False, False, True]
    assert any(
        "answered again after an answer recorded as right" in d for d in report.discrepancies
    )
    # Mastery: the first attempt is still the real wrong one, where the real session gave it.
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_WRONG_LAST, abs=1e-6)
    assert report.competencies["facts"].mastery == pytest.approx(
        honest.competencies["facts"].mastery, abs=1e-9
    )


def test_re_dating_a_restart_does_not_move_its_right_answer_first() -> None:
    store = MemoryStore()
    first = lk.LessonSession(KEY, learner="kim", store=store, clock=clock(T0))
    first.start()
    first.advance()
    first.submit("pebble-zq")  # wrong; the learner restarts
    second = lk.LessonSession(KEY, learner="kim", store=store, clock=clock(T0 + timedelta(hours=1)))
    second.start()
    second.advance()
    second.submit("keystone-zq")  # right at the second attempt: 0.5 of 2 points
    honest = grade_of([*first.events, *second.events])
    assert honest.questions["q-choice"].points == 1.0 and not honest.flagged
    # The learner dates the second session before the first.
    shift = timedelta(hours=3)
    redated = [dataclasses.replace(e, timestamp=e.timestamp - shift) for e in second.events]
    report = grade_of([*first.events, *redated])
    assert report.questions["q-choice"].points == 1.0


def test_practice_events_cannot_reset_a_graded_question_in_any_session() -> None:
    for step, item in [("practice", "q-choice"), ("q-choice", "q-choice"), ("practice", "p-add")]:
        events = list(real_session().events)
        answer = first_answer(events)
        reset = forged(
            events[-1],
            len(events),
            kind="navigated",
            step_id=step,
            data={"to": step, "reason": "practice", "item": item},
        )
        events += [reset, right_answer(answer, len(events) + 1)]
        report = grade_of(events)
        # By hand: the forged answer is a third answer to a 2-attempt question.
        assert report.questions["q-choice"].points == 0.0
        assert "3 answers were recorded but it allows 2" in report.impossible["q-choice"]
        assert report.competencies["facts"].mastery == pytest.approx(FACTS_WRONG_LAST, abs=1e-6)


def test_extra_sessions_earn_nothing() -> None:
    events = list(real_session().events)
    answer = first_answer(events)
    for n in range(3):
        registration = f"00000000-0000-4000-8000-00000000000{n}"
        later = T0 + timedelta(hours=n + 1)
        start = forged(events[0], 0, registration=registration, timestamp=later)
        again = right_answer(answer, 1, registration)
        events += [start, dataclasses.replace(again, timestamp=later)]
    report = grade_of(events)
    assert report.sessions == 4
    # By hand: five answers to a question that allows two.
    assert report.questions["q-choice"].points == 0.0
    assert "5 answers were recorded but it allows 2" in report.impossible["q-choice"]
    assert report.questions["q-multi"].points == 2.0
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_WRONG_LAST, abs=1e-6)


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
    honest = grade_of([*first.events, *second.events])
    assert honest.questions["q-choice"].points == 0.0 and not honest.flagged
    # Forged evidence of the same restart, claiming a fresh first attempt, earns nothing.
    forged_answer = dataclasses.replace(
        right_answer(first_answer(list(first.events)), len(second.events), second.registration),
        timestamp=T0 + timedelta(hours=2),
    )
    report = grade_of([*first.events, *second.events, forged_answer])
    assert report.sessions == 2
    assert report.questions["q-choice"].points == 0.0
    assert report.competencies["facts"].mastery == pytest.approx(FACTS_WRONG_LAST, abs=1e-6)


def test_a_second_session_of_a_lesson_without_restarts_earns_nothing() -> None:
    strict = dataclasses.replace(
        KEY, settings=dataclasses.replace(KEY.settings, allow_restart=False)
    )
    session = lk.LessonSession(strict, learner="kim", clock=clock(T0))
    session.start()
    session.advance()
    session.submit("pebble-zq")  # wrong first attempt: one more is allowed
    real = list(session.events)
    extra = _earlier_session(real)
    report = grade_of([*real, *extra], strict)
    assert report.questions["q-choice"].points == 0.0
    assert "allows no restart" in report.impossible["q-choice"]
    assert any("allows no restart" in d for d in report.discrepancies)


def test_allow_restart_false_is_enforced_by_the_session_not_the_ui() -> None:
    strict = dataclasses.replace(
        KEY, settings=dataclasses.replace(KEY.settings, allow_restart=False)
    )
    store = MemoryStore()
    lk.LessonSession(strict, learner="kim", store=store).start()
    with pytest.raises(lk.SessionStateError, match="does not allow a restart"):
        lk.LessonSession(strict, learner="kim", store=store).start()


def test_a_repeated_statement_is_not_a_forgery() -> None:
    """A retried write repeats the same statement: nothing to flag, nothing changes."""
    real = list(real_session().events)
    report = grade_of([*real, *real[2:5]])
    assert report.questions["q-multi"].points == 2.0
    assert not report.flagged and not report.impossible


def test_deleting_a_wrong_attempt_does_not_raise_the_grade() -> None:
    session = lk.LessonSession(KEY, learner="kim", clock=clock(T0))
    session.start()
    session.advance()
    session.submit("pebble-zq")
    session.submit("keystone-zq")  # second attempt: 0.5 of 2 points
    honest = grade_of(list(session.events))
    assert honest.questions["q-choice"].points == 1.0
    wrong = next(e for e in session.events if e.kind == "answered" and e.data["correct"] is False)
    edited = grade_of([e for e in session.events if e.seq != wrong.seq])
    # By hand: the missing event counts as a failed attempt, so the right answer is still
    # the second attempt: 1 point, and the gap is reported.
    assert edited.questions["q-choice"].points == 1.0
    assert edited.gaps and "1 recorded event(s) are missing" in edited.gaps[0]


def test_copied_evidence_is_not_counted() -> None:
    statements = [event_to_statement(e) for e in real_session().events]
    report = regrade(KEY, statements, student="lee")
    assert report.question_points() == (0.0, 13.0) and report.sessions == 0
    assert (
        report.identity and "evidence of kim (1 session(s)) was not counted" in report.identity[0]
    )
    own = regrade(KEY, statements, student="kim")
    assert own.questions["q-multi"].points == 2.0 and not own.identity
