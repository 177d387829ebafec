"""Rubric questions in an nbgrader assignment: graded by hand in formgrader, back as evidence.

A question with a rubric becomes, in the generated notebook, after the grade cells:

* an **answer cell** (locked markdown, no points): in the released notebook it says that the
  answer given in the lesson is copied here; at autograde
  :class:`~lessonkit.integrations.nbgrader_grader.GradeLessonCells` writes the student's
  recorded answer into it (:func:`show_answers`), as text in a fenced block — a student's
  text is never rendered as Markdown or HTML;
* one **task cell** per criterion (nbgrader's manually graded tasks: locked markdown with
  points) describing the criterion and its levels. The instructor grades each in
  formgrader, picking a level by its points, with a comment if they like.

The question's lessonkit grade cell grades only the checked share (a code question's tests),
so nbgrader's total counts each point once. ``lessonkit nbgrader import-grades``
(:mod:`.nbgrader_import`) then turns the task cells' manual scores and comments into rubric
grade statements: the evidence the engine, re-grading and mastery read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from nbformat.v4 import new_markdown_cell

from ..engine.history import lesson_events
from ..lesson.model import Lesson, Question
from ..lesson.specs import Code

__all__ = [
    "ANSWER_ROLE",
    "RUBRIC_ROLE",
    "answer_markdown",
    "rubric_cells",
    "rubric_questions",
    "show_answers",
    "task_id",
]

ANSWER_ROLE = "answer"
"""``metadata.lessonkit.role`` of an answer cell."""
RUBRIC_ROLE = "rubric"
"""``metadata.lessonkit.role`` of a criterion's task cell."""
MAX_SHOWN = 100_000
"""Characters of an answer shown in its cell (code answers are at most this long)."""
WAITING = "*Your answer to this question in the lesson above is copied here for grading.*"


def rubric_questions(lesson: Lesson) -> list[Question]:
    """The graded top-level questions with a rubric, in lesson order."""
    return [
        s for s in lesson.steps if isinstance(s, Question) and s.rubric is not None and s.points
    ]


def task_id(question: str, criterion: str) -> str:
    """The grade id of a criterion's task cell."""
    return f"lessonkit-{question}-{criterion}"


def _meta(grade_id: str, *, task: bool, points: float = 0.0) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": False,
        "grade_id": grade_id,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": task,
    }
    if task:
        meta["points"] = points
    return meta


def _heading(question: Question) -> str:
    return question.title or question.id


def rubric_cells(question: Question) -> list[Any]:
    """The answer cell and one task cell per criterion of ``question``'s rubric."""
    assert question.rubric is not None
    answer = new_markdown_cell(f"### Answer to {_heading(question)}\n\n{WAITING}")
    answer.metadata["nbgrader"] = _meta(f"lessonkit-{question.id}-answer", task=False)
    answer.metadata["lessonkit"] = {
        "role": ANSWER_ROLE,
        "question": question.id,
        "title": _heading(question),
        "code": isinstance(question.check, Code) or question.kind == "exercise",
    }
    cells = [answer]
    for criterion in question.rubric.criteria:
        levels = "\n".join(
            f"- **{lv.points:g} points: {lv.label}**"
            + (f": {lv.description}" if lv.description else "")
            for lv in criterion.levels
        )
        text = (
            f"#### {_heading(question)}: {criterion.title or criterion.id} "
            f"({criterion.max_points:g} points, graded by hand)\n\n"
            + (f"{criterion.description}\n\n" if criterion.description else "")
            + f"Give one of these scores:\n\n{levels}"
        )
        cell = new_markdown_cell(text)
        cell.metadata["nbgrader"] = _meta(
            task_id(question.id, criterion.id), task=True, points=criterion.max_points
        )
        cell.metadata["lessonkit"] = {
            "role": RUBRIC_ROLE,
            "question": question.id,
            "criterion": criterion.id,
        }
        cells.append(cell)
    return cells


def answer_markdown(question_title: str, answer: str | None, *, code: bool) -> str:
    """The answer cell's text: the student's answer as a fenced block (never Markdown)."""
    if answer is None:
        return f"### Answer to {question_title}\n\n*No answer was recorded for this question.*"
    shown = answer[:MAX_SHOWN]
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)  # no line of the answer can close it
    cut = "\n\n*(cut: the answer is longer)*" if len(answer) > MAX_SHOWN else ""
    return (
        f"### Answer to {question_title} (as recorded)\n\n"
        f"{fence}{'python' if code else 'text'}\n{shown}\n{fence}{cut}"
    )


def _latest_answers(
    lesson_id: str, statements: Iterable[Mapping[str, Any]], student: str | None
) -> dict[str, str]:
    """Question id -> the student's latest answer (text), from their evidence."""
    found: dict[str, str] = {}
    for event in lesson_events(lesson_id, statements):
        if event.kind != "answered" or event.step_id is None:
            continue
        if student is not None and event.learner.id != student:
            continue  # a classmate's copied evidence is not this student's answer
        raw = event.data.get("raw")
        found[event.step_id] = raw if isinstance(raw, str) else str(event.data.get("response", ""))
    return found


def show_answers(nb: Any, statements: list[Any], student: str | None) -> None:
    """Write each answer cell's student answer (autograde, after the notebook ran)."""
    lesson_id = str((nb.metadata.get("lessonkit") or {}).get("lesson", ""))
    answers: dict[str, str] | None = None
    for cell in nb.cells:
        role = (cell.metadata.get("lessonkit") or {}) if cell.cell_type == "markdown" else {}
        if role.get("role") != ANSWER_ROLE:
            continue
        if answers is None:
            answers = _latest_answers(lesson_id, statements, student)
        question = str(role.get("question", ""))
        title = str(role.get("title") or question)
        cell.source = answer_markdown(title, answers.get(question), code=bool(role.get("code")))
