"""Course files (``*.course.yaml``) to :class:`~lessonkit.course.model.Course`.

Like a lesson file, a course file is read in passes that report every problem at once as
``FILE:LINE:COL: message``: decoding, YAML syntax (with positions, duplicate keys and hostile
input caught by :mod:`lessonkit.lesson.source`), the JSON Schema ``course.v1.json``, then the
semantic checks of :mod:`lessonkit.course.validate` — including loading each lesson file the
course names, whose own problems are reported at their own ``FILE:LINE:COL``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..lesson.competency import MasteryParams
from ..lesson.loader import check_file, describe_path
from ..lesson.model import Lesson
from ..lesson.source import MAX_BYTES, Located, decode_source, parse_yaml
from .model import Course, CourseCompetency, CourseDefinitionError, CourseLesson, Milestone
from .schema import schema_problems
from .validate import course_findings

__all__ = ["COURSE_SUFFIXES", "check_course", "file_kind", "load_course"]

COURSE_SUFFIXES = (".course.yaml", ".course.yml", ".course.json")
"""File names recognised as courses."""

_COURSE_KEY = re.compile(
    r"""^(?:lessonkit-course|"lessonkit-course"|'lessonkit-course')\s*:""", re.M
)
_JSON_KEY = re.compile(r'"lessonkit-course"\s*:')


def file_kind(path: str | os.PathLike[str]) -> str:
    """``"course"`` or ``"lesson"``: a ``*.course.yaml`` name or a ``lessonkit-course:`` key
    makes a course; anything else (anything unreadable too) counts as a lesson."""
    name = os.fspath(path)
    if name.endswith(COURSE_SUFFIXES):
        return "course"
    try:
        with open(name, "rb") as fh:
            text = fh.read(MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return "lesson"
    return "course" if _COURSE_KEY.search(text) or _JSON_KEY.search(text) else "lesson"


Path_ = tuple[str | int, ...]
_LABELS = {"competencies": "competency", "lessons": "lesson", "milestones": "milestone"}


def load_course(path: str | os.PathLike[str]) -> Course:
    """Load and validate a course file and its lessons.

    Raises
    ------
    CourseDefinitionError
        With every problem found (of the course file and of the lesson files it names).
    """
    course, problems = check_course(path)
    if course is None:
        raise CourseDefinitionError(problems)
    return course


def check_course(path: str | os.PathLike[str]) -> tuple[Course | None, list[Problem]]:
    """The course at ``path`` (or ``None``) and every problem found."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror or exc}", source, 1, 1)]
    try:
        # Lesson files are named relative to the course file as the caller named it, so
        # their problems read in the same terms as the course's own.
        return _check(raw, source, Path(source).parent)
    except RecursionError:
        return None, [Problem("the document is nested too deeply", source, 1, 1)]


def _check(raw: bytes, source: str, base: Path) -> tuple[Course | None, list[Problem]]:
    text, problems = decode_source(raw, source)
    if text is None:
        return None, problems
    located, problems = parse_yaml(text, source)
    if problems:
        for i, p in enumerate(problems):
            if p.message.startswith("the file is empty"):
                problems[i] = Problem(
                    "the file is empty; a course needs lessonkit-course, id, title, "
                    "competencies and lessons",
                    source,
                    p.line,
                    p.column,
                )
        return None, problems
    data = located.data
    if not isinstance(data, Mapping):
        message = "a course file must be a mapping with 'lessonkit-course', 'id', 'title', ..."
        return None, [Problem(message, source, 1, 1)]
    if "lessonkit" in data and "lessonkit-course" not in data:
        message = (
            "this is a lesson file (it has 'lessonkit:'), not a course: check it with "
            f"`lessonkit validate {source}`"
        )
        return None, [_at(located, data, ("lessonkit",), message, source, at_key=True)]
    data = _dates_as_text(data)
    schema_paths: set[Path_] = set()
    for path, message, at_key in schema_problems(data):
        schema_paths.add(path)
        problems.append(_at(located, data, path, message, source, at_key=at_key))
    lessons, elsewhere = _load_lessons(data, base, located, source, problems)
    later: list[Problem] = []
    for finding in course_findings(data, lessons, schema_paths):
        if finding.path not in schema_paths:
            where = later if finding.consequence else problems
            where.append(_at(located, data, finding.path, finding.message, source))
    # causes first, in file order; then what may follow from them; then the lessons' own
    problems = _in_order(problems) + _in_order(later)
    if problems or elsewhere:
        return None, problems + elsewhere
    return _build(data, lessons, source), []


def _in_order(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))


def _dates_as_text(value: Any) -> Any:
    """YAML reads ``2026-05-01`` as a date: give it back as the text the schema checks."""
    if isinstance(value, Mapping):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _load_lessons(
    data: Mapping[str, Any], base: Path, located: Located, source: str, problems: list[Problem]
) -> tuple[dict[int, Lesson | None], list[Problem]]:
    """Each entry's lesson (``None`` when it cannot be loaded) and the lesson files' problems."""
    lessons: dict[int, Lesson | None] = {}
    elsewhere: list[Problem] = []
    entries = data.get("lessons")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        name = entry.get("file") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name or Path(name).is_absolute():
            continue  # the schema reports it
        path = _tidy(base / name)
        where: Path_ = ("lessons", i, "file")
        if not path.is_file():
            problems.append(_at(located, data, where, f"no such lesson file: {name}", source))
            lessons[i] = None
            continue
        lesson_problems = check_file(path)
        if lesson_problems:
            message = f"the lesson file {name} is not valid ({len(lesson_problems)} problem(s))"
            problems.append(_at(located, data, where, message, source))
            elsewhere.extend(lesson_problems)
            lessons[i] = None
            continue
        from ..lesson.loader import load_lesson

        lessons[i] = load_lesson(path)
    return lessons, elsewhere


def _tidy(path: Path) -> Path:
    """``path`` without ``dir/..`` detours when that names the same file (a symbolic link on
    the way could make it another one: then it is kept as it is)."""
    tidy = Path(os.path.normpath(path))
    try:
        return tidy if tidy == path or os.path.samefile(tidy, path) else path
    except OSError:
        return path


def _context(data: Any, path: Path_) -> str:
    """``lesson 'loops': develops`` style prefix naming where a problem is."""
    return describe_path(data, path, _LABELS)


def _at(
    located: Located,
    data: Any,
    path: Path_,
    message: str,
    source: str,
    *,
    at_key: bool = False,
) -> Problem:
    line, column = located.position(path, key=at_key)
    named = path[:-1] if at_key or (path and path[-1] == "id") else path
    where = _context(data, named)
    prefix = f"{where}: " if where else ""
    return Problem(prefix + message, source, line, column, path)


def _build(data: Mapping[str, Any], lessons: Mapping[int, Lesson | None], source: str) -> Course:
    params: dict[str, MasteryParams] = {}
    for lesson in lessons.values():
        for comp in lesson.competencies if lesson else ():
            params.setdefault(comp.id, comp.mastery)
    competencies = []
    for comp in data["competencies"]:
        extra = {"mastery": params[comp["id"]]} if comp["id"] in params else {}
        competencies.append(
            CourseCompetency(
                id=comp["id"],
                title=comp.get("title", ""),
                description=comp.get("description", ""),
                requires=tuple(comp.get("requires", ())),
                half_life_days=comp.get("half_life_days"),
                **extra,
            )
        )
    entries = [
        CourseLesson(
            id=entry["id"],
            file=entry["file"],
            title=entry.get("title", ""),
            kind=entry.get("kind", "lesson"),
            develops=tuple(entry.get("develops", ())),
            requires=tuple(entry.get("requires", ())),
            notebook=entry.get("notebook", ""),
            optional=bool(entry.get("optional", False)),
            lesson=lessons.get(i),
        )
        for i, entry in enumerate(data["lessons"])
    ]
    milestones = [
        Milestone(
            id=m["id"],
            title=m.get("title", ""),
            competencies=tuple(m["competencies"]),
            due=date.fromisoformat(m["due"]) if m.get("due") else None,
        )
        for m in data.get("milestones", ())
    ]
    half_life = data.get("half_life_days")
    return Course(
        id=data["id"],
        title=data["title"],
        version=str(data.get("version", "1.0")),
        description=data.get("description", ""),
        competencies=tuple(competencies),
        lessons=tuple(entries),
        milestones=tuple(milestones),
        half_life_days=float(half_life) if half_life is not None else None,
        source=source,
    )
