"""A learner's own course statements on the course service: the goals the learning plan sets
reach the service and come back in the learner's record; what only a teacher may record (a
judgement, a note, an assignment) is refused from a learner, as are goals in a course they
are not in or pointing at nothing; an instructor of the course reads them."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.course import load_course
from lessonkit.course.statements import CourseEvent, new_goal_id, to_statement
from lessonkit.course.storage import judgement_event, read_record, remove_goal, set_goal
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores.base import StoreWarning
from lessonkit.evidence.stores.service import ServiceStore, request_json

from .harness import LESSON, ThreadedService, write_config

COURSE_FILE = (
    Path(__file__).resolve().parents[2] / "lessons/python-basics/python-basics.course.yaml"
)
COURSE = load_course(COURSE_FILE)
MILESTONE = COURSE.milestones[0].id


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedService]:
    folder = tmp_path_factory.mktemp("goals")
    config = write_config(
        folder,
        f"sqlite:///{folder / 'course.db'}",
        courses={"algebra": {"lessons": [str(LESSON)], "course_file": str(COURSE_FILE)}},
    )
    running = ThreadedService.from_file(config).start()
    try:
        yield running
    finally:
        running.stop()


def _store(service: ThreadedService, user: str, spool: Path) -> ServiceStore:
    return ServiceStore("hub+" + service.base, token=f"tok-{user}", spool_dir=spool / user)


def _refused(spool: Path, user: str) -> list[Path]:
    return sorted((spool / user).rglob("refused/*.jsonl"))


def test_a_learners_goals_reach_the_service_and_come_back(
    service: ThreadedService, tmp_path: Path
) -> None:
    alice = LearnerRef(id="alice")
    with _store(service, "alice", tmp_path) as store:
        kept = set_goal(store, COURSE, alice, "milestone", MILESTONE)
        dropped = set_goal(store, COURSE, alice, "competency", COURSE.competencies[0].id)
        remove_goal(store, COURSE, alice, dropped.goal)
        assert store.flush(10)
        assert _refused(tmp_path, "alice") == []  # nothing set aside
        record = read_record(COURSE, store, "alice")  # by account name, on the hub's home page
    assert [(g.id, g.target, g.target_id) for g in record.goals] == [
        (kept.goal, "milestone", MILESTONE)
    ]
    # the course's instructor reads them; another learner does not
    path = f"api/statements?learner=alice&lesson={COURSE.key}"
    status, body = request_json("GET", service.base + path, "tok-teacher")
    assert status == 200 and len(body["statements"]) == 3
    for statement in body["statements"]:  # as an LRS the service forwards to checks them
        BaseXapiStatement.model_validate(statement)
    assert request_json("GET", service.base + path, "tok-bob")[0] == 403


def _goal(learner: LearnerRef, target_id: str = MILESTONE) -> dict[str, Any]:
    """A learner's goal statement, made as the learning plan makes it (not checked here)."""
    moment = datetime.now(UTC)
    return to_statement(
        CourseEvent(
            kind="goal-set",
            course=COURSE.id,
            learner=learner,
            timestamp=moment,
            goal=new_goal_id(COURSE.id, learner, f"milestone/{target_id}", moment),
            target="milestone",
            target_id=target_id,
        )
    )


def _judged(learner: LearnerRef) -> dict[str, Any]:
    """A learner's forgery of a teacher's judgement that they mastered a competency."""
    competency = COURSE.competencies[0].id
    event = judgement_event(
        COURSE, learner, competency, mastered=True, reason="I say so", teacher=learner
    )
    return to_statement(event)


@pytest.mark.parametrize(
    ("user", "make", "reason"),
    [
        ("alice", _judged, "recorded by a teacher in the class view"),
        ("mallory", _goal, "mallory is not in a course with 'course:python-basics'"),
        ("alice", lambda who: _goal(who, "nowhere"), "has no milestone 'nowhere'"),
    ],
    ids=["a learner judging themself", "a learner in no course", "a goal pointing at nothing"],
)
def test_what_a_learner_may_not_record_is_refused(
    service: ThreadedService,
    tmp_path: Path,
    user: str,
    make: Callable[[LearnerRef], dict[str, Any]],
    reason: str,
) -> None:
    statement = make(LearnerRef(id=user))
    with _store(service, user, tmp_path) as store, warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", StoreWarning)
        store.append([statement])
        assert store.flush(10)
    assert len(_refused(tmp_path, user)) == 1  # set aside, not retried for ever
    assert any(reason in str(w.message) for w in said), [str(w.message) for w in said]
    path = f"api/statements?learner={user}&lesson={COURSE.key}"
    status, body = request_json("GET", service.base + path, "tok-teacher")
    stored = body["statements"] if status == 200 else []
    assert statement["id"] not in [s["id"] for s in stored]


def test_a_learners_goal_cannot_pass_for_a_teachers_assignment(
    service: ThreadedService, tmp_path: Path
) -> None:
    """A goal carrying an ``instructor`` is stored without it: the plan never shows a goal a
    learner set as one a teacher gave."""
    bob = LearnerRef(id="bob")
    statement = _goal(bob)
    statement["context"]["instructor"] = {
        "objectType": "Agent",
        "account": {"homePage": "https://hub.example", "name": "teacher"},
    }
    with _store(service, "bob", tmp_path) as store:
        store.append([statement])
        assert store.flush(10)
        (goal,) = read_record(COURSE, store, "bob").goals
    assert goal.by is None
    _, body = request_json("GET", service.base + f"api/statements?lesson={COURSE.key}", "tok-bob")
    (kept,) = [s for s in body["statements"] if s["id"] == statement["id"]]
    assert "instructor" not in kept["context"]  # stored without the borrowed teacher
