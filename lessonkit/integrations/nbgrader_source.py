"""Turn a lesson (or its launcher notebook) into an nbgrader *source* assignment.

The generated folder holds two files, ready for ``nbgrader generate_assignment``:

``<name>.lesson.yaml``
    The student copy of the lesson: graded questions' keys hashed or removed
    (:mod:`lessonkit.grading.keys`).
``<name>.ipynb``
    A notebook with locked cells (nbgrader cell metadata, schema v3): an introduction, the
    player, and autograder grade cells. Each grade cell carries the full answer key between
    ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which nbgrader removes from the
    released copy and restores at autograde.

Everything is checked before anything is written: a graded question lessonkit cannot grade
from evidence, a competency a perfect learner could not master from the graded questions (in
``competency`` mode), or evidence left in the source folder is an error naming what to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..errors import LessonDefinitionError, LessonkitError
from ..grading.keys import gradable_problems, hidden_questions, student_copy
from ..lesson.loader import load_lesson, save_lesson
from ..lesson.model import End, Lesson
from ..lesson.serialize import lesson_to_data
from .nbgrader import EVIDENCE_DIR
from .nbgrader_rubric import rubric_cells, rubric_questions

__all__ = [
    "DEFAULT_MODE",
    "AssignmentError",
    "GeneratedAssignment",
    "generate_source",
    "lesson_of_notebook",
    "skippable_questions",
]

Mode = Literal["competency", "question", "total"]
DEFAULT_MODE: Mode = "question"
"""One grade cell per graded question: a learner who answers every graded question right
earns every point."""
_SHOW_CALL = re.compile(r"""\b(?:show|player)\(\s*(?:r?["'])([^"']+\.lesson\.(?:yaml|yml|json))""")


class AssignmentError(LessonkitError, ValueError):
    """The lesson cannot become a gradable assignment (each reason names what to fix)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class GeneratedAssignment:
    """What :func:`generate_source` wrote."""

    notebook: Path
    lesson: Path
    grade_cells: dict[str, float]
    """Grade id -> points."""
    live_checking: dict[str, str]
    """Graded question id -> ``"hashed"`` (live right/wrong) or ``"recorded"``."""
    notes: list[str] = field(default_factory=list)
    """Things the instructor should know (questions a learner's path may skip...)."""
    task_cells: dict[str, float] = field(default_factory=dict)
    """Grade id -> points of each rubric criterion's task cell, graded by hand in
    formgrader."""


def lesson_of_notebook(path: Path) -> Path:
    """The lesson file a launcher notebook shows (its first ``show("….lesson.yaml")`` call)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and (match := _SHOW_CALL.search(cell.source)):
            return (path.parent / match.group(1)).resolve()
    raise LessonDefinitionError(f"{path}: no lessonkit.show('….lesson.yaml') call found")


def _meta(grade_id: str, *, grade: bool = False, points: float = 0.0) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def _grade_cell(
    key: str, lesson_file: str, *, grade_id: str, points: float, target: str, label: str
) -> Any:
    source = "\n".join(
        [
            f"# lessonkit grade cell: {label} ({points:g} points)",
            "from lessonkit.integrations.nbgrader import points",
            "",
            "answer_key = None  # restored from the instructor's copy when grading",
            "### BEGIN HIDDEN TESTS",
            f"answer_key = {key}",
            "### END HIDDEN TESTS",
            f"points({lesson_file!r}, answer_key, {target}, max_points={points!r})",
        ]
    )
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = _meta(grade_id, grade=True, points=points)
    cell.metadata["lessonkit"] = {"role": "grade"}
    return cell


def _targets(lesson: Lesson, mode: Mode, points: float | None) -> list[tuple[str, float, str, str]]:
    """(grade id, points, call arguments, label) for each grade cell. A question's rubric
    share is left to its task cells (:mod:`.nbgrader_rubric`): cells grade the checked part."""
    graded = hidden_questions(lesson)
    if mode == "question":
        return [
            (f"lessonkit-{q.id}", points or q.checked_points, f"questions=[{q.id!r}]", q.id)
            for q in graded
            if q.rubric is None or q.checked_points > 0
        ]
    if mode == "total":
        checked = sum(q.checked_points for q in graded)
        if not checked and not points:
            return []  # every point is a rubric's: the task cells hold them all
        total = points or checked
        return [("lessonkit-total", total, "questions=None", "all graded questions")]
    cells = []
    for comp in lesson.competencies:
        weight = sum(q.points for q in graded if comp.id in q.competencies)
        cells.append(
            (
                f"lessonkit-{comp.id}",
                points or weight or 1.0,
                f"competency={comp.id!r}, count_practice=False",
                f"mastery of {comp.title or comp.id}",
            )
        )
    return cells


def reachable_mastery(lesson: Lesson) -> dict[str, float]:
    """The mastery of each competency after every graded question is answered right, at the
    first attempt and without hints: the most a learner can show in ``competency`` mode."""
    from ..policies.mastery import MasteryTracker

    tracker = MasteryTracker.for_lesson(lesson)
    for question in hidden_questions(lesson):
        for cid in question.competencies:
            tracker.observe(cid, True, attempt=1, hinted=False)
    return {c.id: float(tracker.probability(c.id)) for c in lesson.competencies}


def skippable_questions(lesson: Lesson) -> list[str]:
    """Graded questions some path from the start to an end step does not visit."""
    from ..lesson.graph import edges

    graph: dict[str, list[str]] = {}
    for edge in edges(lesson):
        graph.setdefault(edge.source, []).append(edge.target)
    ends = {s.id for s in lesson.steps if isinstance(s, End)}

    def reaches_end(without: str) -> bool:
        if lesson.start_id == without:
            return False  # every path starts there
        seen, todo = {lesson.start_id}, [lesson.start_id]
        while todo:
            step = todo.pop()
            if step in ends:
                return True
            for nxt in graph.get(step, ()):
                if nxt != without and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    return [q.id for q in hidden_questions(lesson) if reaches_end(q.id)]


def _problems(lesson: Lesson, mode: Mode, out: Path, force: bool) -> list[str]:
    problems = [f"step {sid!r}: {why}" for sid, why in gradable_problems(lesson)]
    if not hidden_questions(lesson):
        problems.append("no question has points, so there is nothing to grade")
    if mode == "competency" and (rubrics := [q.id for q in rubric_questions(lesson)]):
        problems.append(
            f"questions with a rubric ({', '.join(rubrics)}) are graded by hand in formgrader, "
            "after autograde has computed mastery: use --mode question or total"
        )
    if mode == "competency":
        if not lesson.competencies:
            problems.append("the lesson has no competencies; use --mode question or total")
        for comp in lesson.competencies:
            best = reachable_mastery(lesson)[comp.id]
            if best < comp.mastery.threshold:
                problems.append(
                    f"competency {comp.id!r}: a learner who answers every graded question "
                    f"right reaches mastery {best:.2f}, below its threshold "
                    f"{comp.mastery.threshold:.2f}, so nobody could earn its points: use "
                    "--mode question, add graded questions, or lower the threshold"
                )
    if (out / EVIDENCE_DIR).exists() and not force:
        # Autograde copies source/ files over each submission: this would replace learners'
        # evidence with the instructor's own try-out, and release its answers to everyone.
        problems.append(
            f"{out / EVIDENCE_DIR} holds evidence (a try-out of the lesson?): nbgrader would "
            "release it to every student and copy it over their own evidence at autograde. "
            "Delete it, or pass --force to generate anyway"
        )
    return problems


def generate_source(
    source: str | Path,
    assignment_dir: str | Path,
    *,
    name: str | None = None,
    mode: Mode = DEFAULT_MODE,
    points: float | None = None,
    salt: str | None = None,
    force: bool = False,
) -> GeneratedAssignment:
    """Write an nbgrader source notebook and the student copy of the lesson.

    Parameters
    ----------
    source
        A ``.lesson.yaml`` file, or a launcher notebook that shows one.
    assignment_dir
        ``<course>/source/<assignment>``; created if missing.
    name
        Base name of the notebook and lesson file (default: the lesson id).
    mode
        One grade cell per graded question (default), one in total, or one per competency
        (mastery from the graded questions only).
    points
        Points of each grade cell (default: the points of the questions it covers).
    force
        Generate even if the folder holds a ``lessonkit-evidence`` folder.

    Raises
    ------
    AssignmentError
        With every reason the lesson cannot become a gradable assignment; nothing is written.
    """
    path = Path(source)
    lesson_path = lesson_of_notebook(path) if path.suffix == ".ipynb" else path
    lesson = load_lesson(lesson_path)
    out = Path(assignment_dir)
    problems = _problems(lesson, mode, out, force)
    if problems:
        raise AssignmentError(str(lesson_path), problems)
    name = name or lesson.id
    copy, live = student_copy(lesson, salt=salt)
    notes = []
    if skipped := skippable_questions(lesson):
        notes.append(
            "graded questions a learner's path may skip (skipped ones earn nothing): "
            + ", ".join(skipped)
        )
    out.mkdir(parents=True, exist_ok=True)
    lesson_file = f"{name}.lesson.yaml"
    save_lesson(copy, out / lesson_file)
    # The key is the instructor's lesson as compact JSON text, a valid Python string literal.
    key = repr(json.dumps(lesson_to_data(lesson), separators=(",", ":"), ensure_ascii=False))
    intro = new_markdown_cell(
        f"# {lesson.title}\n\n{lesson.description}\n\n"
        "Work through the lesson below at your own pace. Your answers are saved as you go in "
        "the `lessonkit-evidence` folder next to this notebook; **do not delete it**. When you "
        "are done, submit the assignment as usual."
    )
    intro.metadata["nbgrader"] = _meta("lessonkit-intro")
    play = new_code_cell(
        f"from lessonkit.integrations.nbgrader import player\n\nplayer({lesson_file!r})"
    )
    play.metadata["nbgrader"] = _meta("lessonkit-player")
    play.metadata["lessonkit"] = {"role": "player"}
    cells = [intro, play]
    grade_cells: dict[str, float] = {}
    for grade_id, cell_points, target, label in _targets(lesson, mode, points):
        cells.append(
            _grade_cell(
                key, lesson_file, grade_id=grade_id, points=cell_points, target=target, label=label
            )
        )
        grade_cells[grade_id] = cell_points
    task_cells: dict[str, float] = {}
    for question in rubric_questions(lesson):
        made = rubric_cells(question)
        cells += made
        task_cells.update(
            (c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"]["points"])
            for c in made
            if c.metadata["nbgrader"].get("task")
        )
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["lessonkit"] = {
        "lesson": lesson.id,
        "version": lesson.version,
        "lesson_file": lesson_file,
    }
    notebook = out / f"{name}.ipynb"
    nbformat.write(nb, notebook)
    return GeneratedAssignment(notebook, out / lesson_file, grade_cells, live, notes, task_cells)
