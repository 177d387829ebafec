"""A learner's reply to a teacher's comment, from the question in the player.

The grade box at a graded question shows the comment; under it, while the learner has not
replied, a short form (one reply per comment: :mod:`lessonkit.evidence.replies`). The reply
is sent as the learning plan sends it (:func:`lessonkit.course.feedback.send_reply`): to the
course service on a hub, into the learner's own store elsewhere.
"""

from __future__ import annotations

from typing import Any

from ..course.feedback import ReplyRefusedError, send_reply
from ..evidence.replies import MAX_REPLY, ReplyTextError, check_reply_text
from .feedback import box, grade_box

__all__ = ["reply_form", "send_learner_reply"]


def _open_grade(player: Any) -> Any:
    """The grade of the question on screen if its comment may still get a reply, else None."""
    view = player.session.current
    grade = view.record.rubric_grade if view.question is not None else None
    if grade is None or not grade.comment or grade.id in player.session.state.replies:
        return None
    return grade


def reply_form(player: Any) -> dict[str, Any] | None:
    """What the page needs to draw the reply form (its words in the learner's language), or
    ``None`` when there is nothing to reply to (or the page is read-only)."""
    if not player.live or _open_grade(player) is None:
        return None
    _ = player.t.gettext
    return {
        "label": _("Your reply to your teacher's comment (one reply)"),
        "button": _("Send reply"),
        "maxlength": MAX_REPLY,
    }


def send_learner_reply(player: Any, text: Any) -> None:
    """Send ``text`` as the reply to the comment on screen; the grade box then shows it, or
    says why it was not sent (an empty or too long reply, a second one, the service's no)."""
    grade = _open_grade(player)
    if grade is None:
        return
    t = player.t
    question = player.session.current.question
    try:
        cleaned = check_reply_text(text)
    except ReplyTextError as bad:  # the store's own rule, said in the learner's language
        cleaned = ""
        if bad.reason == "too-long":
            why = t.gettext("A reply is at most {limit} characters (this one: {length}).")
            why = why.format(limit=t.number(MAX_REPLY), length=t.number(bad.length))
        else:
            why = t.gettext("Write your reply first.")
    if cleaned:
        try:
            send_reply(player.session.store, grade, cleaned)
            why = ""
        except ReplyRefusedError as exc:  # the course service's no, or a reply already there
            why = str(exc)
    if why:
        shown = grade_box(question, grade, t)
        said = t.gettext("Your reply was not sent: {why}").format(why=why)
    else:
        player.session.state.replies[grade.id] = cleaned
        shown = grade_box(question, grade, t, reply=cleaned)
        said = t.gettext("Reply sent: your teacher sees it beside the grade.")
    player._feedback = box("info", shown["title"], shown["html"] + _said(said))
    player._focus = "feedback"


def _said(message: str) -> str:
    from html import escape

    return f"<p class='lk-reply-status'>{escape(message)}</p>"
