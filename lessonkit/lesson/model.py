"""The lesson model: frozen dataclasses that the YAML format and the Python API both build.

A :class:`Lesson` holds competencies and steps. Each step says where to go next with a
:class:`Branch`: ordered conditional :class:`Rule` s and a default. Mutable run state never
lives here; it lives in a session.

Example
-------
>>> from lessonkit import Lesson, Content, Question, End, checks
>>> lesson = Lesson(
...     id="add", title="Adding",
...     steps=(
...         Content(id="intro", body="Let us add.", next="q1"),
...         Question(id="q1", prompt="2 + 2 = ?", check=checks.Numeric(answer=4), next="end"),
...         End(id="end"),
...     ),
... )
>>> lesson.step("q1").points
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import LessonDefinitionError
from .branching import Branch, Rule, as_branch
from .competency import Competency, MasteryParams
from .ids import check_id, unit_interval
from .specs import CheckSpec, Code, hides_key
from .translated import LANGUAGE_TAG, Translation

__all__ = [
    "Branch",
    "Choice",
    "ChoiceOption",
    "Competency",
    "Content",
    "End",
    "Exercise",
    "Feedback",
    "Lesson",
    "MasteryParams",
    "Param",
    "Practice",
    "Question",
    "Rule",
    "Settings",
    "Step",
    "WrongAnswer",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Base of all step kinds."""

    kind: ClassVar[str] = ""
    id: str
    """Identifier, unique within the lesson, ``[A-Za-z0-9_-]+``."""
    title: str = ""
    """Optional heading shown above the step."""
    next: Branch | None = None
    """Where to go next: a step id or a :class:`Branch` (a string is turned into one)."""

    def __post_init__(self) -> None:
        check_id("step", self.id)
        object.__setattr__(self, "next", as_branch(self.next))

    def exits(self) -> tuple[str, ...]:
        """Every step id reachable in one move from this step."""
        return self.next.targets() if self.next else ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Content(Step):
    """Markdown to read: text, LaTeX math, code blocks, images, tables."""

    kind: ClassVar[str] = "content"
    body: str = ""
    """Markdown body."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WrongAnswer:
    """Targeted feedback for a specific wrong answer (a common misconception)."""

    answer: Any
    """A response that, checked like the right answer, triggers ``message``."""
    message: str
    """What to tell the learner (Markdown)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Feedback:
    """Messages shown after a check."""

    correct: str = ""
    """Shown on a correct answer (a sensible default is used when empty)."""
    incorrect: str = ""
    """Shown on a wrong answer with no targeted message."""
    wrong: tuple[WrongAnswer, ...] = ()
    """Targeted messages for specific wrong answers, first match wins."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """A randomized parameter of a question variant: exactly one of the three forms."""

    randint: tuple[int, int] | None = None
    """Inclusive integer range ``(low, high)``."""
    uniform: tuple[float, float] | None = None
    """Real range ``(low, high)``, rounded to ``decimals``."""
    choice: tuple[Any, ...] | None = None
    """Pick one of these values."""
    decimals: int = 2
    """Rounding for ``uniform``."""

    def __post_init__(self) -> None:
        given = [n for n in ("randint", "uniform", "choice") if getattr(self, n) is not None]
        if len(given) != 1:
            raise LessonDefinitionError("a param needs exactly one of randint, uniform, choice")
        for name in ("randint", "uniform"):
            bounds = getattr(self, name)
            if bounds is not None and (len(bounds) != 2 or bounds[0] > bounds[1]):
                raise LessonDefinitionError(f"param {name} needs [low, high] with low <= high")
        if self.choice is not None and not self.choice:
            raise LessonDefinitionError("param choice needs at least one value")


@dataclass(frozen=True, slots=True, kw_only=True)
class Question(Step):
    """A checked question: the learner answers, a checker judges, evidence is recorded."""

    kind: ClassVar[str] = "question"
    prompt: str
    """The question (Markdown); may use ``{{param}}`` placeholders for variants."""
    check: CheckSpec
    """How the answer is checked (a spec from :mod:`lessonkit.checks`)."""
    points: float = 1.0
    """Points for a fully correct answer."""
    competencies: tuple[str, ...] = ()
    """Competencies this question gives evidence for."""
    hints: tuple[str, ...] = ()
    """Progressive hints, shown one at a time on request."""
    feedback: Feedback = field(default_factory=Feedback)
    """General and targeted feedback."""
    max_attempts: int | None = None
    """Attempt limit; ``None`` is unlimited."""
    attempt_scores: tuple[float, ...] = ()
    """Score multiplier per attempt (e.g. ``(1, 0.5, 0.25)``); the last one repeats."""
    solution: str = ""
    """Worked solution (Markdown), shown after ``show_solution_after`` attempts."""
    show_solution_after: int | None = None
    """Attempts after which the solution may be shown; ``None`` never shows it."""
    params: Mapping[str, Param] = field(default_factory=dict)
    """Randomized variant parameters, drawn from a per-learner seed."""
    derived: Mapping[str, str] = field(default_factory=dict)
    """Values computed from ``params`` with arithmetic expressions, e.g. ``{"c": "a*b"}``."""

    def __post_init__(self) -> None:
        Step.__post_init__(self)
        for name in ("competencies", "hints", "attempt_scores"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.points < 0:
            raise LessonDefinitionError(f"step {self.id!r}: points must be >= 0")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise LessonDefinitionError(f"step {self.id!r}: max_attempts must be >= 1")
        for s in self.attempt_scores:
            unit_interval(f"step {self.id!r}: attempt_scores", s)
        for cid in self.competencies:
            check_id("competency", cid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Exercise(Question):
    """A code exercise: the learner writes code that is checked against test cases."""

    kind: ClassVar[str] = "exercise"
    starter: str = ""
    """Code the editor (or cell) starts with."""

    def __post_init__(self) -> None:
        Question.__post_init__(self)
        # A student copy of a graded lesson keeps the exercise (starter, editor) with its key
        # hidden behind a grading checker.
        if not isinstance(self.check, Code) and not hides_key(self.check):
            raise LessonDefinitionError(f"step {self.id!r}: an exercise needs a code check")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceOption:
    """One option of a choice step; none is right or wrong."""

    value: str
    """Recorded value (e.g. ``sports`` or ``high``)."""
    label: str = ""
    """What the learner sees (Markdown); defaults to ``value``."""
    sets: Mapping[str, str] = field(default_factory=dict)
    """Extra learner-profile fields this option sets, e.g. ``{"goal": "exam"}``."""
    goto: str = ""
    """Optional step to go to when picked; overrides the step's ``next``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice(Step):
    """The learner chooses (an interest, a goal, a confidence level); nothing is graded."""

    kind: ClassVar[str] = "choice"
    prompt: str
    """The question put to the learner (Markdown)."""
    options: tuple[ChoiceOption, ...]
    """The options, in display order."""
    field: str = ""
    """Learner-profile field the picked value is stored in (e.g. ``interest``)."""
    ask_again: bool = False
    """Ask even when the profile already holds ``field`` (by default a known value is used,
    e.g. one chosen in an earlier lesson of a course, and the step is passed over)."""

    def __post_init__(self) -> None:
        Step.__post_init__(self)
        object.__setattr__(self, "options", tuple(self.options))
        if not self.options:
            raise LessonDefinitionError(f"step {self.id!r}: a choice needs options")

    def exits(self) -> tuple[str, ...]:
        """Option targets plus the step's own branch."""
        own = self.next.targets() if self.next else ()
        return (*(o.goto for o in self.options if o.goto), *own)


@dataclass(frozen=True, slots=True, kw_only=True)
class Practice(Step):
    """A mastery-driven practice pool: items are picked until mastery or ``max_items``."""

    kind: ClassVar[str] = "practice"
    prompt: str = ""
    """Introduction shown above the items (Markdown)."""
    competencies: tuple[str, ...] = ()
    """Competencies practised; defaults to those of the items."""
    items: tuple[Question, ...]
    """The pool; items may have randomized variants."""
    max_items: int = 10
    """Stop after this many items even without mastery."""

    def __post_init__(self) -> None:
        Step.__post_init__(self)
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "competencies", tuple(self.competencies))
        if not self.items:
            raise LessonDefinitionError(f"step {self.id!r}: a practice pool needs items")
        if self.max_items < 1:
            raise LessonDefinitionError(f"step {self.id!r}: max_items must be >= 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class End(Step):
    """The end of a path: a summary of score and mastery, and what to do next."""

    kind: ClassVar[str] = "end"
    body: str = ""
    """Closing text (Markdown)."""
    show_summary: bool = True
    """Show score and mastery per competency."""

    def __post_init__(self) -> None:
        Step.__post_init__(self)
        if self.next is not None:
            raise LessonDefinitionError(f"step {self.id!r}: an end step has no next")


STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls for cls in (Content, Question, Exercise, Choice, Practice, End)
}
"""Step classes by their ``kind`` key in lesson files."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Lesson-wide behaviour."""

    allow_back: bool = True
    """Learners may go back to earlier steps (answers already given stay recorded)."""
    allow_restart: bool = True
    """Learners may restart the lesson."""
    first_attempt_only: bool = True
    """Only the first attempt at a question updates mastery."""
    hint_counts_as_wrong: bool = True
    """A first attempt made after a hint counts as not knowing for mastery."""
    assessment: bool = False
    """A test, not practice (e.g. a course's placement check): answers are evidence of what
    the learner knows, with no learning transition after them in the mastery estimate."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Lesson:
    """A branching lesson: competencies, steps and lesson-wide settings."""

    id: str
    """Identifier, ``[A-Za-z0-9_-]+``; also the base of its activity IRI."""
    title: str
    """Title shown to learners."""
    version: str = "1.0"
    """Author's version of the lesson; recorded with every piece of evidence."""
    description: str = ""
    """Summary for catalogues (Markdown)."""
    language: str = "en"
    """The language the lesson is written in, a BCP 47 tag (``en``, ``es``, ``pt-BR``)."""
    competencies: tuple[Competency, ...] = ()
    """Competencies developed by this lesson."""
    steps: tuple[Step, ...]
    """All steps; the first is the start unless ``start`` says otherwise."""
    start: str = ""
    """Id of the first step; defaults to the first in ``steps``."""
    settings: Settings = field(default_factory=Settings)
    """Lesson-wide behaviour."""
    translations: Mapping[str, Translation] = field(
        default_factory=dict, compare=False, repr=False, metadata={"in_file": False}
    )
    """Translations by language tag: read from the ``NAME.LANG.yaml`` files beside the lesson
    file (see :mod:`lessonkit.lesson.sidecar`), not written into the lesson file."""
    _index: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_id("lesson", self.id)
        if not LANGUAGE_TAG.fullmatch(self.language):
            raise LessonDefinitionError(
                f"lesson {self.id!r}: language {self.language!r} is not a language tag "
                "such as en, es or pt-BR"
            )
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "competencies", tuple(self.competencies))
        if not self.steps:
            raise LessonDefinitionError(f"lesson {self.id!r} has no steps")
        index: dict[str, Step] = {}
        for step in self.steps:
            if step.id in index:
                raise LessonDefinitionError(f"lesson {self.id!r}: duplicate step id {step.id!r}")
            index[step.id] = step
        object.__setattr__(self, "_index", index)

    @property
    def start_id(self) -> str:
        """The id of the step the lesson starts at."""
        return self.start or self.steps[0].id

    def step(self, step_id: str) -> Step:
        """The step with this id; ``KeyError`` if there is none."""
        return self._index[step_id]

    def has_step(self, step_id: str) -> bool:
        """Whether the lesson has a step with this id."""
        return step_id in self._index

    def competency(self, competency_id: str) -> Competency:
        """The competency with this id; ``KeyError`` if there is none."""
        for comp in self.competencies:
            if comp.id == competency_id:
                return comp
        raise KeyError(competency_id)

    def questions(self) -> tuple[Question, ...]:
        """Every gradable question, including exercises and practice-pool items."""
        found: list[Question] = []
        for step in self.steps:
            if isinstance(step, Question):
                found.append(step)
            elif isinstance(step, Practice):
                found.extend(step.items)
        return tuple(found)
