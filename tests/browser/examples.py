"""The example lessons the browser tests play along every branch, and what each front end
needs to play them: code a learner would write, and the edges no learner can take there
(each with the reason)."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonkit.course import load_course
from lessonkit.lesson.graph import Edge
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.model import Lesson

from .branches import Front, Played, plan
from .harness import ROOT

__all__ = ["EXAMPLES", "Example", "fronts", "planned"]

LESSONS = ROOT / "lessons"
COURSE = LESSONS / "python-basics" / "python-basics.course.yaml"
TOTAL = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n"
    "        result += n\n    return result\n"
)
WRONG_TOTAL = "def total(numbers):\n    return 0\n"
VOWELS = "def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text.lower())\n"
WRONG_VOWELS = "def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text)\n"
LOOPS_CODE = {"ex-sum": (TOTAL, WRONG_TOTAL), "challenge": (VOWELS, WRONG_VOWELS)}

COURSE_RECORD = (
    "needs mastery of both for-loops and accumulator carried in from a course record (the "
    "placement check); this lesson's own questions cannot reach it, even after a restart"
)
LISTS_SHOWN_NEW = (
    "needs lists shown new (P < 0.05) by the course record of a placement check taken before "
    "this lesson; nothing in the lesson comes before these steps (the skip itself is tested in "
    "tests/course/test_placement.py)"
)
ONE_PAGE_FRAMES = (
    "a page cannot check a DataFrame answer: the learner skips it, so it is never right here"
)
EXTREME = (
    "a mastery threshold (P(known) at least {0} or below {1}) a placement check's few "
    "answers cannot move P(known) to from its prior, even with a first session's answers "
    "carried over"
)


def extreme_mastery(edge: Edge, high: float = 0.95, low: float = 0.05) -> str:
    """The reason a rule edge on an extreme mastery threshold may be out of reach (else "").

    Which of them a learner can reach depends on the placement lesson's structure, so the
    search decides: such an edge it takes counts, one it cannot take is excused by this.
    """
    for sign, value in re.findall(r"mastery\('[^']+'\)\s*([<>]=?)\s*([0-9.]+)", edge.label):
        if (sign.startswith(">") and float(value) >= high) or (
            sign.startswith("<") and float(value) <= low
        ):
            return EXTREME.format(high, low)
    return ""


def _groupby_module() -> Any:
    path = LESSONS / "groupby" / "groupby_lesson.py"
    spec = importlib.util.spec_from_file_location("groupby_lesson", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _groupby() -> Lesson:
    lesson: Lesson = _groupby_module().build_lesson()
    return lesson


def _frames() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Code a learner runs in JupyterLab for the groupby DataFrame questions (right, wrong:
    the values off by one), and the names they type."""
    module = _groupby_module()
    kernel: dict[str, tuple[str, str]] = {}
    names: dict[str, tuple[str, str]] = {}
    for theme in module.THEMES:
        for name, columns in module.theme_answers(theme).items():
            last = list(columns)[-1]
            wrong = {**columns, last: [v + 1 for v in columns[last]]}
            kernel[f"{name}-{theme}"] = (
                f"import pandas as pd\n{name} = pd.DataFrame({columns!r})\n",
                f"import pandas as pd\n{name} = pd.DataFrame({wrong!r})\n",
            )
            names[f"{name}-{theme}"] = (name, name)
    return kernel, names


@dataclass(frozen=True)
class Example:
    """An example lesson, where its notebook is, and how each front end plays it."""

    name: str
    notebook: Path
    runs: int = 1
    code: dict[str, tuple[str, str]] = field(default_factory=dict)
    unreachable: dict[tuple[str, str], str] = field(default_factory=dict)
    unreachable_when: Callable[[Edge], str] | None = None
    course: Path | None = None
    """The course the notebook launches the lesson in (a restart then starts from the
    learner's course record, as in the notebook)."""
    voila_unreachable: dict[tuple[str, str], str] = field(default_factory=dict)

    def lesson(self) -> Lesson:
        """The lesson, loaded as its notebook loads it."""
        if self.name == "groupby":
            return _groupby()
        source = {
            "loops": LESSONS / "loops" / "loops.lesson.yaml",
            "center-spread": LESSONS / "center-spread" / "center-spread.lesson.yaml",
        }.get(self.name, self.notebook.with_suffix(".lesson.yaml"))
        return load_lesson(source)


EXAMPLES = {
    e.name: e
    for e in (
        Example(
            "loops",
            LESSONS / "loops" / "loops.ipynb",
            runs=2,
            code=LOOPS_CODE,
            unreachable={
                ("welcome", "mastered('for-loops') and mastered('accumulator')"): COURSE_RECORD
            },
        ),
        Example("center-spread", LESSONS / "center-spread" / "center-spread.ipynb", runs=2),
        Example(
            "groupby",
            LESSONS / "groupby" / "groupby.ipynb",
            unreachable={
                ("worked-example", "default"): (
                    "every option of the theme choice sets a theme one of the rules names, so "
                    "the branch's (required) default never applies"
                )
            },
            voila_unreachable={
                (f"totals-{t}", "default"): ONE_PAGE_FRAMES for t in ("sports", "music", "weather")
            },
        ),
        Example(
            "lists",
            LESSONS / "python-basics" / "lists.ipynb",
            course=COURSE,
            unreachable={
                (f"example-{t}", "mastery('lists') < 0.05"): LISTS_SHOWN_NEW
                for t in ("data", "games", "automation")
            },
        ),
        Example(
            "loops-practice", LESSONS / "python-basics" / "loops-practice.ipynb", course=COURSE
        ),
        Example(
            "placement",
            LESSONS / "python-basics" / "placement.ipynb",
            runs=2,
            unreachable_when=extreme_mastery,
            course=COURSE,
        ),
    )
}
"""The example lessons by name (the python-basics ones in their course's folder)."""


def fronts(example: Example) -> dict[str, Front]:
    """How Voilà and JupyterLab play ``example``: JupyterLab checks code and DataFrames in the
    notebook's kernel (the learner runs a cell of right or wrong code, then checks)."""
    kernel, names = _frames() if example.name == "groupby" else ({}, {})
    course = load_course(example.course) if example.course else None
    return {
        "voila": Front(
            "voila",
            code=example.code,
            runs=example.runs,
            unreachable={**example.unreachable, **example.voila_unreachable},
            unreachable_when=example.unreachable_when,
            course=course,
        ),
        "lab": Front(
            "lab",
            kernel={**example.code, **kernel},
            names=names,
            runs=example.runs,
            unreachable=example.unreachable,
            unreachable_when=example.unreachable_when,
            course=course,
        ),
    }


@functools.cache
def planned(name: str, front: str) -> tuple[Lesson, Front, list[Played]]:
    """The lesson, its front end and the scripts :func:`plan` finds (searched once per run:
    the coverage test and the browser tests share them)."""
    example = EXAMPLES[name]
    lesson = example.lesson()
    how = fronts(example)[front]
    return lesson, how, plan(lesson, how)
