"""The service's configuration: database, courses and their lessons (with keys), LRS, class view.

A YAML file (``lessonkit hub serve --config FILE`` or ``$LESSONKIT_HUB_CONFIG``)::

    database: postgresql://lessonkit@db/lessonkit   # or $LESSONKIT_HUB_DB / $LESSONKIT_HUB_DB_FILE
    home_page: https://hub.example.org/             # learners' xAPI account home page
    courses:
      intro-python:
        lessons: [lessons/loops/loops.lesson.yaml]  # the instructor's lessons, keys included
        course_file: python-basics.course.yaml      # optional: milestones, the plan, its lessons
        code_checks: service                        # or "learner" (see docs/jupyterhub.md)
    lrs:                                            # optional: forward statements to an LRS
      url: https://lrs.example.org/xAPI/
      username: lessonkit
      password_file: /etc/lessonkit/lrs-password    # or $LESSONKIT_LRS_PASSWORD
    class_view: {refresh_seconds: 15, stuck_minutes: 10}
    limits: {body_bytes: 8388608, checks: {rate: 1, burst: 30}}  # per learner (see .limits)

Who belongs to a course is decided by JupyterHub groups: ``lessonkit-<course>`` (learners),
``lessonkit-<course>-instructors`` and ``lessonkit-<course>-observers`` (see :mod:`.roles`).
Nothing is stored outside the database, so several replicas can share one configuration.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course.model import Course
from ..errors import LessonkitError
from ..lesson.model import Lesson
from ..lti.config import LtiConfig, LtiConfigError, parse_lti
from .limits import Limits, parse_limits

__all__ = ["ClassViewConfig", "CourseConfig", "HubConfig", "HubConfigError", "LrsConfig"]

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class HubConfigError(LessonkitError, ValueError):
    """The service configuration is missing or wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseConfig:
    """One course: its lessons (instructor versions, with keys)."""

    name: str
    """Course name; also the suffix of its JupyterHub groups."""
    lessons: Mapping[str, Lesson]
    """Lesson id -> the instructor's lesson."""
    code_checks: str = "service"
    """Where learners' code for graded exercises runs: ``service`` or ``learner``."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Lesson id -> the lesson file as the configuration names it (for authors' commands)."""
    plan: Course | None = field(default=None, compare=False, repr=False)
    """The course file (``course_file:``), if named: competencies, milestones, the learning
    plan; its lessons are the course's lessons too."""

    @property
    def milestone_keys(self) -> list[str]:
        """``milestone:<id>`` of each milestone of the course file."""
        return [f"milestone:{m.id}" for m in self.plan.milestones] if self.plan else []


@dataclass(frozen=True, slots=True, kw_only=True)
class LrsConfig:
    """A Learning Record Store statements are forwarded to."""

    url: str
    """The LRS's xAPI base URL (``…/xAPI/``); statements go to ``<url>statements``."""
    username: str = ""
    """Basic-auth user."""
    password: str = field(default="", repr=False)
    """Basic-auth password."""
    pseudonymise: bool = False
    """Forward pseudonyms instead of hub account names."""
    batch_size: int = 100
    """Statements per POST."""
    interval: float = 2.0
    """Seconds between forwarding rounds when idle."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassViewConfig:
    """The live class view."""

    refresh_seconds: int = 15
    """How often the page reloads itself."""
    stuck_minutes: float = 10.0
    """A learner idle this long on an unfinished lesson is flagged ``stuck``."""
    stuck_wrong: int = 3
    """So is one with this many wrong answers in a row on the same question."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HubConfig:
    """Everything the service needs to run."""

    database: str = field(repr=False)
    """SQLAlchemy URL of the evidence database (``postgresql://…`` or ``sqlite:///…``)."""
    courses: Mapping[str, CourseConfig]
    """Course name -> course."""
    group_prefix: str = "lessonkit-"
    """Prefix of the course groups in JupyterHub."""
    home_page: str = ""
    """Account home page of learners: the hub's public URL (default: derived from the
    service's environment, which differs between processes; see docs/jupyterhub.md)."""
    lrs: LrsConfig | None = None
    """Where statements are forwarded, if anywhere."""
    class_view: ClassViewConfig = field(default_factory=ClassViewConfig)
    """Class view settings."""
    secret: bytes = field(default=b"", repr=False)
    """Pseudonym salt (default: derived from the service's JupyterHub API token)."""
    limits: Limits = field(default_factory=Limits)
    """Request body size and per-learner rates."""
    lti: LtiConfig | None = None
    """The LMS connection (LTI 1.3), if any: see :mod:`lessonkit.lti.config`."""

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The instructor's lesson with this id, from any course."""
        for course in self.courses.values():
            if lesson_id in course.lessons:
                return course.lessons[lesson_id]
        return None

    def courses_of(self, lesson_id: str) -> list[str]:
        """The courses that contain ``lesson_id``."""
        return [name for name, c in self.courses.items() if lesson_id in c.lessons]

    def courses_on_plan(self, key: str) -> list[str]:
        """The courses whose course file keeps its own statements (goals, assignments,
        teachers' notes and judgements) under ``key`` (``course:<id>``)."""
        return [n for n, c in self.courses.items() if c.plan is not None and c.plan.key == key]


def _read_secret(value: Any, file: Any, env_name: str, what: str) -> str:
    if value:
        return str(value)
    if file:
        try:
            return Path(str(file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise HubConfigError(f"cannot read the {what} file {file}: {exc}") from exc
    return os.environ.get(env_name, "")


def _database(data: Mapping[str, Any], base: Path) -> str:
    url = os.environ.get("LESSONKIT_HUB_DB") or _read_secret(
        data.get("database"),
        os.environ.get("LESSONKIT_HUB_DB_FILE") or data.get("database_file"),
        "LESSONKIT_HUB_DB",
        "database URL",
    )
    if not url:
        raise HubConfigError(
            "no database configured: set `database:` in the config file, $LESSONKIT_HUB_DB, "
            "or $LESSONKIT_HUB_DB_FILE (a file holding the URL, e.g. a mounted secret)"
        )
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = "sqlite:///" + str((base / url.removeprefix("sqlite:///")).resolve())
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _course(name: str, data: Any, base: Path) -> CourseConfig:
    from ..course import load_course
    from ..lesson.loader import load_lesson

    if not _NAME.match(name):
        raise HubConfigError(f"course name {name!r}: use letters, digits, '-' and '_' only")
    if not isinstance(data, Mapping):
        raise HubConfigError(f"course {name!r}: give `lessons:` and/or `course_file:`")
    listed = data.get("lessons", [] if data.get("course_file") else None)
    if not isinstance(listed, list):
        raise HubConfigError(
            f"course {name!r}: give `lessons:` as a list of lesson files, or a `course_file:`"
        )
    plan = load_course(base / str(data["course_file"])) if data.get("course_file") else None
    files: dict[str, Path] = {}
    lessons: dict[str, Lesson] = {}
    sources: dict[str, str] = {}  # as the configuration names them (for authors' commands)
    if plan is not None:  # the course file's lessons, then any listed beside them
        folder = Path(plan.source).resolve().parent
        named = Path(str(data["course_file"])).parent
        for entry in plan.lessons:
            assert entry.lesson is not None  # a loaded course holds its lessons
            files[entry.id] = (folder / entry.file).resolve()
            lessons[entry.id] = entry.lesson
            sources[entry.id] = str(named / entry.file)
    for entry in listed:
        path = (base / str(entry)).resolve()
        lesson = load_lesson(path)
        if lesson.id in lessons and files.get(lesson.id) != path:
            raise HubConfigError(f"course {name!r}: lesson id {lesson.id!r} appears twice")
        files[lesson.id], lessons[lesson.id] = path, lesson
        sources[lesson.id] = str(entry)
    mode = str(data.get("code_checks", "service"))
    if mode not in ("service", "learner"):
        raise HubConfigError(f"course {name!r}: code_checks must be 'service' or 'learner'")
    return CourseConfig(name=name, lessons=lessons, code_checks=mode, plan=plan, sources=sources)


def _lrs(data: Any) -> LrsConfig | None:
    if not data:
        return None
    if not isinstance(data, Mapping) or not data.get("url"):
        raise HubConfigError("lrs: give at least `url:` (the LRS's xAPI base URL)")
    url = str(data["url"])
    return LrsConfig(
        url=url if url.endswith("/") else url + "/",
        username=str(data.get("username", "")),
        password=_read_secret(
            data.get("password"), data.get("password_file"), "LESSONKIT_LRS_PASSWORD", "LRS"
        ),
        pseudonymise=bool(data.get("pseudonymise", False)),
        batch_size=int(data.get("batch_size", 100)),
        interval=float(data.get("interval", 2.0)),
    )


def load_config(path: str | os.PathLike[str] | None = None) -> HubConfig:
    """Read the configuration file (default ``$LESSONKIT_HUB_CONFIG``).

    Relative lesson paths and SQLite paths are relative to the file's folder.

    Raises
    ------
    HubConfigError
        If the file is missing or malformed, or names a lesson that does not load.
    """
    import yaml

    from ..errors import LessonDefinitionError

    where = path or os.environ.get("LESSONKIT_HUB_CONFIG")
    if not where:
        raise HubConfigError("no configuration: pass --config FILE or set $LESSONKIT_HUB_CONFIG")
    file = Path(where)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HubConfigError(f"{file}: cannot read the service configuration: {exc}") from exc
    if not isinstance(data, Mapping):
        raise HubConfigError(f"{file}: expected a mapping with `database:` and `courses:`")
    base = file.resolve().parent
    courses_data = data.get("courses") or {}
    if not isinstance(courses_data, Mapping) or not courses_data:
        raise HubConfigError(f"{file}: `courses:` must name at least one course")
    try:
        courses = {str(n): _course(str(n), c, base) for n, c in courses_data.items()}
    except LessonDefinitionError as exc:
        raise HubConfigError(f"{file}: a course file or lesson does not load:\n{exc}") from exc
    view = data.get("class_view") or {}
    secret = _read_secret(data.get("secret"), data.get("secret_file"), "LESSONKIT_HUB_SECRET", "")
    try:
        limits = parse_limits(data.get("limits"))
        items = {n: [*c.lessons, *c.milestone_keys] for n, c in courses.items()}
        lti = parse_lti(data.get("lti"), base, items)
    except (ValueError, LtiConfigError) as exc:
        raise HubConfigError(f"{file}: {exc}") from exc
    return HubConfig(
        database=_database(data, base),
        courses=courses,
        group_prefix=str(data.get("group_prefix", "lessonkit-")),
        home_page=str(data.get("home_page", "")),
        lrs=_lrs(data.get("lrs")),
        class_view=ClassViewConfig(
            refresh_seconds=int(view.get("refresh_seconds", 15)),
            stuck_minutes=float(view.get("stuck_minutes", 10)),
            stuck_wrong=int(view.get("stuck_wrong", 3)),
        ),
        secret=secret.encode(),
        limits=limits,
        lti=lti,
    )
