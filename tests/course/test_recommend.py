"""The recommendation policy: placement first, prerequisites respected, gaps closed in goal
order, teaching before practice before review, reasons in words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.course import Course, CourseCompetency, CourseLesson, Milestone
from lessonkit.course.model import CourseDefinitionError
from lessonkit.course.recommend import recommend
from lessonkit.course.record import CompetencyRecord, Goal, LearnerRecord, LessonProgress
from lessonkit.evidence.events import LearnerRef

from .conftest import with_placement

NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)
TEACHER = LearnerRef(id="mrs-t")


def record(
    course: Course,
    p: dict[str, float] | None = None,
    *,
    completed: tuple[str, ...] = (),
    lapsed: tuple[str, ...] = (),
    goals: tuple[Goal, ...] = (),
    assignments: tuple[Goal, ...] = (),
) -> LearnerRecord:
    """A record with the given P(known) (others at their prior, no evidence)."""
    p = p or {}
    comps = {
        c.id: CompetencyRecord(
            id=c.id,
            probability=p.get(c.id, c.mastery.prior),
            threshold=c.mastery.threshold,
            opportunities=3 if c.id in p else 0,
            mastered_at=NOW if c.id in lapsed else None,
        )
        for c in course.competencies
    }
    lessons = {lid: LessonProgress(lesson=lid, sessions=1, completed=1) for lid in completed}
    return LearnerRecord(
        course=course.id,
        learner=LearnerRef(id="ada"),
        as_of=NOW,
        competencies=comps,
        lessons=lessons,
        goals=goals,
        assignments=assignments,
    )


def goal(
    target: str,
    target_id: str,
    *,
    due: date | None = None,
    by: LearnerRef | None = None,
    note: str = "",
) -> Goal:
    return Goal(
        id=f"g-{target_id}",
        target=target,
        target_id=target_id,
        due=due,
        set_at=NOW,
        by=by,
        note=note,
    )


def test_a_new_learner_starts_with_placement_and_sees_every_lesson(course: Course) -> None:
    course = with_placement(course, optional=False)
    plan = recommend(course, record(course))
    assert plan.next is not None and plan.next.lesson == "python-basics-placement"
    assert plan.next.reason.startswith("Start with the placement check")
    status = {i.lesson: i.status for i in plan.items}
    assert status == {
        "python-basics-placement": "next",
        "python-lists": "ready",
        "python-loops": "locked",
        "loops-practice": "locked",
        "center-spread": "locked",
    }
    spread = plan.item("center-spread")
    assert spread.missing == ("lists", "for-loops", "accumulator")
    assert spread.reason == (
        "Needs lists, for loops and accumulating in a loop first (not yet mastered): start "
        "with Lists."
    )


def test_an_optional_placement_is_offered_and_a_newcomer_starts_with_the_first_lesson(
    course: Course,
) -> None:
    assert course.placement is not None and course.placement.optional  # the example course's
    plan = recommend(course, record(course))
    assert plan.next is not None and plan.next.lesson == "python-lists"
    assert (
        plan.next.reason == "Nothing is needed before lists. It works towards the milestone "
        "'Lists and loops' (due 2027-02-12)."
    )
    offered = plan.item("python-basics-placement")
    assert (offered.status, offered.kind) == ("ready", "placement")
    assert offered.reason == "Optional: a short check that marks what you already master."
    # taken anyway, it counts as it would when required: done, and what it placed out is skipped
    placed = record(
        course,
        {"lists": 0.99, "for-loops": 0.99},
        completed=("python-basics-placement",),
    )
    plan = recommend(course, placed)
    assert plan.item("python-basics-placement").status == "done"
    assert plan.item("python-lists").status == "done"
    assert plan.next is not None and plan.next.lesson == "python-loops"


def test_only_a_placement_can_be_optional() -> None:
    with pytest.raises(CourseDefinitionError, match="only a placement can be optional"):
        CourseLesson(id="lists", file="lists.lesson.yaml", optional=True)


def test_the_recommendation_follows_the_prerequisite_graph(course: Course) -> None:
    placed = record(
        course,
        {"lists": 0.99, "for-loops": 0.97, "accumulator": 0.3},
        completed=("python-basics-placement",),
    )
    plan = recommend(course, placed)
    assert plan.next is not None and plan.next.lesson == "python-loops"
    assert plan.next.reason == (
        "You have mastered for loops, which accumulating in a loop and while loops require. "
        "It works towards the milestone 'Lists and loops' (due 2027-02-12)."
    )
    assert plan.next.competencies == ("accumulator", "while-loops")
    assert plan.item("python-lists").status == "done"
    assert plan.item("center-spread").status == "locked"
    assert plan.item("center-spread").missing == ("accumulator",)
    # practice of competencies never taught waits for the lesson that teaches them
    practice = plan.item("loops-practice")
    assert practice.status == "ready" and practice.reason.startswith("Practice of")
    assert [i.status for i in plan.items] == ["next", "ready", "locked", "done", "done"]


def test_practice_follows_teaching_and_review_follows_forgetting(course: Course) -> None:
    taught = record(
        course,
        {"lists": 0.99, "for-loops": 0.97, "accumulator": 0.6, "while-loops": 0.96},
        completed=("python-lists", "python-loops"),
    )
    plan = recommend(course, taught)
    assert plan.next is not None and plan.next.lesson == "loops-practice"
    assert plan.next.kind == "practice"
    assert plan.next.reason.startswith(
        "Accumulating in a loop is at 60% (mastery at 95%): practise until it sticks."
    )
    # going through the taught lesson again is the second choice
    assert plan.item("python-loops").kind == "practice"
    assert plan.items.index(plan.item("python-loops")) == 1

    faded = record(course, {"lists": 0.8}, lapsed=("lists",), completed=("python-lists",))
    item = recommend(course, faded).item("python-lists")
    assert item.kind == "review"
    assert item.reason.startswith("You mastered lists on 2027-01-04, but your estimate is now 80%")

    # a review is practice: the practice lesson first, the teaching lesson again second
    lapsed = record(
        course,
        {"lists": 0.99, "for-loops": 0.9, "accumulator": 0.97, "while-loops": 0.96},
        lapsed=("for-loops",),
        completed=("python-lists", "python-loops", "loops-practice"),
    )
    plan = recommend(course, lapsed)
    assert plan.next is not None and plan.next.lesson == "loops-practice"
    assert plan.next.kind == "review"
    assert plan.item("python-loops").kind == "review"
    assert plan.items.index(plan.item("python-loops")) == 1


def test_teacher_assignments_come_first_and_locked_ones_stay_visible(course: Course) -> None:
    ready = record(
        course,
        {"lists": 0.99, "for-loops": 0.97, "accumulator": 0.98, "while-loops": 0.2},
        completed=("python-basics-placement",),
    )
    assigned = (goal("lesson", "center-spread", by=TEACHER, note="for Friday"),)
    plan = recommend(
        course,
        record(
            course,
            {k: c.probability for k, c in ready.competencies.items() if c.opportunities},
            completed=("python-basics-placement",),
            assignments=assigned,
        ),
    )
    assert plan.next is not None and plan.next.lesson == "center-spread"
    assert plan.next.reason.startswith("Assigned by mrs-t (for Friday). You have mastered")
    # without the assignment the milestone due first (loops: while loops) comes first
    assert recommend(course, ready).next.lesson == "python-loops"  # type: ignore[union-attr]
    # an assigned lesson whose prerequisites are not met is shown locked, with its teacher
    new = recommend(course, record(course, assignments=assigned))
    assert new.item("center-spread").status == "locked"
    assert new.item("center-spread").assigned_by == "mrs-t"


def _two_branches() -> Course:
    comps = (
        CourseCompetency(id="a"),
        CourseCompetency(id="b"),
        CourseCompetency(id="c", requires=("a",)),
    )
    lessons = (
        CourseLesson(id="la", file="la.lesson.yaml", develops=("a",)),
        CourseLesson(id="lb", file="lb.lesson.yaml", develops=("b",)),
        CourseLesson(id="lc", file="lc.lesson.yaml", develops=("c",)),
    )
    return Course(
        id="two",
        title="Two",
        competencies=comps,
        lessons=lessons,
        milestones=(Milestone(id="m", competencies=("a",), due=date(2027, 3, 1)),),
    )


def test_own_goals_come_before_milestones_and_the_ahead_get_a_challenge() -> None:
    course = _two_branches()
    assert recommend(course, record(course)).next.lesson == "la"  # type: ignore[union-attr]
    mine = (goal("competency", "b", due=date(2027, 1, 20)),)
    plan = recommend(course, record(course, goals=mine))
    assert plan.next is not None and plan.next.lesson == "lb"
    assert plan.next.reason == (
        "Nothing is needed before b. It works towards your goal: b (due 2027-01-20)."
    )
    ahead = recommend(course, record(course, {"a": 0.99}, completed=("la",)))
    assert ahead.next is not None and ahead.next.lesson == "lb"
    assert ahead.next.reason.endswith(
        "You have reached every goal and milestone: this is a next challenge."
    )
    done = recommend(course, record(course, {"a": 0.99, "b": 0.99, "c": 0.99}))
    assert done.next is None
    assert {i.status for i in done.items} == {"done"}


PROBABILITY = st.floats(min_value=0.0, max_value=1.0)


@settings(max_examples=200, deadline=None)
@given(
    p=st.fixed_dictionaries(
        {
            c: PROBABILITY
            for c in ("lists", "for-loops", "accumulator", "while-loops", "center", "spread")
        }
    ),
    completed=st.sets(
        st.sampled_from(
            [
                "python-basics-placement",
                "python-lists",
                "python-loops",
                "loops-practice",
                "center-spread",
            ]
        )
    ),
)
def test_no_recommendation_ever_skips_a_prerequisite(
    course: Course, p: dict[str, float], completed: set[str]
) -> None:
    rec = record(course, p, completed=tuple(sorted(completed)))
    plan = recommend(course, rec)
    assert sorted(i.lesson for i in plan.items) == sorted(e.id for e in course.lessons)
    mastered = rec.mastered_set
    for item in plan.items:
        if item.kind == "placement":
            continue
        needed = set(course.requirements(item.lesson))
        if item.status in ("next", "ready"):
            assert needed <= mastered, item
        if item.status == "locked":
            assert set(item.missing) == needed - mastered and item.missing
    if plan.next is None:
        assert all(i.status in ("done", "locked") for i in plan.items)
        assert all(i.status == "done" for i in plan.items if i.kind != "placement")


@pytest.mark.parametrize("status", ["overdue", "at-risk", "on-track"])
def test_milestone_status_by_date(course: Course, status: str) -> None:
    today = {
        "overdue": date(2027, 2, 13),
        "at-risk": date(2027, 2, 6),
        "on-track": date(2027, 1, 4),
    }[status]
    plan = recommend(course, record(course, {"lists": 0.99}), today=today)
    loops = plan.milestones[0]
    assert loops.id == "loops" and loops.status == status and loops.mastered == ("lists",)
    reached = record(
        course, dict.fromkeys(("lists", "for-loops", "accumulator", "while-loops"), 0.99)
    )
    assert recommend(course, reached, today=today).milestones[0].status == "reached"
