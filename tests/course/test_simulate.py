"""``course simulate``: simulated learners through the whole course under the recommendation
policy and a fixed order (the benchmark in benchmarks/bench_course.py runs more of them)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from lessonkit.cli import main
from lessonkit.course import Course
from lessonkit.course.simulate import CourseLearnerModel, simulate_course, summary

from .conftest import COURSE_FILE, with_placement


def test_runs_are_deterministic_and_paired(course: Course) -> None:
    model = CourseLearnerModel()
    one = summary(course, simulate_course(course, learners=60, seed=3, model=model), 600)
    two = summary(course, simulate_course(course, learners=60, seed=3, model=model), 600)
    other = summary(course, simulate_course(course, learners=60, seed=4, model=model), 600)
    assert one == two
    assert one != other


def test_the_recommendation_reaches_milestones_in_fewer_steps(course: Course) -> None:
    model = CourseLearnerModel(known=0.5)
    results = simulate_course(course, learners=300, seed=0, model=model)
    ours, fixed = results["recommended"], results["fixed"]
    for milestone in course.milestones:
        assert ours.reached_share(milestone.id) == fixed.reached_share(milestone.id) == 1.0
        assert ours.mean_steps(milestone.id, 600) < fixed.mean_steps(milestone.id, 600)
    # the example course offers its placement check: the plan starts with the first lesson
    assert all(run.lessons[0] == "python-lists" for run in ours.runs)
    # nobody under the fixed order takes the placement; the fixed order is the course order
    assert fixed.runs[0].lessons[:4] == [
        "python-lists",
        "python-loops",
        "loops-practice",
        "center-spread",
    ]


def test_a_required_placement_lets_those_who_know_skip_lessons(course: Course) -> None:
    # learners who know it all, the check required first: it skips lessons (fewer than the
    # fixed four; a slip in the check, 1 in 10 answers here, sends a learner to a lesson anyway)
    required = with_placement(course, optional=False)
    model = CourseLearnerModel(known=1.0)
    experts = simulate_course(required, learners=100, seed=0, model=model)
    runs = experts["recommended"].runs
    assert all(run.lessons[0] == "python-basics-placement" for run in runs)
    taken = [len(run.lessons) - 1 for run in runs]  # less the placement
    assert sum(t < 4 for t in taken) > 50 and sum(taken) / len(taken) < 3.5
    # the check covers the first milestone only: nobody skips the center-spread lesson
    assert all("center-spread" in run.lessons for run in runs)
    assert all(len(run.lessons) >= 4 for run in experts["fixed"].runs)


def test_false_mastery_is_counted_when_a_milestone_is_reached(course: Course) -> None:
    # Learners who cannot learn and guess half the time: every mastery declared is false
    guessing = Course(
        id=course.id,
        title=course.title,
        competencies=tuple(
            replace(c, mastery=replace(c.mastery, learn=0.0, guess=0.5))
            for c in course.competencies
        ),
        lessons=course.lessons,
        milestones=course.milestones,
    )
    model = CourseLearnerModel(known=0.0, max_steps=150)
    results = simulate_course(guessing, learners=40, seed=1, model=model)
    for result in results.values():
        reached = [r for r in result.runs if r.reached]
        assert all(r.false_mastery[m] > 0 for r in reached for m in r.reached)
        if reached:
            assert result.false_mastery_rate(guessing) == 1.0


def test_cli_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["course", "simulate", str(COURSE_FILE), "-n", "40", "--seed", "2"]
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["milestones"]) == {"loops", "summaries"}
    assert set(data["milestones"]["loops"]) == {"recommended", "fixed"}
    assert {"mean", "standard_error"} <= set(data["false_mastery_difference"])
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "course python-basics: 40 simulated learners per policy" in text
    assert "false mastery, recommended - fixed (paired)" in text
    with pytest.raises(SystemExit) as usage:
        main([*argv, "--known", "2"])
    assert usage.value.code == 2
    assert "must be between 0 and 1" in capsys.readouterr().err
