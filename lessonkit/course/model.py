"""The course model: competencies with prerequisites, lessons, milestones (frozen dataclasses).

A :class:`Course` is what a ``*.course.yaml`` file describes once loaded: its competencies (ids
shared by its lessons) and the prerequisite graph between them, the lessons with the
competencies each develops and requires, and optional milestones. Loading resolves each
lesson file, so :attr:`CourseLesson.lesson` holds the :class:`~lessonkit.lesson.model.Lesson`
and each competency's BKT parameters are those its lessons declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ..errors import LessonDefinitionError
from ..lesson.competency import MasteryParams
from ..lesson.ids import check_id
from ..lesson.model import Lesson

__all__ = [
    "LESSON_KINDS",
    "Course",
    "CourseCompetency",
    "CourseDefinitionError",
    "CourseLesson",
    "Milestone",
    "lesson_needs",
    "prerequisite_closure",
]

LESSON_KINDS = ("lesson", "practice", "placement")
"""What a course lesson is for: first teaching, practice of taught competencies, placement."""


class CourseDefinitionError(LessonDefinitionError):
    """A course file or model is malformed; carries every problem found."""


def prerequisite_closure(
    requires: Mapping[str, Iterable[str]], competencies: Iterable[str]
) -> set[str]:
    """Every competency ``competencies`` require, directly or indirectly, through the
    prerequisite map ``requires`` (competency -> its direct prerequisites). Terminates on a
    cycle (validation reports it); unknown ids are followed no further."""
    found: set[str] = set()
    todo = [before for cid in competencies for before in requires.get(cid, ())]
    while todo:
        cid = todo.pop()
        if cid not in found:
            found.add(cid)
            todo.extend(requires.get(cid, ()))
    return found


def lesson_needs(
    develops: Iterable[str], requires: Iterable[str], graph: Mapping[str, Iterable[str]]
) -> set[str]:
    """What a course lesson needs mastered first: its own ``requires`` and the prerequisites
    of what it develops, less what it develops itself.

    The one rule for a lesson's prerequisites: the learning plan locks a lesson until these
    are mastered (:meth:`Course.requirements`), and course validation accepts evidence a lesson
    gives for them, or for what it develops, and for nothing else.
    """
    develops = set(develops)
    return (set(requires) | prerequisite_closure(graph, develops)) - develops


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseCompetency:
    """A competency of the course, shared by every lesson that names it."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``; the same id in every lesson of the course."""
    title: str = ""
    """Short human-readable name."""
    description: str = ""
    """What mastering it means (Markdown)."""
    requires: tuple[str, ...] = ()
    """Prerequisite competencies: to be mastered before lessons developing this one."""
    half_life_days: float | None = None
    """Forgetting over time: days for P(known) to halve without practice (``None``: the
    course's default; ``0``: no forgetting)."""
    mastery: MasteryParams = field(default_factory=MasteryParams)
    """BKT parameters, as the course's lessons declare them (resolved at load)."""

    def __post_init__(self) -> None:
        check_id("competency", self.id)
        object.__setattr__(self, "requires", tuple(self.requires))

    @property
    def label(self) -> str:
        """The title, else the id."""
        return self.title or self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseLesson:
    """A lesson of the course and its place in the prerequisite graph."""

    id: str
    """The lesson's id (must equal the ``id`` in its file)."""
    file: str
    """The lesson file, relative to the course file."""
    title: str = ""
    """Shown in plans; defaults to the lesson's own title."""
    kind: str = "lesson"
    """``lesson`` (teaches), ``practice`` (practises taught competencies) or ``placement``
    (the diagnostic a learner starts the course with)."""
    develops: tuple[str, ...] = ()
    """Competencies this lesson teaches or practises."""
    requires: tuple[str, ...] = ()
    """Competencies to master first, beyond the prerequisites of those it develops."""
    notebook: str = ""
    """Launcher notebook, relative to the course file (linked from the learning plan)."""
    optional: bool = False
    """A placement lesson only: offered in the plan, not recommended first (for a course whose
    lessons test out by themselves, where a check imposed on newcomers costs more than it
    saves)."""
    lesson: Lesson | None = field(default=None, compare=False, repr=False)
    """The loaded lesson (set when the course is loaded from a file)."""

    def __post_init__(self) -> None:
        check_id("lesson", self.id)
        object.__setattr__(self, "develops", tuple(self.develops))
        object.__setattr__(self, "requires", tuple(self.requires))
        if self.kind not in LESSON_KINDS:
            raise CourseDefinitionError(
                f"lesson {self.id!r}: kind must be one of {', '.join(LESSON_KINDS)}"
            )
        if self.optional and self.kind != "placement":
            raise CourseDefinitionError(f"lesson {self.id!r}: only a placement can be optional")

    @property
    def label(self) -> str:
        """The title (or the lesson's own), else the id."""
        if self.title:
            return self.title
        return self.lesson.title if self.lesson is not None else self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone:
    """A named set of competencies to master, optionally by a date."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``."""
    title: str = ""
    """Shown to learners and teachers."""
    competencies: tuple[str, ...]
    """Competencies to master."""
    due: date | None = None
    """Target date, if any."""

    def __post_init__(self) -> None:
        check_id("milestone", self.id)
        object.__setattr__(self, "competencies", tuple(self.competencies))

    @property
    def label(self) -> str:
        """The title, else the id."""
        return self.title or self.id


@dataclass(frozen=True, kw_only=True)
class Course:
    """A course: competencies with prerequisites, lessons, milestones."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``; course statements are stored under ``course:<id>``."""
    title: str
    """Shown to learners."""
    version: str = "1.0"
    """The author's version of the course."""
    description: str = ""
    """Markdown summary."""
    competencies: tuple[CourseCompetency, ...]
    """The competencies, in the order the author lists them."""
    lessons: tuple[CourseLesson, ...]
    """The lessons, in the author's order (the fixed order a class would follow)."""
    milestones: tuple[Milestone, ...] = ()
    """Named sets of competencies with target dates."""
    half_life_days: float | None = None
    """Default forgetting over time for every competency (``None``: no forgetting)."""
    source: str = ""
    """The course file it was loaded from, if any."""

    def __post_init__(self) -> None:
        check_id("course", self.id)
        for name in ("competencies", "lessons", "milestones"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    # ------------------------------------------------------------------ lookups

    @cached_property
    def _competencies(self) -> dict[str, CourseCompetency]:
        return {c.id: c for c in self.competencies}

    @cached_property
    def _lessons(self) -> dict[str, CourseLesson]:
        return {entry.id: entry for entry in self.lessons}

    @property
    def key(self) -> str:
        """The store's lesson key of this course's own statements (goals, assignments)."""
        return f"course:{self.id}"

    def competency(self, competency_id: str) -> CourseCompetency:
        """The competency with this id; ``KeyError`` if there is none."""
        return self._competencies[competency_id]

    def has_competency(self, competency_id: str) -> bool:
        """Whether the course has a competency with this id."""
        return competency_id in self._competencies

    def lesson(self, lesson_id: str) -> CourseLesson:
        """The course lesson with this id; ``KeyError`` if there is none."""
        return self._lessons[lesson_id]

    def has_lesson(self, lesson_id: str) -> bool:
        """Whether the course has a lesson with this id."""
        return lesson_id in self._lessons

    def milestone(self, milestone_id: str) -> Milestone:
        """The milestone with this id; ``KeyError`` if there is none."""
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise KeyError(milestone_id)

    @property
    def placement(self) -> CourseLesson | None:
        """The placement (diagnostic) lesson, if the course has one."""
        return next((e for e in self.lessons if e.kind == "placement"), None)

    def half_life(self, competency_id: str) -> float | None:
        """Days for P(known) of a competency to halve without practice (``None``: never)."""
        own = self.competency(competency_id).half_life_days
        return self.half_life_days if own is None else own

    def params(self, competency_id: str) -> MasteryParams:
        """The BKT parameters of a competency."""
        return self.competency(competency_id).mastery

    # ------------------------------------------------------------------ the graph

    def prerequisites(self, competency_id: str) -> tuple[str, ...]:
        """Every competency to master before this one (direct and indirect), in order."""
        found: dict[str, None] = {}

        def visit(cid: str) -> None:
            for before in self.competency(cid).requires:
                if before not in found:
                    visit(before)
                    found[before] = None

        visit(competency_id)
        return tuple(c for c in self.order if c in found)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Competency ids with every prerequisite before what needs it (authors' order
        otherwise): the order to teach them in."""
        placed: dict[str, None] = {}
        pending = [c.id for c in self.competencies]
        while pending:
            ready = [c for c in pending if all(r in placed for r in self.competency(c).requires)]
            if not ready:  # a cycle: validation reports it; keep the rest in the author's order
                ready = pending[:1]
            placed[ready[0]] = None
            pending.remove(ready[0])
        return tuple(placed)

    def requirements(self, lesson_id: str) -> tuple[str, ...]:
        """Competencies to master before a lesson: its own ``requires`` and the prerequisites
        of what it develops (less what it develops itself), in teaching order."""
        entry = self.lesson(lesson_id)
        needed = lesson_needs(entry.develops, entry.requires, self._graph)
        return tuple(c for c in self.order if c in needed)

    @cached_property
    def _graph(self) -> dict[str, tuple[str, ...]]:
        return {c.id: c.requires for c in self.competencies}

    def developed_by(self, competency_id: str) -> tuple[CourseLesson, ...]:
        """The lessons that develop a competency, in course order."""
        return tuple(e for e in self.lessons if competency_id in e.develops)

    def lesson_files(self) -> dict[str, Lesson]:
        """Lesson id -> loaded lesson, for every lesson loaded with the course."""
        return {e.id: e.lesson for e in self.lessons if e.lesson is not None}
