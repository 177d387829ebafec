"""The feedback box: what a check said, as the page shows it (and again after a reload)."""

from __future__ import annotations

from typing import Any

from ..i18n import N_, Translator, translator
from .markdown import render_markdown

__all__ = [
    "answer_box",
    "box",
    "grade_box",
    "last_feedback",
    "news_notice",
    "result_box",
    "without_title",
]

TITLES = {"correct": N_("Correct!"), "incorrect": N_("Not quite."), "info": ""}
"""Box titles by kind (English; shown translated)."""
_SAME_AS_TITLE = ("correct", "incorrect", "not quite", "correct!", "not quite.")
_ENGLISH = translator()


def box(kind: str, title: str, message: str = "") -> dict[str, str]:
    """A feedback box: ``kind`` (``correct``, ``incorrect``, ``info``), title, safe HTML."""
    return {"kind": kind, "title": title, "html": message}


def without_title(feedback: Any, t: Translator = _ENGLISH) -> str:
    """The feedback text without a first paragraph that only repeats the box's title (in
    English or in ``t``'s language: feedback recorded before a change of language)."""
    text = str(feedback or "").strip()
    first, _, rest = text.partition("\n\n")
    titles = {*_SAME_AS_TITLE, *(t.gettext(m).lower() for m in (N_("Correct!"), N_("Not quite.")))}
    if first.strip().lower() in titles:
        return rest.strip()
    return text


RECORDED_TITLE = N_("Recorded for grading.")
"""Title of the box for an answer a student copy records without judging it."""


def result_box(result: Any, echo: str, base_dir: Any, t: Translator = _ENGLISH) -> dict[str, str]:
    """The box for a check's result; ``echo`` is safe HTML of what the learner answered."""
    return answer_box(
        understood=result.understood,
        recorded=result.details.get("recorded") is True,
        correct=bool(result.correct),
        feedback=result.feedback,
        echo=echo,
        base_dir=base_dir,
        t=t,
    )


def answer_box(
    *,
    understood: bool,
    recorded: bool,
    correct: bool,
    feedback: Any,
    echo: str,
    base_dir: Any,
    t: Translator = _ENGLISH,
) -> dict[str, str]:
    """The box for one checked answer: the live one and the one rebuilt after a reload are
    both made here, so they cannot differ."""
    message = render_markdown(without_title(feedback, t), base_dir)
    said = t.gettext("You answered: {answer}").format(answer=echo) if echo else ""
    shown = f"<p class='lk-echo'>{said}</p>" if echo else ""
    if not understood:
        return box("info", t.gettext("I could not read that answer."), shown + message)
    if recorded:  # neither right nor wrong until graded
        return box("info", t.gettext(RECORDED_TITLE), shown + message)
    kind = "correct" if correct else "incorrect"
    return box(kind, t.gettext(TITLES[kind]), shown + message)


def last_feedback(
    session: Any, base_dir: Any, *, code_mode: str = "editor", t: Translator = _ENGLISH
) -> dict[str, str] | None:
    """The box of the last answer to the question on screen, rebuilt from the recorded events
    exactly as it was shown live (``code_mode`` as the player's, for the echoed answer)."""
    view = session.current
    if view.question is None:
        return None
    if view.record.rubric_grade is not None:  # a teacher's grade says more than the answer
        grade = view.record.rubric_grade
        return grade_box(view.question, grade, t, reply=session.state.replies.get(grade.id))
    for event in reversed(session.events):
        if event.kind in ("experienced", "navigated"):
            return None
        if event.kind == "answered" and event.step_id == view.question.id:
            return answer_box(
                understood=True,  # an answer that could not be read is not recorded
                recorded=event.data.get("recorded") is True,
                correct=bool(event.data.get("correct")),
                feedback=event.data.get("feedback"),
                echo=_echo(session, view, code_mode, event.data.get("raw"), base_dir, t=t),
                base_dir=base_dir,
                t=t,
            )
    return None


def _echo(
    session: Any, view: Any, code_mode: str, raw: Any, base_dir: Any, *, t: Translator
) -> str:
    """What the live box repeated of the recorded answer ``raw``: the echo of the input the
    question takes (a choice's label, a short text as typed, nothing for an ordering...)."""
    from .inputs import make_input

    shown = make_input(
        view.question,
        code_mode=code_mode,
        seed=view.record.variant_seed or 0,
        namespace=session.namespace,
        base_dir=base_dir,
        t=t,
    )
    return shown.echo(raw)


def grade_box(
    question: Any, grade: Any, t: Translator = _ENGLISH, *, reply: str | None = None
) -> dict[str, str]:
    """The box of a teacher's rubric grade: points, the level of each criterion, the
    comment and the learner's ``reply`` to it (plain text, escaped: never markup)."""
    from html import escape

    rubric = question.rubric
    rows = []
    for criterion in rubric.criteria if rubric is not None else ():
        label = grade.levels.get(criterion.id)
        if label is None:
            continue
        points = grade.criterion_points.get(criterion.id, 0.0)
        of = t.gettext("({points} of {max_points})").format(
            points=t.number(points), max_points=t.number(criterion.max_points)
        )
        rows.append(f"<li>{escape(criterion.title or criterion.id)}: {escape(label)} {of}</li>")
    parts = [f"<ul class='lk-rubric'>{''.join(rows)}</ul>" if rows else ""]
    if grade.comment:
        comment = escape(grade.comment).replace("\n", "<br>")
        said = escape(t.gettext("Your teacher's comment:"))
        parts.append(f"<p class='lk-comment'>{said} {comment}</p>")
    if reply is not None:
        answered = escape(reply).replace("\n", "<br>")
        yours = escape(t.gettext("Your reply:"))
        parts.append(f"<p class='lk-reply'>{yours} {answered}</p>")
    title = t.gettext("Graded by your teacher: {points} of {max_points} points.").format(
        points=t.number(grade.points), max_points=t.number(grade.max_points)
    )
    return box("info", title, "".join(parts))


def news_notice(session: Any, t: Translator = _ENGLISH) -> dict[str, str] | None:
    """The banner saying a teacher graded answers of this lesson since the learner's last
    visit (the grade and comment are shown at the question, and a reply form with them), or
    ``None``. "Since the last visit": after the latest event recorded before this view
    opened (a new session has none: every grade it took in is news)."""
    from html import escape

    events = session.events
    opened = max((i for i, e in enumerate(events) if e.kind in ("started", "resumed")), default=0)
    seen = max((e.timestamp for e in events[:opened]), default=None)
    grades = [r.rubric_grade for r in session.records.values() if r.rubric_grade is not None]
    new = [g for g in grades if seen is None or g.timestamp > seen]
    if not new:
        return None
    titles = []
    for grade in sorted(new, key=lambda g: g.timestamp):
        step = session.lesson.step(grade.question_id)
        titles.append(f"“{escape(step.title or grade.question_id)}”")
    if any(g.comment for g in new):
        message = t.ngettext(
            "New from your teacher: an answer graded with a comment since your last visit "
            "({questions}).",
            "New from your teacher: {n} answers graded with comments since your last visit "
            "({questions}).",
            len(new),
        )
    else:
        message = t.ngettext(
            "New from your teacher: an answer graded since your last visit ({questions}).",
            "New from your teacher: {n} answers graded since your last visit ({questions}).",
            len(new),
        )
    where = t.gettext(
        "The grade is shown at the question, where you can reply to a comment (or in your "
        "learning plan)."
    )
    text = message.format(n=t.number(len(new)), questions=", ".join(titles))
    return {"kind": "news", "html": f"{text} {escape(where)}"}
