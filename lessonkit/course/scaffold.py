"""``lessonkit course new``: a course file over existing lessons, written to validate.

Each lesson develops the competencies it is the first to declare (in the order the lessons are
given); a competency an earlier lesson already develops becomes something the later lesson
``requires``, since it gives evidence for it without teaching it. The author then adds
prerequisites between competencies, milestones and dates. With no lessons at all, a first
lesson is scaffolded beside the course (as ``lessonkit new`` does).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import LessonDefinitionError, Problem
from ..lesson.loader import LESSON_SUFFIXES, load_lesson
from ..lesson.model import Lesson
from ..lesson.scaffold import new_lesson, slug
from .loader import COURSE_SUFFIXES
from .schema import COURSE_SCHEMA_URL

__all__ = ["find_lessons", "new_course"]


def find_lessons(folder: Path) -> list[Path]:
    """Every lesson file under ``folder`` (hidden folders skipped), in name order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [Path(root, f) for f in sorted(files) if f.endswith(LESSON_SUFFIXES)]
    return found


def new_course(title: str, folder: Path = Path("."), lessons: Sequence[Path] = ()) -> Path:
    """Write ``folder/<id>.course.yaml`` over ``lessons`` (default: every lesson file under
    ``folder``, or a new first lesson when there is none); return its path.

    Raises
    ------
    LessonDefinitionError
        When the course file exists already, or a lesson does not load (fix it first).
    """
    ident, shown = slug(title, "course")
    target = folder / f"{ident}{COURSE_SUFFIXES[0]}"
    if target.exists():
        raise LessonDefinitionError(f"{target} already exists; choose another name")
    files = list(lessons) or find_lessons(folder)
    if not files:
        lesson_folder = new_lesson(f"{ident}-first-lesson", folder)
        files = [lesson_folder / f"{lesson_folder.name}{LESSON_SUFFIXES[0]}"]
    loaded = [(path, _load(path)) for path in files]
    if not lessons:
        loaded = _teaching_order(loaded)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(_text(ident, shown, folder, loaded), encoding="utf-8")
    return target


def _load(path: Path) -> Lesson:
    if not path.is_file():
        raise LessonDefinitionError(f"no such lesson file: {path}")
    try:
        return load_lesson(path)
    except LessonDefinitionError as exc:
        raise LessonDefinitionError(
            [*exc.problems, Problem(f"fix {path} first (`lessonkit validate {path}`)")]
        ) from exc


def _teaching_order(lessons: list[tuple[Path, Lesson]]) -> list[tuple[Path, Lesson]]:
    """Lessons found (not named) in a likely teaching order: one whose competencies are all
    another's comes before it (a lesson that also asks about what an earlier one taught),
    else by file name."""
    sets = [frozenset(c.id for c in lesson.competencies) for _, lesson in lessons]

    def below(i: int) -> int:
        return sum(other < sets[i] for other in sets)

    order = sorted(range(len(lessons)), key=lambda i: (below(i), str(lessons[i][0])))
    return [lessons[i] for i in order]


_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9 _./()'-]*")


def _q(text: str) -> str:
    """A YAML scalar for any text: plain where YAML reads it back as the same text, else
    quoted (JSON strings are YAML)."""
    plain = _SAFE.fullmatch(text) and text == text.strip() and text.lower() not in _WORDS
    return text if plain else json.dumps(text, ensure_ascii=False)


def _text(ident: str, title: str, folder: Path, lessons: list[tuple[Path, Lesson]]) -> str:
    titles: dict[str, str] = {}
    developer: dict[str, str] = {}
    for _, lesson in lessons:
        for comp in lesson.competencies:
            titles.setdefault(comp.id, comp.title)
            developer.setdefault(comp.id, lesson.id)
    lines = [
        f"# yaml-language-server: $schema={COURSE_SCHEMA_URL}",
        f"# {title}: a lessonkit course. Check it with `lessonkit course validate` (or",
        "# `lessonkit validate`); the format is described in docs/courses.md.",
        "lessonkit-course: 1",
        f"id: {_id(ident)}",
        f"title: {_q(title)}",
        'version: "0.1"',
        "# Give a competency `requires: [id, ...]`: what to master before the lessons that",
        "# develop it (the learning plan keeps those lessons locked until then).",
        "competencies:",
    ]
    for cid, name in titles.items():
        lines.append(f"  - id: {_id(cid)}")
        if name:
            lines.append(f"    title: {_q(name)}")
    lines.append("lessons:")
    for path, lesson in lessons:
        develops = [c.id for c in lesson.competencies if developer[c.id] == lesson.id]
        requires = [c.id for c in lesson.competencies if developer[c.id] != lesson.id]
        lines += [
            f"  - id: {_id(lesson.id)}",
            f"    file: {_q(_relative(path, folder))}",
            f"    develops: [{', '.join(map(_id, develops))}]",
        ]
        if requires:
            lines.append(f"    requires: [{', '.join(map(_id, requires))}]")
        notebook = path.with_name(path.name.split(".", 1)[0] + ".ipynb")
        if notebook.is_file():
            lines.append(f"    notebook: {_q(_relative(notebook, folder))}")
    lines += [
        "milestones:",
        f"  - id: {_id(ident)}",
        f"    title: {_q(title)}",
        f"    competencies: [{', '.join(map(_id, titles))}]",
        "    # due: 2027-06-30",
        "",
    ]
    return "\n".join(lines)


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _id(ident: str) -> str:
    """An id as YAML reads it back as text: quoted only where plain YAML would not."""
    plain = _PLAIN.fullmatch(ident) and ident.lower() not in _WORDS
    return ident if plain else _q(ident)


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()
