"""One rule for what a course lesson needs first, used by validation and by the learning plan.

A lesson needs its own ``requires`` and the prerequisites of what it develops; it may give
evidence for those and for what it develops. ``lessonkit course validate`` and ``recommend``
both apply :func:`lessonkit.course.model.lesson_needs`, so a course the validator accepts is
one the plan treats the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lessonkit.course import check_course, load_course
from lessonkit.course.recommend import recommend

from .conftest import COURSE_FILE, ROOT
from .test_recommend import record

PROBABILITY = ROOT / "tests" / "data" / "probability"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "probability"
    shutil.copytree(PROBABILITY, folder)
    return folder / "probability.course.yaml"


def test_a_lesson_may_give_evidence_for_the_prerequisites_of_what_it_develops(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path)
    # The conditional lesson asks a sample-space question; sample-space is a prerequisite of
    # the conditional competency it develops, so its own `requires` is not needed.
    text = path.read_text(encoding="utf-8")
    own = "    develops: [conditional]\n    requires: [sample-space]\n"
    assert own in text
    path.write_text(text.replace(own, "    develops: [conditional]\n"), encoding="utf-8")
    course, problems = check_course(path)
    assert [str(p) for p in problems] == []
    assert course is not None
    # ... and the plan treats sample-space as what the lesson needs first.
    assert course.requirements("conditional") == ("sample-space",)
    plan = recommend(course, record(course))
    assert plan.item("conditional").status == "locked"
    assert "sample spaces" in plan.item("conditional").reason
    plan = recommend(course, record(course, {"sample-space": 0.99}))
    assert plan.item("conditional").status in ("next", "ready")


def test_evidence_for_what_a_lesson_neither_develops_nor_needs_is_reported(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    # sample-space no longer a prerequisite of conditional, and not required by the lesson
    text = text.replace("    requires: [sample-space]\n", "")
    path.write_text(text, encoding="utf-8")
    _, problems = check_course(path)
    assert [p.message for p in problems] == [
        "lesson 'conditional': develops: lesson 'conditional' gives evidence for course "
        "competency 'sample-space', which it neither develops nor needs first (its requires, "
        "and the prerequisites of what it develops); list it in develops or requires"
    ]


def test_validation_and_the_plan_agree_on_the_example_course() -> None:
    from lessonkit.course.model import lesson_needs

    course = load_course(COURSE_FILE)
    graph = {c.id: c.requires for c in course.competencies}
    for entry in course.lessons:
        needs = lesson_needs(entry.develops, entry.requires, graph)
        assert set(course.requirements(entry.id)) == needs
        lesson = entry.lesson
        assert lesson is not None
        if entry.kind != "placement":
            given = {c.id for c in lesson.competencies if course.has_competency(c.id)}
            assert given <= set(entry.develops) | needs, entry.id


def test_prerequisite_closure_follows_chains_and_stops_on_cycles() -> None:
    from lessonkit.course.model import lesson_needs, prerequisite_closure

    graph = {"c": ("b",), "b": ("a",), "a": (), "x": ("y",), "y": ("x",)}
    assert prerequisite_closure(graph, ["c"]) == {"a", "b"}
    assert prerequisite_closure(graph, ["x"]) == {"x", "y"}
    assert lesson_needs(["c"], ["z"], graph) == {"a", "b", "z"}
    assert lesson_needs(["b", "c"], [], graph) == {"a"}
