"""The learning plan shows a teacher's grades and comments (new since the learner's last
visit), and takes the learner's one reply to each comment, as a statement in the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lessonkit.course import Course
from lessonkit.course.statements import course_event, to_statement
from lessonkit.course.storage import judgement_event, note_event
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import RubricGrade, grade_statement
from lessonkit.evidence.replies import statement_to_reply
from lessonkit.evidence.statements import statement_id, statement_to_event
from lessonkit.evidence.stores import open_store
from lessonkit.widgets.plan import LearningPlan

from .conftest import PLACEMENT_RIGHT, Clock, take

ADA = LearnerRef(id="ada")
LESSON = "python-basics-placement"


@pytest.fixture
def store() -> Any:
    with open_store("memory://") as opened:
        yield opened


def graded(store: Any, when: datetime, comment: str) -> RubricGrade:
    """A teacher's grade of Ada's first answer of the placement lesson."""
    answer = next(
        e
        for s in store.read(learner=ADA, lesson=LESSON)
        if (e := statement_to_event(s)).kind == "answered"
    )
    grade = RubricGrade(
        learner=answer.learner,
        grader=LearnerRef(id="tess", name="Tess"),
        lesson_id=LESSON,
        question_id=str(answer.step_id),
        registration=answer.registration,
        answer_seq=answer.seq,
        version=1,
        timestamp=when,
        levels={"idea": "Partly"},
        criterion_points={"idea": 1.0},
        points=1.0,
        max_points=3.0,
        comment=comment,
    )
    store.append([grade_statement(grade)])
    assert grade.answer == statement_id(answer.registration, answer.seq)
    return grade


def test_the_plan_shows_new_feedback_and_takes_one_reply(course: Course, store: Any) -> None:
    clock = Clock(datetime(2027, 2, 5, 9, tzinfo=UTC))
    take(course, store, ADA, LESSON, {"interest": "games", **PLACEMENT_RIGHT}, clock=clock)
    plan = LearningPlan(course, store=store, learner=ADA, clock=clock)
    assert plan.feedback.value == "" and plan.reply_form.layout.display == "none"

    hostile = "<img src=x onerror=alert(1)>\nSay what the loop repeats."
    grade = graded(store, clock.now + timedelta(hours=2), hostile)
    plan.refresh()
    shown = plan.feedback.value
    assert "Feedback from your teachers" in shown and "New since your last visit" in shown
    assert "1 of 3 points, graded by Tess" in shown and "<span class='lk-tag'>new</span>" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;<br>Say what" in shown and "<img" not in shown
    assert plan.reply_form.layout.display == "flex" and plan.reply_to.value == grade.id

    # The browser can send anything: an unknown choice or an empty reply sends nothing.
    plan.reply_to.options = [*plan.reply_to.options, ("forged", "f00")]
    plan.reply_to.value = "f00"
    plan.reply_button.click()
    assert "Choose a comment" in plan.reply_status.value
    plan.reply_to.value = grade.id
    plan.reply_text.value = "   "
    plan.reply_button.click()
    assert "not sent: write a reply first" in plan.reply_status.value
    plan.reply_text.value = "I <b>see</b>: it repeats the body."
    plan.reply_button.click()
    assert "Reply sent" in plan.reply_status.value and plan.reply_text.value == ""
    replies = [r for s in store.read(learner=ADA, lesson=LESSON) if (r := statement_to_reply(s))]
    assert [(r.grade, r.text) for r in replies] == [
        (grade.id, "I <b>see</b>: it repeats the body.")
    ]
    shown = plan.feedback.value
    assert "Your reply: I &lt;b&gt;see&lt;/b&gt;: it repeats the body." in shown
    assert "New since" not in shown and plan.reply_form.layout.display == "none"
    # The record (mastery, lessons) still reads the same answers: a reply is no session event.
    assert plan.record.lessons[LESSON].sessions == 1


def test_feedback_is_no_longer_new_once_the_learner_is_back(course: Course, store: Any) -> None:
    clock = Clock(datetime(2027, 2, 5, 9, tzinfo=UTC))
    take(course, store, ADA, LESSON, {"interest": "games", **PLACEMENT_RIGHT}, clock=clock)
    graded(store, clock.now + timedelta(minutes=5), "Good.")
    clock.advance(hours=1)
    take(course, store, ADA, LESSON, {"interest": "games", **PLACEMENT_RIGHT}, clock=clock)
    plan = LearningPlan(course, store=store, learner=ADA, clock=clock)
    assert "1 of 3 points" in plan.feedback.value and "New since" not in plan.feedback.value


def test_a_teachers_judgement_and_note_reach_the_record_and_the_plan(
    course: Course, store: Any
) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    clock = Clock(datetime(2027, 2, 5, 9, tzinfo=UTC))
    script = {"interest": "games", **PLACEMENT_RIGHT, "a1": 0}
    take(course, store, ADA, LESSON, script, clock=clock)
    plan = LearningPlan(course, store=store, learner=ADA, clock=clock)
    assert not plan.record.mastered("accumulator") and plan.from_teachers.value == ""
    before = plan.next.value
    tess = LearnerRef(id="tess", name="Tess <T>")
    reason = "Shown in class: <b>sums</b> a list in a loop."
    event = judgement_event(
        course, ADA, "accumulator", mastered=True, reason=reason, teacher=tess, clock=clock
    )
    statement = to_statement(event)
    BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))
    assert statement["result"] == {"success": True} and course_event(statement) == event
    store.append([statement])
    store.append([to_statement(note_event(course, ADA, "See me.", teacher=tess, clock=clock))])
    plan.refresh()
    assert plan.record.mastered("accumulator") and plan.next.value != before  # recomputed
    shown = plan.from_teachers.value
    assert "Tess &lt;T&gt; marked <strong>" in shown and "as mastered" in shown
    assert "&lt;b&gt;sums&lt;/b&gt;" in shown and "Note from Tess &lt;T&gt;" in shown
    assert shown.index("Note from") < shown.index("marked")  # newest first
    evidence = plan.record.competencies["accumulator"].evidence[-1]
    assert evidence.step == "judged by Tess <T>" and evidence.correct
    # A later "not mastered yet" lowers it below the threshold again; answers go on from there.
    clock.advance(days=1)
    store.append(
        [
            to_statement(
                judgement_event(
                    course,
                    ADA,
                    "for-loops",
                    mastered=False,
                    reason="Guessed.",
                    teacher=tess,
                    clock=clock,
                )
            )
        ]
    )
    plan.refresh()
    assert not plan.record.mastered("for-loops") and plan.record.mastered("accumulator")
    assert "as not mastered yet" in plan.from_teachers.value


@pytest.mark.parametrize(
    ("competency", "reason", "said"),
    [("nope", "x", "no competency 'nope'"), ("lists", "  ", "write a reason"),
     ("lists", "x" * 2001, "at most")],
)  # fmt: skip
def test_a_judgement_needs_a_known_competency_and_a_reason(
    course: Course, competency: str, reason: str, said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        judgement_event(
            course, ADA, competency, mastered=True, reason=reason, teacher=LearnerRef(id="t")
        )


def test_an_extension_moves_one_learners_due_date_only(course: Course, store: Any) -> None:
    from datetime import date

    from lessonkit.course.storage import assign, extension_event, read_record

    tess = LearnerRef(id="tess")
    bea = LearnerRef(id="bea")
    clock = Clock(datetime(2027, 2, 5, 9, tzinfo=UTC))
    made = assign(store, course, [ADA, bea], "lesson", "python-loops", teacher=tess,
                  due=date(2027, 3, 1), clock=clock)  # fmt: skip
    ada_goal = next(e.goal for e in made if e.learner == ADA)
    for goal in (ada_goal, "0123456789ab"):  # the second is no assignment: ignored
        event = extension_event(course, ADA, goal, date(2027, 3, 15), teacher=tess, clock=clock)
        statement = to_statement(event)
        assert course_event(statement) == event
        store.append([statement])
    (mine,) = read_record(course, store, ADA, as_of=clock()).assignments
    (hers,) = read_record(course, store, bea, as_of=clock()).assignments
    assert (mine.due, hers.due) == (date(2027, 3, 15), date(2027, 3, 1))
