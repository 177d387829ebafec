"""nbgrader integration: grade cells that turn recorded lesson evidence into points.

In an nbgrader assignment the lesson notebook has a player cell (:func:`player`) that records
the learner's evidence in ``lessonkit-evidence/`` inside the assignment folder — which
``nbgrader submit``/``collect`` carry along and autograde does not overwrite, because no such
folder exists in ``source/``. Autograde re-executes the notebook with nobody clicking; the
grade cells then call :func:`points`, which re-checks every recorded raw response against the
answer key restored from the hidden-tests region, recomputes mastery, prints a short summary
(the learner's feedback) and returns the points for nbgrader to read as partial credit.

``points`` never writes to stderr (any stderr output makes nbgrader score a cell 0): warnings
about damaged evidence are collected and shown in the printed summary instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from ..grading import GradeReport, regrade
from ..lesson.model import Lesson

__all__ = ["EVIDENCE_DIR", "grading", "player", "points"]

EVIDENCE_DIR = "lessonkit-evidence"
"""Folder, relative to the notebook, where an assignment's evidence is recorded."""


def grading() -> bool:
    """Whether the notebook is being executed by nbgrader (autograde, validate...)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def player(lesson: str | os.PathLike[str] | Lesson, *, evidence: str = EVIDENCE_DIR) -> object:
    """Show the lesson player, recording evidence in the assignment folder.

    Under nbgrader execution nothing is shown or recorded: nobody is there to click, and a
    new empty session must not be added to the learner's evidence.
    """
    if grading():
        return None
    from ..widgets import show

    return show(lesson, store=str(Path(evidence).resolve()))


def _key_lesson(lesson: str | os.PathLike[str] | Lesson, answer_key: str | Lesson | None) -> Lesson:
    from ..lesson.loader import load_lesson, loads_lesson

    if isinstance(answer_key, Lesson):
        return answer_key
    if isinstance(answer_key, str):
        return loads_lesson(answer_key, "<answer key>")
    return lesson if isinstance(lesson, Lesson) else load_lesson(lesson)


def _read_evidence(folder: Path | str, lesson_id: str) -> Iterable[Mapping[str, Any]]:
    if isinstance(folder, str) and "://" in folder:  # a store URL, e.g. the course service
        from ..evidence.stores import open_store

        with open_store(folder, create=False) as store:
            return list(store.read(lesson=lesson_id))
    folder = Path(folder)
    if not folder.is_dir():
        return []
    from ..evidence.stores import JsonlStore

    with JsonlStore(folder, create=False) as store:
        return list(store.read(lesson=lesson_id))


def grade_report(
    lesson: str | os.PathLike[str] | Lesson,
    answer_key: str | Lesson | None = None,
    *,
    evidence: str | os.PathLike[str] = EVIDENCE_DIR,
    attempts: Literal["best", "first", "last"] = "best",
    hint_penalty: float = 0.0,
    count_practice: bool = True,
    namespace: Mapping[str, Any] | None = None,
) -> GradeReport:
    """The full :class:`~lessonkit.grading.GradeReport` behind :func:`points`."""
    key = _key_lesson(lesson, answer_key)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        statements = _read_evidence(
            evidence if isinstance(evidence, str) and "://" in evidence else Path(evidence), key.id
        )
        if not count_practice:
            graded = {q.id for q in key.questions() if q.points > 0}
            statements = [s for s in statements if _step_of(s) in graded or not _answered(s)]
        report = regrade(
            key, statements, attempts=attempts, hint_penalty=hint_penalty, namespace=namespace
        )
    report.problems.extend(str(w.message) for w in caught)
    return report


def _step_of(statement: Mapping[str, Any]) -> str:
    from ..evidence import statement_to_event

    try:
        return statement_to_event(statement).step_id or ""
    except (ValueError, TypeError, KeyError):
        return ""


def _answered(statement: Mapping[str, Any]) -> bool:
    verb = str((statement.get("verb") or {}).get("id", ""))
    return verb.endswith("/answered")


def points(
    lesson: str | os.PathLike[str] | Lesson,
    answer_key: str | Lesson | None = None,
    *,
    max_points: float,
    competency: str | None = None,
    questions: Iterable[str] | None = None,
    scale: Literal["linear", "threshold"] = "linear",
    attempts: Literal["best", "first", "last"] = "best",
    hint_penalty: float = 0.0,
    require_completion: bool = False,
    count_practice: bool = True,
    evidence: str | os.PathLike[str] = EVIDENCE_DIR,
    namespace: Mapping[str, Any] | None = None,
) -> float:
    """Points in ``[0, max_points]`` for an nbgrader grade cell, from re-checked evidence.

    Parameters
    ----------
    lesson
        The lesson file of the assignment (the student copy; used when no key is given, so a
        student running the cell sees a preview).
    answer_key
        The instructor's lesson as YAML text (kept in the cell's hidden-tests region), or a
        :class:`Lesson`. Every recorded answer is re-checked against it.
    max_points
        The cell's points in nbgrader.
    competency
        Grade the mastery of this competency: mastery mapped to points linearly from the
        prior to the threshold (``scale="linear"``) or all-or-nothing at the threshold.
    questions
        Otherwise grade these questions (default: every question with points), by the
        attempt policy, the lesson's attempt score schedule and ``hint_penalty`` per hint.
    require_completion
        Zero points unless the learner reached an end step.
    count_practice
        Whether practice-pool answers count as mastery evidence (their keys are in the
        student copy, so set ``False`` for a summative competency grade).
    evidence
        The evidence folder (default ``lessonkit-evidence`` next to the notebook).
    """
    out = io.StringIO()
    # Whatever happens below, nothing may reach stderr: nbgrader would score the cell 0.
    with contextlib.redirect_stderr(out):
        report = grade_report(
            lesson,
            answer_key,
            evidence=evidence,
            attempts=attempts,
            hint_penalty=hint_penalty,
            count_practice=count_practice,
            namespace=namespace,
        )
        fraction, summary = _fraction(report, competency, questions, scale)
        if require_completion and not report.completed:
            fraction = 0.0
            summary.append("The lesson was not completed, so no points were given.")
    earned = round(max(0.0, min(1.0, fraction)) * float(max_points), 2)
    preview = answer_key is None and not grading()
    print(_render(report, summary, earned, float(max_points), preview=preview))
    return earned


def _fraction(
    report: GradeReport, competency: str | None, questions: Iterable[str] | None, scale: str
) -> tuple[float, list[str]]:
    lines: list[str] = []
    if competency is not None:
        comp = report.competencies.get(competency)
        if comp is None:
            return 0.0, [f"Competency {competency!r} is not part of this lesson."]
        fraction = comp.fraction("threshold" if scale == "threshold" else "linear")
        state = "mastered" if comp.mastered else "not yet mastered"
        lines.append(
            f"Competency {comp.id}: mastery {comp.mastery:.2f} (threshold {comp.threshold:.2f}, "
            f"{state}) from {comp.observations} counted answers, {comp.correct} correct."
        )
        return fraction, lines
    ids = list(questions) if questions is not None else list(report.questions)
    known = [i for i in ids if i in report.questions]
    earned, available = report.question_points(known)
    for qid in known:
        q = report.questions[qid]
        lines.append(f"Question {qid}: {q.points:g} of {q.max_points:g} ({len(q.attempts)} tries)")
    return (earned / available if available else 0.0), lines


def _render(
    report: GradeReport, lines: list[str], earned: float, maximum: float, *, preview: bool
) -> str:
    head = "Preview (the final grade is computed after submission)" if preview else "lessonkit"
    out = [f"{head}: {earned:g} / {maximum:g} points"]
    out += [f"  {line}" for line in lines]
    if report.sessions == 0:
        out.append("  No lesson evidence was found for this lesson.")
    if report.discrepancies:
        out.append(f"  {len(report.discrepancies)} recorded result(s) did not match the re-check.")
    if report.problems:
        out.append(f"  {len(report.problems)} piece(s) of evidence could not be used.")
    return "\n".join(out)
