"""Tamper-resistant grading: lessonkit grade cells computed in the nbgrader process.

nbgrader's autograde runs the student's notebook — including any cell the student added
before the grade cells — in one kernel, so a grade computed *in* that kernel can be changed
by the student (monkeypatching :func:`lessonkit.integrations.nbgrader.points`, rewriting the
evidence, reading the restored key off the disk). These two preprocessors take the grade out
of the kernel's hands:

:class:`SnapshotLessonEvidence` (add to ``Autograde.sanitize_preprocessors``)
    reads the submission's evidence into the grader's memory before any student code of that
    submission has run (the sanitize pass of its first notebook), from ``submitted/``;
:class:`GradeLessonCells` (add to ``Autograde.autograde_preprocessors`` right after
    ``Execute``)
    recomputes every lessonkit grade cell from that snapshot and the key restored in the
    cell's hidden-tests region (read with :func:`ast.literal_eval`, never executed), and
    writes the result over whatever the kernel printed; ``SaveAutoGrades`` then stores it in
    the gradebook.

``extensions/nbgrader/nbgrader_config.py`` sets both. Learner code in recorded answers runs
only in the checkers' sandbox process. Autograde itself still runs the student's cells as
the grader's user: run it in a container if students must not touch the course files.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from ..grading import GradeReport
from .nbgrader import EVIDENCE_DIR, grade_report, summary
from .nbgrader_rubric import ANSWER_ROLE, show_answers

__all__ = ["GRADE_CALL", "GradeLessonCells", "SnapshotLessonEvidence", "parse_grade_cell"]

GRADE_CALL = "from lessonkit.integrations.nbgrader import points"
"""The line that marks a lessonkit grade cell."""
OUTSIDE = "(graded by lessonkit in the nbgrader process, from the evidence as submitted)"

_OPTIONS = (
    "competency",
    "questions",
    "scale",
    "attempts",
    "hint_penalty",
    "require_completion",
    "count_practice",
    "evidence",
)
# Snapshots live as long as the autograde run (its converter) does.
_SNAPSHOTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], list[Any]]] = (
    weakref.WeakKeyDictionary()
)
_STANDALONE: dict[tuple[str, str, str], list[Any]] = {}


def parse_grade_cell(source: str) -> dict[str, Any] | None:
    """The arguments of a lessonkit grade cell's ``points(...)`` call, with the answer key
    text as ``answer_key``; ``None`` if ``source`` is not a readable lessonkit grade cell."""
    if GRADE_CALL not in source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    key: str | None = None
    call: ast.Call | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "answer_key" for t in node.targets
        ):
            value = _literal(node.value)
            key = value if isinstance(value, str) else key
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == "points":
                call = node.value
    if call is None or key is None:
        return None
    found: dict[str, Any] = {"answer_key": key}
    for keyword in call.keywords:
        if keyword.arg == "max_points" or keyword.arg in _OPTIONS:
            found[keyword.arg] = _literal(keyword.value)
    return found if isinstance(found.get("max_points"), int | float) else None


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _snapshots(preprocessor: Any) -> dict[tuple[str, str, str], list[Any]]:
    converter = getattr(getattr(preprocessor, "parent", None), "parent", None)
    if converter is None:
        return _STANDALONE
    return _SNAPSHOTS.setdefault(converter, {})


def _folders(nb: Any) -> set[str]:
    folders = set()
    for cell in nb.cells:
        args = parse_grade_cell(cell.source) if cell.cell_type == "code" else None
        if args is not None:
            folders.add(str(args.get("evidence") or EVIDENCE_DIR))
        elif (cell.metadata.get("lessonkit") or {}).get("role") == ANSWER_ROLE:
            folders.add(EVIDENCE_DIR)  # a rubric question's answer, shown for grading by hand
    return folders


class SnapshotLessonEvidence(NbGraderPreprocessor):  # type: ignore[misc]
    """Read a submission's lessonkit evidence before any of its code runs (sanitize pass)."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        info = resources.get("nbgrader") or {}
        folder = Path(str((resources.get("metadata") or {}).get("path") or "."))
        snapshots = _snapshots(self)
        for name in _folders(nb):
            slot = (str(info.get("student")), str(info.get("assignment")), name)
            if slot not in snapshots:
                snapshots[slot] = _read_folder(folder / name)
                self.log.info("lessonkit: read the evidence in %s", folder / name)
        return nb, resources


def _read_folder(folder: Path) -> list[Any]:
    """Every statement in an evidence folder, whatever the lesson (read once, kept in memory)."""
    if not folder.is_dir():
        return []
    from ..evidence.stores import JsonlStore

    with JsonlStore(folder, create=False) as store:
        return list(store.read())


class GradeLessonCells(NbGraderPreprocessor):  # type: ignore[misc]
    """Write each lessonkit grade cell's grade, computed here, over the kernel's output."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        info = resources.get("nbgrader") or {}
        student = str(info.get("student") or "") or None
        folder = Path(str((resources.get("metadata") or {}).get("path") or "."))
        snapshots = _snapshots(self)
        reports: dict[str, GradeReport | str] = {}
        if EVIDENCE_DIR in _folders(nb):  # answers for the rubric questions' task cells
            slot = (str(info.get("student")), str(info.get("assignment")), EVIDENCE_DIR)
            if slot not in snapshots:
                snapshots[slot] = _read_folder(folder / EVIDENCE_DIR)
            show_answers(nb, snapshots[slot], student)
        for cell in nb.cells:
            grader = (cell.metadata.get("nbgrader") or {}) if cell.cell_type == "code" else {}
            if not grader.get("grade"):
                continue
            args = parse_grade_cell(cell.source)
            if args is None:
                if GRADE_CALL in cell.source:
                    _write(cell, 0.0, "lessonkit could not read this grade cell: 0 points.")
                continue
            name = str(args.get("evidence") or EVIDENCE_DIR)
            slot = (str(info.get("student")), str(info.get("assignment")), name)
            if slot not in snapshots:
                self.log.warning(
                    "lessonkit: no evidence snapshot for %s (add SnapshotLessonEvidence to "
                    "Autograde.sanitize_preprocessors); reading it after the notebook ran",
                    slot,
                )
                snapshots[slot] = _read_folder(folder / name)
            options = repr([args.get(k) for k in ("answer_key", "attempts", "hint_penalty")])
            options += repr([args.get("count_practice"), slot])
            if options not in reports:  # cells of one notebook share a report
                reports[options] = _report(args, snapshots[slot], student)
            earned, text = _grade(args, reports[options])
            _write(cell, earned, f"{text}\n  {OUTSIDE}")
        return nb, resources


def _report(
    args: Mapping[str, Any], statements: list[Any], student: str | None
) -> GradeReport | str:
    """The report for a cell's key and options, or why there is none."""
    from ..errors import LessonkitError

    try:
        return grade_report(
            None,
            args["answer_key"],
            evidence=statements,
            attempts=args.get("attempts") or "best",
            hint_penalty=float(args.get("hint_penalty") or 0.0),
            count_practice=bool(args.get("count_practice")),
            student=student,
        )
    except (LessonkitError, ValueError) as exc:
        return f"lessonkit could not read this cell's answer key ({exc}): 0 points."


def _grade(args: Mapping[str, Any], report: GradeReport | str) -> tuple[float, str]:
    if isinstance(report, str):
        return 0.0, report
    questions = args.get("questions")
    return summary(
        report,
        max_points=float(args["max_points"]),
        competency=args.get("competency"),
        questions=list(questions) if isinstance(questions, list | tuple) else None,
        scale=args.get("scale") or "linear",
        require_completion=bool(args.get("require_completion")),
    )


def _write(cell: Any, earned: float, text: str) -> None:
    count = cell.get("execution_count")
    cell.outputs = [
        new_output("stream", name="stdout", text=text + "\n"),
        new_output("execute_result", data={"text/plain": repr(earned)}, execution_count=count),
    ]
