"""nbgrader integration: grade cells that turn recorded lesson evidence into points.

In an nbgrader assignment the lesson notebook has a player cell (:func:`player`) that records
the learner's evidence in ``lessonkit-evidence/`` inside the assignment folder — which
``nbgrader submit``/``collect`` carry along. An instructor's try-out in ``source/`` is neither
released nor copied over submissions: ``lessonkit nbgrader generate`` refuses to write next to
one, and the course configuration makes nbgrader's own commands leave it behind.

Autograde re-executes the notebook with nobody clicking. Each grade cell calls :func:`points`,
which re-checks every recorded raw response of the graded student (nobody else's) against the
answer key restored from the hidden-tests region, recomputes mastery, prints a short summary
(the learner's feedback, with anything the instructor should look at) and returns the points
for nbgrader to read as partial credit. That computation runs in the student's kernel,
after cells the student may have added: it is **not** tamper-resistant. With the course
configuration in ``extensions/nbgrader/nbgrader_config.py``,
:mod:`lessonkit.integrations.nbgrader_grader` computes the same grade in the nbgrader process
instead, from the evidence as submitted, before any student code runs, and writes it over the
cell's output.

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

__all__ = ["EVIDENCE_DIR", "grade_report", "grading", "player", "points", "render", "summary"]

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
    from .nbgrader_player import make_player

    return make_player(lesson, evidence)


def _key_lesson(
    lesson: str | os.PathLike[str] | Lesson | None, answer_key: str | Lesson | None
) -> Lesson:
    from ..lesson.loader import load_lesson, loads_lesson

    if isinstance(answer_key, Lesson):
        return answer_key
    if isinstance(answer_key, str):
        return loads_lesson(answer_key, "<answer key>")
    if lesson is None:
        raise ValueError("grading needs a lesson or an answer key")
    return lesson if isinstance(lesson, Lesson) else load_lesson(lesson)


def read_evidence(folder: str | os.PathLike[str], lesson_id: str) -> list[Mapping[str, Any]]:
    """Every statement of ``lesson_id`` in an evidence folder or store URL (such as the course
    service's ``hub+https://…``); ``[]`` when a folder does not exist."""
    if isinstance(folder, str) and "://" in folder:
        from ..evidence.stores import open_store

        with open_store(folder, create=False) as url_store:
            return list(url_store.read(lesson=lesson_id))
    path = Path(folder)
    if not path.is_dir():
        return []
    from ..evidence.stores import JsonlStore

    with JsonlStore(path, create=False) as store:
        return list(store.read(lesson=lesson_id))


def submitting_student(cwd: str | os.PathLike[str] | None = None) -> str | None:
    """The student whose submission autograde is running: ``autograded/<student>/<assignment>``
    is the working folder (nbgrader's default directory structure); ``None`` elsewhere."""
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":
        return None
    parts = Path(cwd or os.getcwd()).parts
    return parts[-2] if len(parts) >= 3 and parts[-3] == "autograded" else None


def grade_report(
    lesson: str | os.PathLike[str] | Lesson | None,
    answer_key: str | Lesson | None = None,
    *,
    evidence: str | os.PathLike[str] | Iterable[Mapping[str, Any]] = EVIDENCE_DIR,
    attempts: Literal["best", "first", "last"] = "best",
    hint_penalty: float = 0.0,
    count_practice: bool = False,
    namespace: Mapping[str, Any] | None = None,
    student: str | None = None,
    grades: Iterable[Mapping[str, Any]] | None = None,
) -> GradeReport:
    """The full :class:`~lessonkit.grading.GradeReport` behind :func:`points`.

    ``evidence`` is a folder, or statements already read from one; ``grades`` are statements
    of teachers' rubric grades you trust (a grade store; the course service's, read with its
    ``hub+`` evidence, is trusted by default). Only ``student``'s
    statements are graded (their nbgrader student id: the account name the player records);
    with no ``student``, the one learner found, or nobody when the evidence holds several.
    """
    key = _key_lesson(lesson, answer_key)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(evidence, str | os.PathLike):
            statements = read_evidence(evidence, key.id)
            if grades is None and str(evidence).startswith("hub+"):
                # The course service stores grades from instructors only: trusted.
                grades = statements
        else:
            statements = list(evidence)
        report = regrade(
            key,
            statements,
            attempts=attempts,
            hint_penalty=hint_penalty,
            namespace=namespace,
            practice=count_practice,
            student=student,
            grades=grades,
        )
    report.problems.extend(str(w.message) for w in caught)
    return report


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
    count_practice: bool = False,
    evidence: str | os.PathLike[str] = EVIDENCE_DIR,
    namespace: Mapping[str, Any] | None = None,
    student: str | None = None,
) -> float:
    """Points in ``[0, max_points]`` for an nbgrader grade cell, from re-checked evidence.

    Parameters
    ----------
    lesson
        The lesson file of the assignment (the student copy; used when no key is given, so a
        student running the cell sees a preview).
    answer_key
        The instructor's lesson as YAML/JSON text (kept in the cell's hidden-tests region), or
        a :class:`Lesson`. Every recorded answer is re-checked against it.
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
        Whether practice-pool answers count as mastery evidence. Off by default: their keys
        are in the student copy.
    evidence
        The evidence folder (default ``lessonkit-evidence`` next to the notebook).
    student
        The student to grade (default: the submitting student, read from autograde's working
        folder; outside nbgrader, the student running the notebook). Only their evidence
        counts: evidence recorded by anyone else is named in the output, never counted.
    """
    out = io.StringIO()
    # Whatever happens below, nothing may reach stderr: nbgrader would score the cell 0.
    with contextlib.redirect_stderr(out):
        options = {
            "attempts": attempts,
            "hint_penalty": hint_penalty,
            "count_practice": count_practice,
            "student": student or _default_student(),
        }
        # Each grade cell of a notebook asks about the same evidence: grade it once.
        slot = (
            repr(answer_key),
            str(lesson),
            _fingerprint(evidence),
            repr(sorted(options.items())),
        )
        report = _REPORTS.get(slot) if namespace is None else None
        if report is None:
            report = grade_report(
                lesson, answer_key, evidence=evidence, namespace=namespace, **options
            )
            _REPORTS.clear()
            _REPORTS[slot] = report
        earned, text = summary(
            report,
            max_points=max_points,
            competency=competency,
            questions=questions,
            scale=scale,
            require_completion=require_completion,
            preview=answer_key is None and not grading(),
        )
    print(text)
    return earned


_REPORTS: dict[tuple[str, ...], GradeReport] = {}


def _default_student() -> str | None:
    """Whom a grade cell grades when not told: the submitting student at autograde; in a
    student's own kernel (a preview), the nbgrader id the player records them under."""
    if grading():
        return submitting_student()
    from .nbgrader_player import student_id

    return student_id()


def _fingerprint(folder: str | os.PathLike[str]) -> str:
    """What the evidence folder holds now (names, sizes, modification times)."""
    path = Path(folder)
    if not path.is_dir():
        return f"{path.resolve()}: none"
    files = sorted(
        (str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in path.rglob("*") if f.is_file()
    )
    return f"{path.resolve()}: {files!r}"


def summary(
    report: GradeReport,
    *,
    max_points: float,
    competency: str | None = None,
    questions: Iterable[str] | None = None,
    scale: Literal["linear", "threshold"] = "linear",
    require_completion: bool = False,
    preview: bool = False,
) -> tuple[float, str]:
    """The points a report earns for one grade cell, and the text the cell prints."""
    fraction, lines = _fraction(report, competency, questions, scale)
    if require_completion and not report.completed:
        fraction = 0.0
        lines.append("The lesson was not completed, so no points were given.")
    earned = round(max(0.0, min(1.0, fraction)) * float(max_points), 2)
    return earned, render(report, lines, earned, float(max_points), preview=preview)


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
        if comp.untrusted:
            state = "no points: it rests on evidence lessonkit could not have recorded"
        lines.append(
            f"Competency {comp.id}: mastery {comp.mastery:.2f} (threshold {comp.threshold:.2f}, "
            f"{state}) from {comp.observations} counted answers, {comp.correct} correct."
        )
        return fraction, lines
    ids = list(questions) if questions is not None else list(report.questions)
    known = [i for i in ids if i in report.questions]
    # A rubric's share is a task cell's, graded by hand in formgrader: never counted here too.
    earned, available = report.checked_points(known)
    for qid in known:
        q = report.questions[qid]
        tries = "answer recorded" if q.recorded and q.attempts else f"{len(q.attempts)} tries"
        if q.impossible:
            tries += ", evidence lessonkit could not have recorded"
        share = q.max_points - q.rubric_max
        if q.rubric_max:
            tries += f"; {q.rubric_max:g} more points by the rubric, graded by hand"
        lines.append(f"Question {qid}: {q.checked * share:g} of {share:g} ({tries})")
    return (earned / available if available else 0.0), lines


def render(
    report: GradeReport, lines: list[str], earned: float, maximum: float, *, preview: bool
) -> str:
    """The text a grade cell prints: points, per-item lines, then what to look at."""
    head = "Preview (the final grade is computed after submission)" if preview else "lessonkit"
    out = [f"{head}: {earned:g} / {maximum:g} points"]
    out += [f"  {line}" for line in lines]
    if report.sessions == 0:
        whose = f" of {report.student}" if report.student else ""
        out.append(f"  No lesson evidence{whose} was found for this lesson.")
    out += [f"  ! {line}" for line in report.identity]
    out += [
        f"  ! {qid}: {why}: edited evidence? It earns nothing."
        for qid, why in report.impossible.items()
    ]
    others = len(report.discrepancies) - len(report.impossible)
    if others > 0:
        out.append(
            f"  ! {others} recorded result(s) contradict the re-check "
            "(edited evidence?); they were not trusted."
        )
    out += [f"  ! {line}" for line in report.gaps]
    if report.problems:
        out.append(f"  {len(report.problems)} piece(s) of evidence could not be used.")
    return "\n".join(out)
