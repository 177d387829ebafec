"""``lessonkit nbgrader import-grades``: formgrader's manual grades back into lessonkit evidence.

For each submission of an assignment in the course's gradebook (formgrader's database), and
each question with a rubric, the task cells of its criteria (:mod:`.nbgrader_rubric`) hold the
instructor's manual scores and comments. When every criterion of a question is graded, the
scores name the levels (a score that is no level's points is reported, and the question is
left for the instructor to fix), and the grade of the student's answer is written to a grade
store as a rubric grade statement: the course's own ``lessonkit-grades`` folder by default,
or any store (a course-wide PostgreSQL store, the course service's…).

Running it again writes nothing for grades that did not change; a changed grade is the next
version of the answer's grade and voids the one before (see
:mod:`lessonkit.evidence.grades`). The grade store is the instructor's, and only it is
trusted for grades: ``lessonkit nbgrader grade --grades STORE`` reads it; grades found in a
student's own evidence folder never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from ..evidence.events import LearnerRef
from ..evidence.grades import GradeIndex, grade_statement, void_statement
from ..evidence.stores import JsonlStore, open_store
from ..grading.rubrics import answers_to_grade, make_grade
from ..lesson.loader import load_lesson
from ..lesson.model import Lesson, Question
from .nbgrader import EVIDENCE_DIR
from .nbgrader_player import NBGRADER_HOME_PAGE
from .nbgrader_rubric import rubric_questions, task_id

__all__ = ["GRADES_DIR", "Imported", "import_grades"]

GRADES_DIR = "lessonkit-grades"
"""The course's grade store, a folder in the course root (the instructor's, never released)."""


@dataclass(slots=True)
class Imported:
    """What one run did."""

    written: list[str] = field(default_factory=list)
    """``student/question`` whose grade was written (new, or changed)."""
    unchanged: list[str] = field(default_factory=list)
    """``student/question`` whose grade was already there as it is."""
    waiting: list[str] = field(default_factory=list)
    """``student/question`` not fully graded in formgrader yet (or never answered)."""
    problems: list[str] = field(default_factory=list)
    """Scores that name no level, and other things the instructor must fix."""


@dataclass(slots=True)
class _Notebook:
    name: str
    lesson: Lesson
    questions: list[Question]


def _course(root: Path) -> Any:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    if "root" not in config.CourseDirectory:  # the folder given, not where the command runs
        coursedir.root = str(root.resolve())
    return coursedir


def _notebooks(source: Path) -> list[_Notebook]:
    """The assignment's lessonkit notebooks with rubric questions (their student copies hold
    the rubrics)."""
    found = []
    for path in sorted(source.glob("*.ipynb")):
        meta = nbformat.read(path, as_version=4).metadata.get("lessonkit") or {}
        name = meta.get("lesson_file")
        if not isinstance(name, str) or not (source / name).is_file():
            continue
        lesson = load_lesson(source / name)
        questions = rubric_questions(lesson)
        if questions:
            found.append(_Notebook(path.stem, lesson, questions))
    return found


def _evidence(coursedir: Any, student: str, assignment: str) -> list[Any]:
    for step in (coursedir.autograded_directory, coursedir.submitted_directory):
        folder = Path(coursedir.format_path(step, student, assignment)) / EVIDENCE_DIR
        if folder.is_dir():
            with JsonlStore(folder, create=False) as store:
                return list(store.read())
    return []


def import_grades(
    root: Path,
    assignment: str,
    *,
    store: str | None = None,
    grader: str,
    students: list[str] | None = None,
) -> Imported:
    """Turn formgrader's manual grades of ``assignment`` into rubric grade statements."""
    from nbgrader.api import Gradebook, MissingEntry

    coursedir = _course(root)
    source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    notebooks = _notebooks(source)
    done = Imported()
    target = open_store(store or str(root / GRADES_DIR))
    teacher = LearnerRef(id=grader, home_page=NBGRADER_HOME_PAGE)
    try:
        with Gradebook(coursedir.db_url) as gb:
            for submission in gb.assignment_submissions(assignment):
                student = str(submission.student_id)
                if students is not None and student not in students:
                    continue
                evidence = _evidence(coursedir, student, assignment)
                for nb in notebooks:
                    for question in nb.questions:
                        where = f"{student}/{question.id}"
                        try:
                            picks = _picks(gb, nb.name, assignment, student, question)
                        except MissingEntry:
                            done.waiting.append(where)
                            continue
                        _one(
                            done,
                            target,
                            teacher,
                            nb.lesson,
                            question,
                            student=student,
                            evidence=evidence,
                            picks=picks,
                        )
    finally:
        target.close()
    return done


def _picks(
    gb: Any, notebook: str, assignment: str, student: str, question: Question
) -> tuple[dict[str, float | None], list[str]]:
    """Criterion -> manual score (``None``: not graded), and the comments, per criterion."""
    assert question.rubric is not None
    scores: dict[str, float | None] = {}
    comments = []
    for criterion in question.rubric.criteria:
        name = task_id(question.id, criterion.id)
        grade = gb.find_grade(name, notebook, assignment, student)
        scores[criterion.id] = None if grade.manual_score is None else float(grade.manual_score)
        comment = gb.find_comment(name, notebook, assignment, student).manual_comment
        if comment and comment.strip():
            comments.append(f"{criterion.title or criterion.id}: {comment.strip()}")
    return scores, comments


def _one(
    done: Imported,
    target: Any,
    teacher: LearnerRef,
    lesson: Lesson,
    question: Question,
    *,
    student: str,
    evidence: list[Any],
    picks: tuple[dict[str, float | None], list[str]],
) -> None:
    assert question.rubric is not None
    scores, comments = picks
    where = f"{student}/{question.id}"
    answers = [
        a for a in answers_to_grade(lesson, question.id, evidence) if a.learner.id == student
    ]
    if not answers or any(v is None for v in scores.values()):
        done.waiting.append(where)
        return
    levels = {}
    for criterion in question.rubric.criteria:
        points = scores[criterion.id]
        level = criterion.level_worth(points) if points is not None else None
        if level is None:
            known = ", ".join(f"{lv.points:g}" for lv in criterion.levels)
            done.problems.append(
                f"{where}: criterion {criterion.id!r} was given {points:g} points, which is no "
                f"level of the rubric ({known}): give one of these in formgrader"
            )
            return
        levels[criterion.id] = level.label
    answer = answers[0]
    comment = "\n".join(comments)
    grades = GradeIndex.of(target.read(learner=answer.learner, lesson=lesson.id))
    current = grades.grade_of(answer.answer_id)
    if current is not None and dict(current.levels) == levels and current.comment == comment:
        done.unchanged.append(where)
        return
    grade = make_grade(
        lesson,
        question.id,
        learner=answer.learner,
        grader=teacher,
        registration=answer.answer.registration,
        answer_seq=answer.answer.seq,
        levels=levels,
        comment=comment,
        version=grades.next_version(answer.answer_id),
        timestamp=datetime.now(UTC),
    )
    batch = [grade_statement(grade)]
    if current is not None:
        batch.insert(0, void_statement(current, grade))
    target.append(batch)
    done.written.append(where)
