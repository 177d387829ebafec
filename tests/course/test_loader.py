"""Course files: the example validates; every kind of mistake is reported at FILE:LINE:COL."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.course import CourseDefinitionError, check_course, load_course

from .conftest import COURSE_FILE, ROOT

LISTS = ROOT / "lessons" / "python-basics" / "lists.lesson.yaml"
PRACTICE = ROOT / "lessons" / "python-basics" / "loops-practice.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"

HEAD = """\
lessonkit-course: 1
id: tiny
title: Tiny
competencies:
  - id: lists
  - id: for-loops
    requires: [lists]
  - id: accumulator
    requires: [for-loops]
  - id: while-loops
    requires: [for-loops]
lessons:
  - id: python-lists
    file: lists.lesson.yaml
    develops: [lists]
  - id: python-loops
    file: loops.lesson.yaml
    develops: [for-loops, accumulator, while-loops]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for source in (LISTS, PRACTICE, LOOPS):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def problems(folder: Path, text: str) -> list[str]:
    path = folder / "c.course.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    course, found = check_course(path)
    assert (course is None) == bool(found)
    return [str(p).replace(str(folder) + "/", "") for p in found]


def test_the_example_course_validates() -> None:
    course = load_course(COURSE_FILE)
    assert [e.id for e in course.lessons] == [
        "python-basics-placement",
        "python-lists",
        "python-loops",
        "loops-practice",
        "center-spread",
    ]
    assert course.placement is not None and course.placement.id == "python-basics-placement"
    assert course.order == ("lists", "for-loops", "accumulator", "while-loops", "center", "spread")
    assert course.prerequisites("spread") == ("lists", "for-loops", "accumulator", "center")
    assert course.requirements("center-spread") == ("lists", "for-loops", "accumulator")
    assert course.requirements("python-loops") == ("lists",)
    # BKT parameters come from the lessons that declare each competency
    assert course.params("accumulator").prior == 0.1
    assert course.half_life("lists") == 120.0


def test_a_minimal_course_validates(folder: Path) -> None:
    assert problems(folder, HEAD) == []


def test_a_prerequisite_cycle_is_spelled_out(folder: Path) -> None:
    text = HEAD.replace("  - id: lists\n", "  - id: lists\n    requires: [accumulator]\n")
    assert problems(folder, text) == [
        "c.course.yaml:6:15: competency 'lists': requires: prerequisite cycle: lists → "
        "accumulator → for-loops → lists (each requires the next); remove one requirement"
    ]


def test_unknown_ids_get_a_suggestion(folder: Path) -> None:
    text = HEAD.replace(
        "requires: [for-loops]\n  - id: while", "requires: [for-loop]\n  - id: while"
    )
    text = text.replace("develops: [lists]", "develops: [list]")
    text += "milestones:\n  - id: m1\n    competencies: [whileloops]\n    due: 2027-01-31\n"
    assert problems(folder, text) == [  # and nothing that follows from the typos
        "c.course.yaml:9:16: competency 'accumulator': requires: unknown competency "
        "'for-loop' (did you mean 'for-loops'?)",
        "c.course.yaml:15:16: lesson 'python-lists': develops: unknown competency 'list' "
        "(did you mean 'lists'?)",
        "c.course.yaml:21:20: milestone 'm1': competencies: unknown competency 'whileloops' "
        "(did you mean 'while-loops'?)",
    ]


def test_lesson_files_must_exist_match_and_declare_what_they_develop(folder: Path) -> None:
    text = HEAD.replace("id: python-lists", "id: lists-lesson")
    text = text.replace("file: loops.lesson.yaml", "file: missing.lesson.yaml")
    assert problems(folder, text) == [
        "c.course.yaml:13:9: lesson 'lists-lesson': the lesson file 'lists.lesson.yaml' "
        "has id 'python-lists', not 'lists-lesson'",
        "c.course.yaml:17:11: lesson 'python-loops': file: no such lesson file: "
        "missing.lesson.yaml",
    ]
    text = HEAD.replace("develops: [lists]", "develops: [lists, for-loops]")
    assert problems(folder, text) == [
        "c.course.yaml:15:23: lesson 'python-lists': develops: lesson 'python-lists' develops "
        "'for-loops', but its file declares no such competency",
    ]


def test_a_lesson_giving_evidence_it_does_not_list_is_reported(folder: Path) -> None:
    text = HEAD.replace("develops: [for-loops, accumulator, while-loops]", "develops: [for-loops]")
    found = problems(folder, text)
    assert found[:2] == [
        "c.course.yaml:8:9: competency 'accumulator': no lesson develops competency "
        "'accumulator'; list it in a lesson's develops",
        "c.course.yaml:10:9: competency 'while-loops': no lesson develops competency "
        "'while-loops'; list it in a lesson's develops",
    ]
    assert found[2:] == [
        f"c.course.yaml:18:15: lesson 'python-loops': develops: lesson 'python-loops' gives "
        f"evidence for course competency '{cid}', which it neither develops nor needs first "
        "(its requires, and the prerequisites of what it develops); list it in develops or "
        "requires"
        for cid in ("accumulator", "while-loops")
    ]


def test_two_lessons_must_agree_on_bkt_parameters(folder: Path) -> None:
    practice = (folder / "loops-practice.lesson.yaml").read_text(encoding="utf-8")
    practice = practice.replace(
        "mastery: {prior: 0.1, learn: 0.15, guess: 0.1, slip: 0.1}",
        "mastery: {prior: 0.1, learn: 0.3, guess: 0.1, slip: 0.1}",
    )
    (folder / "loops-practice.lesson.yaml").write_text(practice, encoding="utf-8")
    text = HEAD + (
        "  - id: loops-practice\n    file: loops-practice.lesson.yaml\n    kind: practice\n"
        "    develops: [for-loops, accumulator, while-loops]\n"
    )
    assert problems(folder, text) == [
        "c.course.yaml:20:11: lesson 'loops-practice': file: competency 'accumulator': lesson "
        "'loops-practice' gives BKT parameters {prior: 0.1, learn: 0.3, guess: 0.1, slip: 0.1, "
        "forget: 0, threshold: 0.95} but lesson 'python-loops' gives {prior: 0.1, learn: 0.15, "
        "guess: 0.1, slip: 0.1, forget: 0, threshold: 0.95}; a course needs one set per "
        "competency"
    ]


def test_only_a_placement_lesson_can_be_optional(folder: Path) -> None:
    text = HEAD.replace("develops: [lists]\n", "develops: [lists]\n    optional: true\n")
    assert problems(folder, text) == [
        "c.course.yaml:16:15: lesson 'python-lists': optional: only a placement lesson can be "
        "optional (remove 'optional')",
    ]
    text = HEAD.replace("develops: [lists]\n", "develops: [lists]\n    optional: sometimes\n")
    assert problems(folder, text) == [
        "c.course.yaml:16:15: lesson 'python-lists': optional: expected true or false, got the "
        "text 'sometimes'",
    ]


def test_schema_problems_read_like_lesson_problems(folder: Path) -> None:
    text = HEAD.replace("lessonkit-course: 1", "lessonkit-course: 2")
    text = text.replace("title: Tiny", "title: Tiny\nhalf_life: 30")
    text = text.replace("file: lists.lesson.yaml", "file: /etc/lists.lesson.yaml")
    text += "milestones:\n  - id: m1\n    competencies: [lists]\n    due: '2027-02-30'\n"
    text += "  - id: m2\n    competencies: [lists]\n    due: next week\n"
    assert problems(folder, text) == [
        "c.course.yaml:1:19: lessonkit-course: unsupported course format version 2; this "
        "lessonkit reads version 1 (write 'lessonkit-course: 1')",
        "c.course.yaml:4:1: unknown key 'half_life' (did you mean 'half_life_days'?)",
        "c.course.yaml:15:11: lesson 'python-lists': file: '/etc/lists.lesson.yaml' is not "
        "valid: expected a path relative to the course file",
        "c.course.yaml:23:10: milestone 'm1': due: '2027-02-30' is not a real date",
        "c.course.yaml:26:10: milestone 'm2': due: 'next week' is not valid: expected a date, "
        "YYYY-MM-DD",
    ]


def test_hostile_or_broken_files_give_a_message_not_a_traceback(folder: Path) -> None:
    (folder / "empty.course.yaml").write_text("# nothing\n", encoding="utf-8")
    assert [str(p) for p in check_course(folder / "empty.course.yaml")[1]] == [
        f"{folder}/empty.course.yaml:1:1: the file is empty; a course needs lessonkit-course, "
        "id, title, competencies and lessons"
    ]
    (folder / "bomb.course.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        ),
        encoding="utf-8",
    )
    found = check_course(folder / "bomb.course.yaml")[1]
    assert found and "(an alias bomb?)" in found[0].message
    assert (found[0].line, found[0].column) != (0, 0)
    with pytest.raises(CourseDefinitionError, match="no such lesson file"):
        path = folder / "c.course.yaml"
        path.write_text(HEAD.replace("loops.lesson.yaml", "nope.lesson.yaml"), encoding="utf-8")
        load_course(path)


def test_cli_validate(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["course", "validate", str(COURSE_FILE)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{COURSE_FILE}: ok",
        "1 of 1 file(s) valid",
    ]
    bad = folder / "bad.course.yaml"
    cycle = HEAD.replace("[lists]\n  - id: accum", "[lists, while-loops]\n  - id: accum")
    bad.write_text(cycle, encoding="utf-8")
    assert main(["course", "validate", str(bad)]) == 1
    assert "prerequisite cycle: for-loops → while-loops → for-loops" in capsys.readouterr().out
    assert main(["course", "validate", str(folder / "none.course.yaml")]) == 2
