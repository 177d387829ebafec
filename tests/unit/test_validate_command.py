"""``lessonkit validate`` checks lesson and course files alike; each command says which files
are its own; one stream, one path style; warnings that do not fail a file unless --strict."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lessonkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROBABILITY = ROOT / "tests" / "data" / "probability"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the probability course, the working directory for relative paths."""
    shutil.copytree(PROBABILITY, tmp_path / "probability")
    monkeypatch.chdir(tmp_path)
    return Path("probability")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_a_course_file_is_validated_as_a_course(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "validate", "probability/probability.course.yaml")
    assert (code, out, err) == (
        0,
        ["probability/probability.course.yaml: ok", "1 of 1 file(s) valid"],
        "",
    )


def test_a_folder_includes_its_course_files(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "validate", "probability")
    assert code == 0
    assert out == [
        "probability/conditional.lesson.yaml: ok",
        "probability/probability.course.yaml: ok",
        "probability/sample-space.lesson.yaml: ok",
        "3 of 3 file(s) valid",
    ]
    course = folder / "probability.course.yaml"
    course.write_text(
        course.read_text(encoding="utf-8").replace("[sample-space, conditional]", "[sample]"),
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "validate", "probability")
    assert code == 1
    assert "probability/probability.course.yaml:" in out[1]
    assert "unknown competency 'sample' (did you mean 'sample-space'?)" in out[1]
    assert out[-1] == "2 of 3 file(s) valid"


def test_a_course_by_its_content_and_each_command_names_its_files(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(folder / "probability.course.yaml", folder / "course.yaml")
    code, out, _ = _run(capsys, "validate", "probability/course.yaml")
    assert (code, out[0]) == (0, "probability/course.yaml: ok")
    shutil.copy(folder / "probability.course.yaml", folder / "misnamed.lesson.yaml")
    code, out, _ = _run(capsys, "validate", "probability/misnamed.lesson.yaml")
    assert (code, out[0]) == (0, "probability/misnamed.lesson.yaml: ok")
    # the course command refuses a lesson and says which command checks it
    code, out, err = _run(capsys, "course", "validate", "probability/sample-space.lesson.yaml")
    assert code == 2
    assert err == (
        "lessonkit: error: probability/sample-space.lesson.yaml is a lesson file, not a "
        "course: check it with `lessonkit validate probability/sample-space.lesson.yaml`\n"
    )
    # a lesson command given a course, or a course loaded as a lesson, says what it is
    code, _, err = _run(capsys, "graph", "probability/probability.course.yaml")
    assert code == 1
    assert "this is a course file (it has 'lessonkit-course:'), not a lesson" in err
    assert "`lessonkit course validate|graph|plan probability/probability.course.yaml`" in err
    shutil.copy(folder / "sample-space.lesson.yaml", folder / "lesson.yaml")
    (folder / "odd.course.yaml").write_text(
        (folder / "sample-space.lesson.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code, out, _ = _run(capsys, "course", "validate", "probability/odd.course.yaml")
    assert code == 1
    assert out[0] == (
        "probability/odd.course.yaml:2:1: this is a lesson file (it has 'lessonkit:'), not a "
        "course: check it with `lessonkit validate probability/odd.course.yaml`"
    )


def test_lesson_problems_of_a_course_use_the_path_as_typed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lessons = Path("lessons")
    lessons.mkdir()
    shutil.move(folder / "conditional.lesson.yaml", lessons / "conditional.lesson.yaml")
    course = folder / "probability.course.yaml"
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace("file: conditional.lesson.yaml", "file: ../lessons/conditional.lesson.yaml"),
        encoding="utf-8",
    )
    broken = lessons / "conditional.lesson.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("    kind: content", "    kind: contnet"),
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "course", "validate", "probability/probability.course.yaml")
    assert code == 1
    assert out[0].startswith(
        "probability/probability.course.yaml:15:11: lesson 'conditional': file: the lesson file "
        "../lessons/conditional.lesson.yaml is not valid"
    )
    assert out[1].startswith("lessons/conditional.lesson.yaml:")  # as typed, not absolute
    assert not any(line.startswith(os.sep) for line in out)
    assert out[-1] == "0 of 1 file(s) valid"
    assert err == ""
    # the same problems once, when the folder holding both is validated
    code, out, _ = _run(capsys, "validate", ".")
    assert sum(line.startswith("lessons/conditional.lesson.yaml:") for line in out) == 1


WARNED = """\
lessonkit: 1
id: warned
title: Warned
steps:
  - id: q
    kind: question
    prompt: 1 + 1?
    check: {type: numeric, answer: 2}
    max_attempts: 2
    next:
      rules:
        - when: not correct and attempts >= 3
          goto: help
      default: done
  - id: help
    kind: content
    next: done
  - id: done
    kind: end
"""


def test_warnings_print_at_their_place_and_fail_only_when_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("warned.lesson.yaml").write_text(WARNED, encoding="utf-8")
    code, out, err = _run(capsys, "validate", "warned.lesson.yaml")
    assert (code, err) == (0, "")
    assert out == [
        "warned.lesson.yaml:12:17: warning: step 'q': next: rules: when: this rule can never "
        "fire: after this step, attempts is at most 2 (max_attempts: 2)",
        "warned.lesson.yaml: ok (1 warning)",
        "1 of 1 file(s) valid",
    ]
    code, out, _ = _run(capsys, "validate", "--strict", "warned.lesson.yaml")
    assert code == 1
    assert out[-1] == "0 of 1 file(s) valid"


def test_the_example_lessons_have_no_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "validate", "--strict", str(ROOT / "lessons"))
    assert code == 0
    assert not [line for line in out if "warning" in line]
    assert any(line.endswith("python-basics.course.yaml: ok") for line in out)
