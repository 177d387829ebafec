"""The tamper-resistant mode: lessonkit grade cells are computed in the nbgrader process from
the evidence as it was before any student code ran, whatever the kernel printed.

The whole course with real nbgrader, including a student whose added cell monkeypatches the
grade function and rewrites the evidence, is in tests/integration/test_nbgrader_roundtrip.py;
here the two preprocessors run directly on a generated notebook.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_output

import lessonkit as lk
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.stores import JsonlStore
from lessonkit.integrations.nbgrader import EVIDENCE_DIR
from lessonkit.integrations.nbgrader_grader import (
    GradeLessonCells,
    SnapshotLessonEvidence,
    parse_grade_cell,
)
from lessonkit.integrations.nbgrader_source import generate_source

LESSON = Path(__file__).resolve().parents[1] / "data" / "valid" / "graded.lesson.yaml"
KEY = lk.load_lesson(LESSON)


def _evidence(folder: Path, learner: str) -> None:
    session = lk.LessonSession(KEY, learner=learner)
    session.start()
    session.advance()
    session.submit("3/5")  # wrong, then right: 0.5 of 2 points on 'bigger'
    session.submit("2/3")
    with JsonlStore(folder) as store:
        store.append([event_to_statement(e) for e in session.events])


def test_a_patched_kernel_output_is_replaced_by_the_recomputed_grade(tmp_path: Path) -> None:
    made = generate_source(LESSON, tmp_path / "source" / "ps1", name="nb")
    student = f"s{uuid.uuid4().hex[:8]}"
    submitted = tmp_path / "submitted" / student / "ps1"
    submitted.mkdir(parents=True)
    shutil.copy(made.notebook, submitted / "nb.ipynb")
    _evidence(submitted / EVIDENCE_DIR, student)
    nb = nbformat.read(submitted / "nb.ipynb", as_version=4)
    resources = {
        "nbgrader": {"student": student, "assignment": "ps1", "notebook": "nb"},
        "metadata": {"path": str(submitted)},
    }
    SnapshotLessonEvidence().preprocess(nb, resources)
    # The student's own code then runs: it rewrites the evidence and patches the grade.
    shutil.rmtree(submitted / EVIDENCE_DIR)
    for cell in nb.cells:
        if parse_grade_cell(cell.source) is not None:
            cell.outputs = [new_output("execute_result", data={"text/plain": "2.0"})]
    GradeLessonCells().preprocess(nb, resources)
    written = {
        cell.metadata["nbgrader"]["grade_id"]: cell.outputs
        for cell in nb.cells
        if parse_grade_cell(cell.source) is not None
    }
    bigger = written["lessonkit-bigger"]
    assert bigger[-1]["data"]["text/plain"] == "1.0"  # by hand: second attempt, 0.5 of 2
    assert "graded by lessonkit in the nbgrader process" in bigger[0]["text"]
    assert written["lessonkit-half"][-1]["data"]["text/plain"] == "0.0"


def test_copied_evidence_is_not_counted_in_the_grade_cell(tmp_path: Path) -> None:
    made = generate_source(LESSON, tmp_path / "source" / "ps1", name="nb")
    student = f"s{uuid.uuid4().hex[:8]}"
    submitted = tmp_path / "submitted" / student / "ps1"
    submitted.mkdir(parents=True)
    _evidence(submitted / EVIDENCE_DIR, "classmate")
    nb = nbformat.read(made.notebook, as_version=4)
    resources = {
        "nbgrader": {"student": student, "assignment": "ps1"},
        "metadata": {"path": str(submitted)},
    }
    SnapshotLessonEvidence().preprocess(nb, resources)
    GradeLessonCells().preprocess(nb, resources)
    text = next(c.outputs[0]["text"] for c in nb.cells if parse_grade_cell(c.source))
    # The classmate's right answers are not the student's: not counted, and said so.
    assert text.startswith("lessonkit: 0 / 2 points")
    assert f"evidence of classmate (1 session(s)) was not counted: it is not {student}'s" in text
    assert all(o.get("name") != "stderr" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize(
    "source",
    [
        "from lessonkit.integrations.nbgrader import points\npoints('x', answer_key, max_points=1)",
        "from lessonkit.integrations.nbgrader import points\nanswer_key = open('k').read()\n"
        "points('x', answer_key, max_points=1)",
        "from lessonkit.integrations.nbgrader import points\nanswer_key = 'k'\n"
        "points('x', answer_key, max_points=__import__('os').getpid())",
    ],
)
def test_grade_cells_are_read_never_run(source: str) -> None:
    assert parse_grade_cell(source) is None
