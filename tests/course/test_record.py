"""The learner record: rebuilt from statements alone, by the lesson's own counting rules, with
forgetting over time; goals and assignments are statements too; hostile evidence is skipped."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.course import Course
from lessonkit.course.record import build_record
from lessonkit.course.statements import COURSE_VERBS, CourseEvent, course_event, to_statement
from lessonkit.course.storage import assign, read_record, remove_goal, set_goal, unassign
from lessonkit.evidence.events import Event, LearnerRef
from lessonkit.evidence.statements import EXT, event_to_statement
from lessonkit.evidence.stores import open_store
from lessonkit.policies.mastery import bkt_update

ADA = LearnerRef(id="ada", home_page="https://hub.example.org/")
BOB = LearnerRef(id="bob", home_page="https://hub.example.org/")
T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)
REG = ["1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e8" + str(i) for i in range(10)]


def answered(
    lesson: str,
    reg: str,
    seq: int,
    at: datetime,
    competency: str,
    *,
    correct: bool,
    attempt: int = 1,
    hints: int = 0,
    who: LearnerRef = ADA,
) -> dict[str, Any]:
    return event_to_statement(
        Event(
            kind="answered",
            learner=who,
            lesson_id=lesson,
            lesson_version="1",
            content_hash="0" * 64,
            registration=reg,
            seq=seq,
            timestamp=at,
            step_id="q",
            data={
                "correct": correct,
                "attempt": attempt,
                "hints_used": hints,
                "competencies": [competency],
                "score": float(correct),
            },
        )
    )


def started(lesson: str, reg: str, at: datetime, **data: Any) -> dict[str, Any]:
    return event_to_statement(
        Event(
            kind="started",
            learner=ADA,
            lesson_id=lesson,
            lesson_version="1",
            content_hash="0" * 64,
            registration=reg,
            seq=0,
            timestamp=at,
            data=data,
        )
    )


def test_answers_count_as_their_lesson_counts_them(course: Course) -> None:
    params = course.params("lists")
    statements = [
        started("python-lists", REG[0], T0),
        answered("python-lists", REG[0], 1, T0, "lists", correct=True),
        answered("python-lists", REG[0], 2, T0, "lists", correct=True, attempt=2),  # retry
        answered("python-lists", REG[0], 3, T0, "lists", correct=True, hints=1),  # after a hint
        answered("python-lists", REG[0], 4, T0, "lists", correct=True, who=BOB),  # someone else
        answered("some-other-lesson", REG[1], 1, T0, "lists", correct=True),  # not the course
    ]
    rec = build_record(course, statements, ADA, as_of=T0)
    expected = bkt_update(bkt_update(params.prior, True, params), False, params)
    assert rec.probability("lists") == pytest.approx(expected, abs=1e-12)
    assert [e.correct for e in rec.competencies["lists"].evidence] == [True, False]
    assert rec.competencies["lists"].opportunities == 2
    assert rec.lessons["python-lists"].sessions == 1


def test_forgetting_applies_between_sessions_and_up_to_now(course: Course) -> None:
    params = course.params("lists")
    later = T0 + timedelta(days=60)
    statements = [
        started("python-lists", REG[0], T0),
        answered("python-lists", REG[0], 1, T0, "lists", correct=True),
        answered("python-lists", REG[0], 2, T0 + timedelta(minutes=5), "lists", correct=True),
        started("python-lists", REG[1], later),
        answered("python-lists", REG[1], 1, later + timedelta(minutes=1), "lists", correct=True),
    ]
    p = bkt_update(bkt_update(params.prior, True, params), True, params)  # no decay in a session
    # from the last answer to the next session's start: 60 days less 5 minutes, half-life 120
    p = bkt_update(p * 0.5 ** ((60 - 5 / 1440) / 120), True, params)
    rec = build_record(course, statements, ADA, as_of=later + timedelta(minutes=1))
    assert rec.probability("lists") == pytest.approx(p, abs=1e-12)
    year = build_record(course, statements, ADA, as_of=later + timedelta(days=120, minutes=1))
    assert year.probability("lists") == pytest.approx(p / 2, abs=1e-12)
    assert year.competencies["lists"].lapsed == (p >= 0.95 > p / 2)
    # the order statements come in does not matter: sessions by start, events by seq
    assert build_record(
        course, statements[::-1], ADA, as_of=later + timedelta(minutes=1)
    ).probability("lists") == pytest.approx(p, abs=1e-12)


def test_profile_comes_from_choices_and_starts_latest_wins(course: Course) -> None:
    chose = event_to_statement(
        Event(
            kind="chose",
            learner=ADA,
            lesson_id="python-lists",
            lesson_version="1",
            content_hash="0" * 64,
            registration=REG[2],
            seq=1,
            timestamp=T0 + timedelta(days=1),
            step_id="interest",
            data={"value": "games", "field": "interest", "sets": {"pace": "x"}},
        )
    )
    statements = [
        started("python-basics-placement", REG[0], T0, profile={"interest": "data"}),
        chose,
    ]
    rec = build_record(course, statements, ADA, as_of=T0 + timedelta(days=2))
    assert rec.profile == {"interest": "games", "pace": "x"}


def test_damaged_or_hostile_evidence_is_skipped_not_fatal(course: Course) -> None:
    good = answered("python-lists", REG[0], 1, T0, "lists", correct=True)
    bad: list[Any] = [
        {"nonsense": True},
        "not a statement",
        {**good, "context": None},
    ]
    for key, value in [
        ("competencies", "lists"),
        ("competencies", [["x"]]),
        ("attempt", "1; drop table"),
        ("correct", "yes"),
        ("hints_used", None),
    ]:
        broken = copy.deepcopy(good)
        broken["id"] = f"{key}-{value}"
        broken["context"]["extensions"][EXT + "event"]["data"][key] = value
        bad.append(broken)
    goal = to_statement(
        CourseEvent(
            kind="goal-set",
            course=course.id,
            learner=ADA,
            timestamp=T0,
            goal="g1",
            target="milestone",
            target_id="loops",
            due=date(2027, 1, 1),
        )
    )
    for field, value in [
        ("target", "everything"),
        ("target_id", "../../etc"),
        ("due", "tomorrow"),
        ("goal", "<script>"),
    ]:
        forged = copy.deepcopy(goal)
        forged["context"]["extensions"][EXT + "event"]["data"][field] = value
        bad.append(forged)
    rec = build_record(course, [*bad, good], ADA, as_of=T0)
    assert rec.competencies["lists"].opportunities >= 1
    assert rec.goals == ()


def validate(statement: dict[str, Any]) -> BaseXapiStatement:
    return BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))


def test_goal_and_assignment_statements_are_valid_xapi_and_read_back(course: Course) -> None:
    teacher = LearnerRef(id="mrs-t", home_page="https://hub.example.org/", name="Mrs T")
    events = [
        CourseEvent(
            kind="goal-set",
            course=course.id,
            learner=ADA,
            timestamp=T0,
            goal="g1",
            target="milestone",
            target_id="loops",
            due=date(2027, 1, 10),
        ),
        CourseEvent(kind="goal-removed", course=course.id, learner=ADA, timestamp=T0, goal="g1"),
        CourseEvent(
            kind="assigned",
            course=course.id,
            learner=ADA,
            timestamp=T0,
            goal="a1",
            target="lesson",
            target_id="python-lists",
            by=teacher,
            note="warm-up",
        ),
        CourseEvent(
            kind="unassigned", course=course.id, learner=ADA, timestamp=T0, goal="a1", by=teacher
        ),
    ]
    for event in events:
        statement = to_statement(event)
        validate(statement)
        assert statement["verb"]["id"] == COURSE_VERBS[event.kind]
        assert statement["actor"]["account"] == {"homePage": ADA.home_page, "name": "ada"}
        assert course_event(statement) == event
        assert to_statement(event)["id"] == statement["id"]  # a retry is the same statement
    assigned = to_statement(events[2])
    assert assigned["context"]["instructor"]["account"]["name"] == "mrs-t"
    assert assigned["object"]["id"] == "https://lessonkit.org/xapi/lessons/python-lists"


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_goals_and_assignments_through_a_store(course: Course, tmp_path: Any, kind: str) -> None:
    url = str(tmp_path / "ev") if kind == "jsonl" else f"sqlite:///{tmp_path / 'ev.db'}"
    ticks = iter(range(1000))
    clock = lambda: T0 + timedelta(seconds=next(ticks))  # noqa: E731
    teacher = LearnerRef(id="mrs-t")
    with open_store(url) as store:
        first = set_goal(
            store, course, ADA, "milestone", "loops", due=date(2027, 1, 10), clock=clock
        )
        set_goal(store, course, ADA, "competency", "spread", clock=clock)
        remove_goal(store, course, ADA, first.goal, clock=clock)
        sent = assign(
            store,
            course,
            [ADA, BOB],
            "lesson",
            "center-spread",
            teacher=teacher,
            note="for Friday",
            clock=clock,
        )
        unassign(store, course, BOB, sent[1].goal, teacher=teacher, clock=clock)
        with pytest.raises(ValueError, match="no milestone 'nope'"):
            set_goal(store, course, ADA, "milestone", "nope")
        with pytest.raises(ValueError, match="not 'lesson'"):
            set_goal(store, course, ADA, "lesson", "python-lists")
        ada = read_record(course, store, "ada", as_of=clock())
        bob = read_record(course, store, BOB, as_of=clock())
    assert ada.learner == ADA  # found by account name, home page from the evidence
    assert [(g.target, g.target_id, g.due) for g in ada.goals] == [("competency", "spread", None)]
    assert [(a.target_id, a.by.id if a.by else "", a.note) for a in ada.assignments] == [
        ("center-spread", "mrs-t", "for Friday")
    ]
    assert bob.assignments == () and bob.goals == ()
