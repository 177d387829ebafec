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
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..errors import LessonDefinitionError
from ..grading.keys import hidden_questions, student_copy
from ..lesson.loader import load_lesson, save_lesson
from ..lesson.model import Lesson
from ..lesson.serialize import lesson_to_data
from .nbgrader import EVIDENCE_DIR

__all__ = ["GeneratedAssignment", "generate_source", "lesson_of_notebook"]

Mode = Literal["competency", "question", "total"]
_SHOW_CALL = re.compile(r"""\b(?:show|player)\(\s*(?:r?["'])([^"']+\.lesson\.(?:yaml|yml|json))""")


@dataclass(frozen=True, slots=True)
class GeneratedAssignment:
    """What :func:`generate_source` wrote."""

    notebook: Path
    lesson: Path
    grade_cells: dict[str, float]
    """Grade id -> points."""
    live_checking: dict[str, str]
    """Graded question id -> ``"hashed"`` (live right/wrong) or ``"recorded"``."""


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
    """(grade id, points, call arguments, label) for each grade cell."""
    graded = hidden_questions(lesson)
    if mode == "question":
        return [
            (f"lessonkit-{q.id}", points or q.points, f"questions=[{q.id!r}]", q.id) for q in graded
        ]
    if mode == "total":
        total = points or sum(q.points for q in graded) or 1.0
        return [("lessonkit-total", total, "questions=None", "all graded questions")]
    cells = []
    for comp in lesson.competencies:
        weight = sum(q.points for q in graded if comp.id in q.competencies)
        cells.append(
            (
                f"lessonkit-{comp.id}",
                points or weight or 1.0,
                f"competency={comp.id!r}",
                f"mastery of {comp.title or comp.id}",
            )
        )
    return cells


def generate_source(
    source: str | Path,
    assignment_dir: str | Path,
    *,
    name: str | None = None,
    mode: Mode = "competency",
    points: float | None = None,
    salt: str | None = None,
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
        One grade cell per competency (mastery), per graded question, or one in total.
    points
        Points of each grade cell (default: the points of the questions it covers).
    """
    path = Path(source)
    lesson_path = lesson_of_notebook(path) if path.suffix == ".ipynb" else path
    lesson = load_lesson(lesson_path)
    if mode == "competency" and not lesson.competencies:
        raise LessonDefinitionError(
            f"{lesson_path}: the lesson has no competencies; use mode 'question' or 'total'"
        )
    name = name or lesson.id
    out = Path(assignment_dir)
    if (out / EVIDENCE_DIR).exists():
        # Autograde copies source/ files over each submission: this would replace learners'
        # evidence with the instructor's own try-out.
        warnings.warn(
            f"{out / EVIDENCE_DIR} exists in the source folder; delete it before "
            "`nbgrader generate_assignment`, or autograde will overwrite learners' evidence",
            UserWarning,
            stacklevel=2,
        )
    out.mkdir(parents=True, exist_ok=True)
    copy, live = student_copy(lesson, salt=salt)
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
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["lessonkit"] = {"lesson": lesson.id, "version": lesson.version}
    notebook = out / f"{name}.ipynb"
    nbformat.write(nb, notebook)
    return GeneratedAssignment(notebook, out / lesson_file, grade_cells, live)
