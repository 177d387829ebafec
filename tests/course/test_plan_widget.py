"""The learning-plan and class widgets without a browser (ipywidgets' dummy comm), and
``lessonkit.show(lesson, course=...)`` starting a session from the learner's record."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

import lessonkit
from lessonkit.course import Course
from lessonkit.course.statements import course_event
from lessonkit.course.storage import read_record
from lessonkit.errors import SessionStateError
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store
from lessonkit.widgets.class_plan import ClassPlan
from lessonkit.widgets.plan import LearningPlan

from .conftest import COURSE_FILE, PLACEMENT_RIGHT, ROOT, Clock, take

ADA = LearnerRef(id="ada")
DAY = datetime(2027, 2, 8, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    """A clock a few days before DAY (the first milestone is due 2027-02-12)."""
    return Clock(datetime(2027, 2, 5, 9, tzinfo=UTC))


@pytest.fixture
def store() -> Any:
    with open_store("memory://") as opened:
        yield opened


def placed(course: Course, store: Any, who: LearnerRef, clock: Clock, **answers: Any) -> None:
    take(
        course,
        store,
        who,
        "python-basics-placement",
        {"interest": "games", **PLACEMENT_RIGHT, **answers},
        clock=clock,
    )


def test_the_plan_shows_the_next_lesson_locked_lessons_and_evidence(
    course: Course, store: Any, clock: Clock
) -> None:
    placed(course, store, ADA, clock, a1=0)  # all but accumulating in a loop
    plan = LearningPlan(course, store=store, learner=ADA, clock=lambda: DAY)
    assert "Next: Python loops for beginners" in plan.next.value
    assert "You have mastered for loops, which accumulating in a loop requires." in plan.next.value
    assert "<a href='loops.ipynb'>Open it</a>" in plan.next.value
    lessons = plan.lessons.value
    assert "data-lesson='center-spread' data-status='locked'" in lessons
    assert "prerequisites not met" in lessons and "Needs accumulating in a loop first" in lessons
    assert "data-lesson='python-lists' data-status='done'" in lessons
    table = plan.competencies.value
    assert "<summary>4 answers</summary>" in table  # lists: four placement answers
    assert "l1: right (20% → 53%)" in table
    assert "data-milestone='loops'" in plan.milestones.value and "due soon" in plan.milestones.value


def test_goals_are_set_and_dropped_as_statements(course: Course, store: Any) -> None:
    plan = LearningPlan(course, store=store, learner=ADA, clock=lambda: DAY)
    assert "No goals yet" in plan.goals.value and plan.drop_button.disabled
    plan.goal_target.value = "competency:spread"
    plan.goal_due.value = date(2027, 3, 1)
    plan.set_goal_button.click()
    assert "Goal set: Competency: range and standard deviation by 2027-03-01." in plan.status.value
    assert "range and standard deviation by 2027-03-01" in plan.goals.value
    recorded = [course_event(s) for s in store.read(lesson=course.key)]
    assert [(e.kind, e.target_id, e.due) for e in recorded if e] == [
        ("goal-set", "spread", date(2027, 3, 1))
    ]
    # the plan now works towards the learner's own goal first
    assert plan.plan.goals[0].label == "your goal: range and standard deviation (due 2027-03-01)"
    plan.drop_button.click()
    assert "Goal dropped." in plan.status.value and "No goals yet" in plan.goals.value
    assert read_record(course, store, ADA).goals == ()


def test_the_learner_downloads_everything_recorded_about_them(
    course: Course, store: Any, clock: Clock
) -> None:
    placed(course, store, ADA, clock)
    placed(course, store, LearnerRef(id="bob"), clock)
    other = lessonkit.load_lesson(ROOT / "tests/data/valid/branching.lesson.yaml")
    lessonkit.play(other, {}, learner="ada", store=store)  # a lesson outside the course
    plan = LearningPlan(course, store=store, learner=ADA, clock=lambda: DAY)
    plan.export_button.click()
    link = plan.export_link.value
    assert "download='lessonkit-ada-python-basics.json'" in link
    payload = link.split("base64,", 1)[1].split("'", 1)[0]
    data = json.loads(base64.b64decode(payload))
    actors = {s["actor"]["account"]["name"] for s in data["statements"]}
    lessons = {
        s["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]["lesson"]
        for s in data["statements"]
    }
    assert actors == {"ada"}
    assert lessons == {"python-basics-placement", other.id}
    assert data["record"]["profile"] == {"interest": "games"}
    assert data["record"]["competencies"]["lists"]["mastered"] is True
    assert len(data["record"]["competencies"]["lists"]["evidence"]) == 4


def test_names_from_files_and_the_environment_are_escaped(course: Course, store: Any) -> None:
    plan = LearningPlan(
        course, store=store, learner=LearnerRef(id="<img src=x onerror=1>"), clock=lambda: DAY
    )
    assert "<img" not in plan.header.value and "&lt;img src=x" in plan.header.value


def test_the_class_view_flags_and_assigns(course: Course, store: Any, clock: Clock) -> None:
    placed(course, store, ADA, clock)  # everything mastered
    placed(course, store, LearnerRef(id="bob"), clock, l1=0)  # nothing
    view = ClassPlan(course, store=store, teacher="mrs-t", clock=lambda: DAY)
    overview = view.overview.value
    assert "2 learner(s)" in overview
    assert "<tr data-competency='lists'><th scope='row'>lists</th><td>1</td><td>1</td>" in overview
    assert "data-learner='bob'" in overview and "data-learner='ada'" not in overview
    assert "Lists and loops at-risk (due 2027-02-12)" in overview
    view.learner.value = "bob"
    assert "Next: Lists" in view.learner_plan.value
    view.assignees.value = ("ada", "bob")
    view.target.value = "lesson:center-spread"
    view.due.value = date(2027, 2, 10)
    view.note.value = "before Wednesday"
    view.assign_button.click()
    assert "Assigned to 2 learner(s)." in view.status.value
    for who in ("ada", "bob"):
        record = read_record(course, store, who)
        assert [(a.target_id, a.note, a.by.id if a.by else "") for a in record.assignments] == [
            ("center-spread", "before Wednesday", "mrs-t")
        ]
    # bob cannot start it yet: shown locked, with his teacher's name; it is flagged
    assert "Assigned by mrs-t" not in view.learner_plan.value  # locked: no recommendation
    assert "(assigned by mrs-t): before Wednesday" in view.learner_plan.value


def test_the_class_view_lists_the_roster_learners_who_have_not_started(
    course: Course, store: Any, clock: Clock
) -> None:
    placed(course, store, ADA, clock)
    carol = LearnerRef(id="carol", name="Carol <Absent>")
    asked: list[int] = []

    def roster() -> list[Any]:  # read again at every refresh (the LMS roster changes)
        asked.append(1)
        return ["ada", carol]

    view = ClassPlan(course, store=store, teacher="mrs-t", clock=lambda: DAY, roster=roster)
    overview = view.overview.value
    assert "1 learner(s) with evidence in the course, 1 not started yet." in overview
    assert "<li data-learner='carol'>Carol &lt;Absent&gt; (carol)</li>" in overview
    # she counts in the class: lists mastered by 1 of 2, not yet by her
    assert (
        "<tr data-competency='lists'><th scope='row'>lists</th><td>1</td><td>0</td><td>1</td>"
        in (overview)
    )
    assert ("Carol <Absent>", "carol") in view.learner.options
    view.learner.value = "carol"
    assert "Next:" in view.learner_plan.value  # her plan: where to start
    view.refresh()
    assert len(asked) == 2
    plain = ClassPlan(course, store=store, teacher="mrs-t", clock=lambda: DAY)
    assert "not started" not in plain.overview.value  # without a roster: the evidence only


def test_show_with_a_course_starts_from_the_record(
    course: Course, store: Any, clock: Clock
) -> None:
    placed(course, store, ADA, clock, f1=0)
    record = read_record(course, store, ADA)
    lists = ROOT / "lessons/python-basics/lists.lesson.yaml"
    player = lessonkit.show(lists, course=COURSE_FILE, learner=ADA, store=store)
    started = player.session.events[0]
    assert started.data["profile"] == {"interest": "games"}
    assert started.data["mastery_start"]["lists"] == pytest.approx(
        record.probability("lists"), abs=1e-4
    )
    player.session.advance()  # welcome -> the known interest routes to the games example
    assert player.session.current_id == "example-games"
    with pytest.raises(SessionStateError, match="not part of course 'python-basics'"):
        lessonkit.show(
            ROOT / "tests/data/valid/branching.lesson.yaml",
            course=COURSE_FILE,
            learner=ADA,
            store=store,
        )
