"""Placement: a simulated learner's placement check skips what they know and routes their gaps
to the lessons that close them; a lesson lets a learner test out of a section."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lessonkit.course import Course
from lessonkit.course.recommend import recommend
from lessonkit.course.storage import read_record
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store
from lessonkit.lesson.model import MasteryParams
from lessonkit.policies.mastery import MasteryTracker
from lessonkit.simulation import LearnerModel, SimulatedLearner, run_learner
from lessonkit.simulation.engines import SessionEngine

from .conftest import PLACEMENT_RIGHT, Clock, take


class _StoredSession(SessionEngine):
    """The simulation's session engine, on a session that records into a store and starts
    from the learner's course record."""

    def __init__(self, session: LessonSession) -> None:
        self.session = session
        session.start()
        self.path = session.path
        self.mastery = session.mastery


def simulated(course: Course, knows: set[str], seed: int = 0) -> SimulatedLearner:
    """A learner who knows exactly ``knows``: never slips, never guesses, learns nothing."""
    exact = {
        c.id: MasteryParams(prior=0.0, learn=0.0, guess=0.0, slip=0.0) for c in course.competencies
    }
    learner = SimulatedLearner(
        LearnerModel(params=exact, hint_rate=0.0, choices={"interest": {"games": 1.0}}),
        MasteryTracker(),
        random.Random(seed),
    )
    learner.known.update({c.id: c.id in knows for c in course.competencies})
    return learner


def place(
    course: Course, store: Any, who: LearnerRef, learner: SimulatedLearner, clock: Clock
) -> LessonSession:
    lesson = course.lesson("python-basics-placement").lesson
    assert lesson is not None
    start = read_record(course, store, who, as_of=clock()).session_start(course, lesson.id)
    session = LessonSession(lesson, learner=who, store=store, clock=clock, **start)
    run_learner(_StoredSession(session), learner)
    return session


@pytest.mark.parametrize(
    "case",
    [
        (set(), set(), "python-lists", set()),
        ({"lists", "for-loops"}, {"lists", "for-loops"}, "python-loops", {"python-lists"}),
        (
            # the check covers the first milestone: center is left to its lesson's own pretest
            {"lists", "for-loops", "accumulator", "center"},
            {"lists", "for-loops", "accumulator"},
            "python-loops",
            {"python-lists"},
        ),
        (
            {"lists", "for-loops", "accumulator", "while-loops", "center", "spread"},
            {"lists", "for-loops", "accumulator", "while-loops"},
            "center-spread",
            {"python-lists", "python-loops", "loops-practice"},
        ),
    ],
)
def test_placement_skips_what_a_simulated_learner_knows(
    course: Course, clock: Clock, case: tuple[set[str], set[str], str | None, set[str]]
) -> None:
    knows, mastered, next_lesson, skipped = case
    who = LearnerRef(id="sim")
    with open_store("memory://") as store:
        session = place(course, store, who, simulated(course, knows), clock)
        assert session.finished
        rec = read_record(course, store, who, as_of=clock())
    assert rec.mastered_set == mastered
    plan = recommend(course, rec)
    assert (plan.next.lesson if plan.next else None) == next_lesson
    assert {i.lesson for i in plan.items if i.status == "done"} - {
        "python-basics-placement"
    } == skipped
    # every gap is routed: each unmastered competency is developed by a ready or locked item
    for cid in set(rec.competencies) - mastered:
        assert any(cid in i.competencies or cid in i.missing for i in plan.items), cid
    # a newcomer is done in a few screens; the placement ends at the first gap
    if not knows:
        assert session.path == ["interest", "l1", "done"]


def test_a_learner_who_knows_the_loops_gets_the_summaries_next(
    course: Course, clock: Clock
) -> None:
    who = LearnerRef(id="sim")
    knows = {"lists", "for-loops", "accumulator", "while-loops"}
    with open_store("memory://") as store:
        place(course, store, who, simulated(course, knows), clock)
        plan = recommend(course, read_record(course, store, who, as_of=clock()))
    assert plan.next is not None and plan.next.lesson == "center-spread"
    assert plan.next.reason.startswith(
        "You have mastered accumulating in a loop, which mean and median requires."
    )
    assert plan.milestones[0].status in ("reached",)


def test_a_lesson_lets_a_learner_test_out_of_a_section(course: Course, clock: Clock) -> None:
    lists = course.lesson("python-lists").lesson
    assert lists is not None
    session = LessonSession(lists, learner="ada", clock=clock, profile={"interest": "games"})
    session.start()
    session.advance()
    assert session.current_id == "example-games"  # interest known: not asked again
    session.advance()
    session.submit(30)  # the test-out question, right
    session.advance()
    assert session.current_id == "append-intro"
    assert "index-intro" not in session.path

    # mastery carried in from a course record skips the loops lesson's first two sections
    loops = course.lesson("python-loops").lesson
    assert loops is not None
    carried = LessonSession(
        loops, learner="ada", clock=clock, mastery_start={"for-loops": 0.98, "accumulator": 0.97}
    )
    carried.start()
    carried.advance()
    assert carried.path == ["welcome", "while-intro"]
    fresh = LessonSession(loops, learner="ada", clock=clock)
    fresh.start()
    fresh.advance()
    assert fresh.path == ["welcome", "confidence"]


def _placed(course: Course, clock: Clock, **answers: Any) -> tuple[list[str], dict[str, float]]:
    """Take the placement check with scripted answers: its path and P(known) at the end."""
    who = LearnerRef(id="sim")
    with open_store("memory://") as store:
        out = take(course, store, who, "python-basics-placement", answers, clock=clock)
        assert out.completed
        rec = read_record(course, store, who, as_of=clock())
    return out.session.path, {c: rec.probability(c) for c in rec.competencies}


def test_the_check_stops_each_competency_as_soon_as_it_is_confident(
    course: Course, clock: Clock
) -> None:
    # four right answers place out (P >= 0.99); a first wrong answer decides "not known"
    path, p = _placed(course, clock, interest="data", **{**PLACEMENT_RIGHT, "w1": 0})
    assert path == [
        "interest", "l1", "l2", "l3", "l4", "f1", "f2", "f3", "f4",
        "a1", "a2", "a3", "a4", "w1", "done",
    ]  # fmt: skip
    assert min(p["lists"], p["for-loops"], p["accumulator"]) >= 0.99
    assert p["while-loops"] < 0.05
    # what builds on a competency shown unknown is not asked: for loops need lists
    path, p = _placed(course, clock, interest="data", l1=0)
    assert path == ["interest", "l1", "done"] and p["lists"] < 0.05
    assert "for-loops" not in p or p["for-loops"] == course.params("for-loops").prior


def test_one_slip_of_a_learner_who_knows_does_not_end_the_check(
    course: Course, clock: Clock
) -> None:
    # lists: right, right, right, wrong, right -> undecided after five (0.5 <= P < 0.99): the
    # check goes on to for loops, which builds on lists, instead of ending
    path, p = _placed(course, clock, interest="data", **{**PLACEMENT_RIGHT, "l4": 0})
    assert path[:7] == ["interest", "l1", "l2", "l3", "l4", "l5", "f1"]
    assert 0.5 <= p["lists"] < 0.99 and p["for-loops"] >= 0.99
    # undecided and more likely not known (P < 0.5): what builds on it is not asked
    path, p = _placed(course, clock, interest="data", **{**PLACEMENT_RIGHT, "l2": 0, "l4": 0})
    assert path == ["interest", "l1", "l2", "l3", "l4", "l5", "done"]
    assert 0.05 <= p["lists"] < 0.5


def test_the_check_covers_the_first_milestone_only(course: Course) -> None:
    lesson = course.lesson("python-basics-placement").lesson
    assert lesson is not None
    asked = {c for q in lesson.questions() for c in q.competencies}
    first = course.milestones[0]
    assert asked == set(first.competencies)
    assert not asked & set(course.milestones[1].competencies)


def test_the_lists_lesson_skips_its_test_out_when_lists_are_shown_new(
    course: Course, clock: Clock
) -> None:
    lists = course.lesson("python-lists").lesson
    assert lists is not None
    for start, asked in (({"lists": 0.03}, False), ({}, True), ({"lists": 0.5}, True)):
        session = LessonSession(
            lists, learner="ada", clock=clock, profile={"interest": "data"}, mastery_start=start
        )
        session.start()
        session.advance()  # welcome -> example-data (interest known)
        session.advance()
        assert session.current_id == ("test-out" if asked else "index-intro"), start
