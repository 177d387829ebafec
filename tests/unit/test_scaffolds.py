"""``lessonkit new`` and ``lessonkit course new`` write files that validate, with a ``$schema``
line naming the published schema, which is the very file lessonkit ships
(``lessonkit schema KIND --path``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.course import check_course

ROOT = Path(__file__).resolve().parents[2]
PROBABILITY = ROOT / "tests" / "data" / "probability"
PREFIX = "# yaml-language-server: $schema="


def _out(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def _published(url: str) -> Path:
    """The repository file a published schema URL names."""
    base = "https://raw.githubusercontent.com/lessonkit/lessonkit/main/"
    assert url.startswith(base), url
    return ROOT / url.removeprefix(base)


@pytest.mark.parametrize("kind", ["lesson", "course"])
def test_the_schema_command_and_the_published_file_agree(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(_out(capsys, "schema", kind, "--path"))
    url = _out(capsys, "schema", kind, "--url")
    printed = json.loads(_out(capsys, "schema", kind))
    assert path.is_file() and path.name == f"{kind}.v1.json"
    assert _published(url).read_bytes() == path.read_bytes()
    assert printed == json.loads(path.read_text(encoding="utf-8"))


def test_new_lesson_names_its_schema_and_takes_any_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _out(capsys, "new", "Probability: the basics", "--dir", str(tmp_path))
    lesson = tmp_path / "probability-the-basics" / "probability-the-basics.lesson.yaml"
    first = lesson.read_text(encoding="utf-8").splitlines()[0]
    assert first == PREFIX + _out(capsys, "schema", "lesson", "--url")
    assert main(["validate", str(lesson)]) == 0


def test_course_new_over_existing_lessons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("sample-space.lesson.yaml", "conditional.lesson.yaml"):
        shutil.copy(PROBABILITY / name, tmp_path / name)
    argv = ["course", "new", "Probability", "--lesson", "sample-space.lesson.yaml"]
    argv += ["--lesson", "conditional.lesson.yaml"]
    assert _out(capsys, *argv).splitlines() == [
        "created probability.course.yaml",
        "  next: edit it, then run `lessonkit course validate probability.course.yaml`",
    ]
    text = Path("probability.course.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == PREFIX + _out(capsys, "schema", "course", "--url")
    course, problems = check_course("probability.course.yaml")
    assert problems == [] and course is not None
    # the first lesson to declare a competency develops it; a later one requires it
    assert course.lesson("sample-space").develops == ("sample-space",)
    assert course.lesson("conditional").develops == ("conditional",)
    assert course.lesson("conditional").requires == ("sample-space",)
    assert [m.competencies for m in course.milestones] == [("sample-space", "conditional")]
    # never overwritten
    assert main(argv) == 1
    assert "probability.course.yaml already exists" in capsys.readouterr().err
    # found rather than named: a lesson whose competencies another lesson also asks about
    # comes first, whatever the file names ('conditional' sorts before 'sample-space')
    assert main(["course", "new", "Found"]) == 0
    found, _ = check_course("found.course.yaml")
    assert found is not None
    assert [e.id for e in found.lessons] == ["sample-space", "conditional"]
    assert "title: Found\n" in Path("found.course.yaml").read_text(encoding="utf-8")


def test_course_new_alone_scaffolds_a_first_lesson_and_refuses_a_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first"
    assert main(["course", "new", "Statistics: week 1", "--dir", str(first)]) == 0
    capsys.readouterr()
    assert main(["validate", str(first)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 of 2 file(s) valid"
    assert f"{first}/statistics-week-1.course.yaml: ok" in out
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.lesson.yaml").write_text("lessonkit: 1\nid: x\n", encoding="utf-8")
    assert main(["course", "new", "Broken", "--dir", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}/x.lesson.yaml:1:1: missing required key 'title'" in err
    assert f"fix {broken}/x.lesson.yaml first (`lessonkit validate {broken}/x.lesson.yaml`)" in err
    assert not (broken / "broken.course.yaml").exists()
