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
from ..i18n import Translator, translator

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


def feedback_label(course: Course, item: Feedback, t: Translator | None = None) -> str:
    """``Lesson: question (date)``, plain text (a dropdown option), dates as ``t`` writes them."""
    t = t or translator()
    lesson, question = _question(course, item.grade.lesson_id, item.grade.question_id)
    title = (getattr(question, "title", "") or item.grade.question_id) if question else ""
    when = t.date(item.grade.timestamp.date())
    return f"{lesson}: {title or item.grade.question_id} ({when})"


def _levels(question: Any, item: Feedback, t: Translator) -> str:
    rubric = getattr(question, "rubric", None)
    grade = item.grade
    rows = []
    for criterion in rubric.criteria if rubric is not None else ():
        label = grade.levels.get(criterion.id)
        if label is not None:
            points = grade.criterion_points.get(criterion.id, 0.0)
            of = t.gettext("({points} of {max_points})").format(
                points=t.number(points), max_points=t.number(criterion.max_points)
            )
            rows.append(f"<li>{escape(criterion.title or criterion.id)}: {escape(label)} {of}</li>")
    return f"<ul class='lk-rubric'>{''.join(rows)}</ul>" if rows else ""


def feedback_html(course: Course, items: Sequence[Feedback], t: Translator | None = None) -> str:
    """The section (empty text when no answer of the learner was graded)."""
    if not items:
        return ""
    t = t or translator()
    fresh = sum(1 for i in items if i.new)
    # Messages named before the f-strings: Babel does not look inside an f-string.
    heading = t.gettext("Feedback from your teachers")
    new, said_comment = t.gettext("new"), t.gettext("Comment:")
    said_reply = t.gettext("Your reply:")
    parts = [f"<h3 id='lk-feedback-h'>{escape(heading)}</h3>"]
    if fresh:
        what = t.ngettext(
            "New since your last visit: {n} graded answer.",
            "New since your last visit: {n} graded answers.",
            fresh,
        ).format(n=t.number(fresh))
        parts.append(f"<p class='lk-news' role='status'>{escape(what)}</p>")
    rows = []
    for item in items:
        grade = item.grade
        _, question = _question(course, grade.lesson_id, grade.question_id)
        tag = f"<span class='lk-tag'>{escape(new)}</span>" if item.new else ""
        points = t.gettext("{points} of {max_points} points, graded by {grader}.").format(
            points=t.number(grade.points),
            max_points=t.number(grade.max_points),
            grader=grade.grader.name or grade.grader.id,
        )
        body = [
            f"<p>{tag}<strong>{escape(feedback_label(course, item, t))}</strong>: "
            f"{escape(points)}</p>",
            _levels(question, item, t),
        ]
        if grade.comment:
            comment = escape(grade.comment).replace("\n", "<br>")
            body.append(f"<p class='lk-comment'>{escape(said_comment)} {comment}</p>")
        if item.reply is not None:
            said = escape(item.reply.text).replace("\n", "<br>")
            body.append(f"<p class='lk-reply'>{escape(said_reply)} {said}</p>")
        rows.append(f"<li data-grade='{escape(grade.id)}'>{''.join(body)}</li>")
    parts.append("<ul class='lk-feedback' aria-labelledby='lk-feedback-h'>" + "".join(rows))
    parts.append("</ul>")
    return "".join(parts)


def from_teachers_html(course: Course, record: LearnerRecord, t: Translator | None = None) -> str:
    """Teachers' notes and judgements of competencies, newest first (empty text if none)."""
    if not record.from_teachers:
        return ""
    t = t or translator()
    rows = []
    for event in reversed(record.from_teachers):
        who = escape(
            event.by.name or event.by.id if event.by is not None else t.gettext("A teacher")
        )
        when = escape(t.date(event.timestamp.date()))
        text = escape(event.note).replace("\n", "<br>")
        if event.kind == "judged":
            label = (
                course.competency(event.target_id).label
                if course.has_competency(event.target_id)
                else event.target_id
            )
            verdict = (
                t.gettext("{who} marked {competency} as mastered")
                if event.mastered
                else t.gettext("{who} marked {competency} as not mastered yet")
            )
            head = verdict.format(who=who, competency=f"<strong>{escape(label)}</strong>")
        else:
            head = t.gettext("Note from {who}").format(who=who)
        rows.append(f"<li>{head} ({when}): {text}</li>")
    heading = t.gettext("From your teachers")  # named first: Babel skips f-strings
    return (
        f"<h3 id='lk-teachers-h'>{escape(heading)}</h3>"
        f"<ul class='lk-from-teachers' aria-labelledby='lk-teachers-h'>{''.join(rows)}</ul>"
    )
