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

from .conftest import Clock


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
            {"lists", "for-loops", "accumulator", "center"},
            {"lists", "for-loops", "accumulator", "center"},
            "python-loops",
            {"python-lists"},
        ),
        (
            {"lists", "for-loops", "accumulator", "while-loops", "center", "spread"},
            {"lists", "for-loops", "accumulator", "while-loops", "center", "spread"},
            None,
            {"python-lists", "python-loops", "loops-practice", "center-spread"},
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
