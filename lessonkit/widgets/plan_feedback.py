"""The learning plan's sections from teachers: "Feedback from your teachers" (each graded answer
of the learner with its points, the level of each rubric criterion, the teacher's comment and
the learner's reply) and "From your teachers" (notes, and judgements of competencies with
their reasons). Everything is escaped: comments, notes and replies are plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ..course.model import Course
from ..course.record import LearnerRecord
from ..evidence.replies import Feedback

__all__ = ["feedback_html", "feedback_label", "from_teachers_html"]


def _question(course: Course, lesson_id: str, question_id: str) -> tuple[str, Any]:
    """(lesson label, the question or ``None``)."""
    if not course.has_lesson(lesson_id):
        return lesson_id, None
    entry = course.lesson(lesson_id)
    lesson = entry.lesson
    if lesson is None or not lesson.has_step(question_id):
        return entry.label, None
    return entry.label, lesson.step(question_id)


def feedback_label(course: Course, item: Feedback) -> str:
    """``Lesson: question (date)``, plain text (a dropdown option)."""
    lesson, question = _question(course, item.grade.lesson_id, item.grade.question_id)
    title = (getattr(question, "title", "") or item.grade.question_id) if question else ""
    when = item.grade.timestamp.date().isoformat()
    return f"{lesson}: {title or item.grade.question_id} ({when})"


def _levels(question: Any, item: Feedback) -> str:
    rubric = getattr(question, "rubric", None)
    grade = item.grade
    rows = []
    for criterion in rubric.criteria if rubric is not None else ():
        label = grade.levels.get(criterion.id)
        if label is not None:
            points = grade.criterion_points.get(criterion.id, 0.0)
            rows.append(
                f"<li>{escape(criterion.title or criterion.id)}: {escape(label)} "
                f"({points:g} of {criterion.max_points:g})</li>"
            )
    return f"<ul class='lk-rubric'>{''.join(rows)}</ul>" if rows else ""


def feedback_html(course: Course, items: Sequence[Feedback]) -> str:
    """The section (empty text when no answer of the learner was graded)."""
    if not items:
        return ""
    fresh = sum(1 for i in items if i.new)
    parts = ["<h3 id='lk-feedback-h'>Feedback from your teachers</h3>"]
    if fresh:
        what = "a graded answer" if fresh == 1 else f"{fresh} graded answers"
        parts.append(f"<p class='lk-news' role='status'>New since your last visit: {what}.</p>")
    rows = []
    for item in items:
        grade = item.grade
        _, question = _question(course, grade.lesson_id, grade.question_id)
        tag = "<span class='lk-tag'>new</span>" if item.new else ""
        by = escape(grade.grader.name or grade.grader.id)
        body = [
            f"<p>{tag}<strong>{escape(feedback_label(course, item))}</strong>: "
            f"{grade.points:g} of {grade.max_points:g} points, graded by {by}.</p>",
            _levels(question, item),
        ]
        if grade.comment:
            comment = escape(grade.comment).replace("\n", "<br>")
            body.append(f"<p class='lk-comment'>Comment: {comment}</p>")
        if item.reply is not None:
            said = escape(item.reply.text).replace("\n", "<br>")
            body.append(f"<p class='lk-reply'>Your reply: {said}</p>")
        rows.append(f"<li data-grade='{escape(grade.id)}'>{''.join(body)}</li>")
    parts.append("<ul class='lk-feedback' aria-labelledby='lk-feedback-h'>" + "".join(rows))
    parts.append("</ul>")
    return "".join(parts)


def from_teachers_html(course: Course, record: LearnerRecord) -> str:
    """Teachers' notes and judgements of competencies, newest first (empty text if none)."""
    if not record.from_teachers:
        return ""
    rows = []
    for event in reversed(record.from_teachers):
        who = escape(event.by.name or event.by.id) if event.by is not None else "A teacher"
        when = escape(event.timestamp.date().isoformat())
        text = escape(event.note).replace("\n", "<br>")
        if event.kind == "judged":
            label = (
                course.competency(event.target_id).label
                if course.has_competency(event.target_id)
                else event.target_id
            )
            verdict = "mastered" if event.mastered else "not mastered yet"
            head = f"{who} marked <strong>{escape(label)}</strong> as {verdict}"
        else:
            head = f"Note from {who}"
        rows.append(f"<li>{head} ({when}): {text}</li>")
    return (
        "<h3 id='lk-teachers-h'>From your teachers</h3>"
        f"<ul class='lk-from-teachers' aria-labelledby='lk-teachers-h'>{''.join(rows)}</ul>"
    )
