"""Courses: the learning plan's recommendation policy against a fixed order (``course simulate``).

Simulated learners go through the example course ``lessons/python-basics`` twice — once choosing
lessons with the recommendation policy (the first item of their plan each time; the course
offers its placement check rather than imposing it), once in the course's fixed order (the whole
sequence again until every milestone is reached) — on the same learners with the same starting
knowledge and common random numbers. A third run, reported without a target, requires the
placement check first: what imposing it would cost.
Reported, for two classes (knowledge drawn from each competency's prior; a mixed class knowing
each competency with probability 0.6 given its prerequisites):

- mean steps (screens) to each milestone, recommended vs. fixed: fewer is the target (the
  median and its ratio are reported next to it);
- false mastery when milestones are reached (declared mastered, not really known): the target is
  "not more often than under the fixed order" — the paired difference must stay within two
  standard errors of zero or below;
- the time the simulation takes.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from lessonkit.course import Course, load_course
from lessonkit.course.simulate import CourseLearnerModel, simulate_course, summary

COURSE = Path(__file__).resolve().parents[1] / "lessons/python-basics/python-basics.course.yaml"
CLASSES = {"prior knowledge": None, "mixed class (0.6)": 0.6, "experts (1.0)": 1.0}
"""Simulated classes: P(knowing each competency at the start, given its prerequisites)."""
INFORMATIONAL = {"experts (1.0)"}
"""Classes reported without a target: every learner knows everything, so the only question is
whether the plan costs them more than the fixed order does."""


def bench_class(label: str, known: float | None, learners: int) -> list[dict[str, Any]]:
    course = load_course(COURSE)
    model = CourseLearnerModel(known=known)
    started = time.perf_counter()
    results = simulate_course(course, learners=learners, seed=1, model=model)
    elapsed = time.perf_counter() - started
    data = summary(course, results, model.max_steps)
    # The same learners with the placement check required first (the course offers it): what
    # imposing it would cost, reported without a target.
    imposed = simulate_course(
        _required_placement(course), learners=learners, seed=1, model=model,
        policies=("recommended",),
    )  # fmt: skip
    required = summary(course, imposed, model.max_steps)
    rows: list[dict[str, Any]] = []
    for milestone in course.milestones:
        by = data["milestones"][milestone.id]  # type: ignore[index]
        ours, fixed = by["recommended"], by["fixed"]
        fewer = ours["mean_steps"] < fixed["mean_steps"] and ours["reached"] >= fixed["reached"]
        rows += [
            {"name": f"course {label}: steps to '{milestone.id}', fixed order [baseline]",
             "value": fixed["mean_steps"], "unit": "steps",
             "median": fixed["median_steps"], "reached": fixed["reached"]},
            {"name": f"course {label}: steps to '{milestone.id}', recommended",
             "value": ours["mean_steps"], "unit": "steps", "median": ours["median_steps"],
             "reached": ours["reached"], "baseline": "fixed order",
             "ratio": ours["mean_steps"] / fixed["mean_steps"],
             "median_ratio": ours["median_steps"] / fixed["median_steps"],
             "target": "" if label in INFORMATIONAL else "fewer than fixed",
             "ok": None if label in INFORMATIONAL else fewer},
        ]  # fmt: skip
        forced = required["milestones"][milestone.id]["recommended"]  # type: ignore[index]
        rows.append(
            {"name": f"course {label}: steps to '{milestone.id}', recommended, placement "
             "check required", "value": forced["mean_steps"], "unit": "steps",
             "median": forced["median_steps"], "reached": forced["reached"],
             "baseline": "fixed order", "ratio": forced["mean_steps"] / fixed["mean_steps"],
             "median_ratio": forced["median_steps"] / fixed["median_steps"],
             "false_mastery": forced["false_mastery"]}
        )  # fmt: skip
    false = data["false_mastery"]  # type: ignore[index]
    diff = data["false_mastery_difference"]  # type: ignore[index]
    rows += [
        {"name": f"course {label}: false mastery, fixed order [baseline]",
         "value": 100 * false["fixed"], "unit": "%"},
        {"name": f"course {label}: false mastery, recommended", "value": 100 * false["recommended"],
         "unit": "%", "baseline": "fixed order",
         "ratio": false["recommended"] / false["fixed"] if false["fixed"] else None,
         "difference_pp": 100 * diff["mean"], "standard_error_pp": 100 * diff["standard_error"],
         "target": "not more often",
         "ok": diff["mean"] <= 2 * diff["standard_error"]},
        {"name": f"course {label}: simulate {learners} learners x 2 policies",
         "median_s": elapsed, "lessons_per_learner": {
             p: statistics.fmean(len(r.lessons) for r in res.runs) for p, res in results.items()}},
    ]  # fmt: skip
    return rows


def _required_placement(course: Course) -> Course:
    """The course with its placement check required first."""
    lessons = tuple(
        replace(e, optional=False) if e.kind == "placement" else e for e in course.lessons
    )
    return replace(course, lessons=lessons)


def run(quick: bool) -> list[dict[str, Any]]:
    learners = 300 if quick else 3000
    rows: list[dict[str, Any]] = []
    for label, known in CLASSES.items():
        rows += bench_class(label, known, learners)
    return rows
