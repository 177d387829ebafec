"""The class view's "Support a learner" tab: one learner's competencies and what teachers told
them, with forms to judge a competency (mastered or not, with a reason), leave a note, and
assign a lesson (with an optional date and note).

``GET class/<course>/support?lesson=&learner=`` shows it; ``POST`` (the login cookie with the
page's XSRF token, or a token) records one of them (:mod:`.support`) and comes back to the
learner with a status line. Instructors of the course only; the course needs a course file
(``course_file:``): its competencies and lessons are what can be judged and assigned.
Everything shown is escaped: notes and reasons are a teacher's text, shown as text.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from tornado import web

from ..course.model import Course
from ..course.record import LearnerRecord
from .base import Base
from .classview import _STYLE, tabs
from .roles import INSTRUCTOR
from .support import grant_attempts, learner_record, store_course_event, support_event

__all__ = ["SupportTab"]

_SAID = {
    "judge": "Judgement recorded: the learner's plan is recomputed.",
    "note": "Note sent: the learner sees it in their plan.",
    "assign": "Lesson assigned: the learner sees it in their plan.",
    "extend": "Due date moved: the learner sees the new date in their plan.",
    "grant": "Attempts granted: the learner may answer that question again.",
}
_CSS = "form{margin:.6em 0 1.2em}textarea{width:100%;font:inherit}fieldset{margin:.4em 0}"


class SupportTab(Base):
    """``GET``/``POST class/<course>/support``."""

    page_writes = True

    def _plan(self, course: str) -> Course:
        self.require(course, INSTRUCTOR)
        plan = self.service.config.courses[course].plan
        if plan is None:
            raise web.HTTPError(
                404, f"{course} has no course file (course_file:): nothing to judge or assign"
            )
        return plan

    def _learner(self, course: str, name: str) -> str:
        if name and name not in self.membership.roster(course):
            raise web.HTTPError(403, f"{name} is not a learner of {course}")
        return name

    async def get(self, course: str) -> None:
        plan = self._plan(course)
        learner = self._learner(course, self.get_argument("learner", ""))
        message = _SAID.get(self.get_argument("saved", ""), "")
        await self._page(course, plan, learner, message=message)

    async def post(self, course: str) -> None:
        fields = self.form_body()  # checks the page's XSRF token for a cookie write
        plan = self._plan(course)
        learner = self._learner(course, fields.get("learner", ""))
        if not learner:
            raise web.HTTPError(400, "choose a learner")
        self.limit("statements")
        ledger = self.service.ledger
        lessons = self.service.config.courses[course].lessons
        try:
            if fields.get("action") == "grant":
                await self.service.run(grant_attempts, ledger, lessons, learner, self.user, fields)
            else:
                event = await self.service.run(
                    support_event, ledger, plan, learner, str(self.user), fields
                )
                await self.service.run(store_course_event, ledger, event)
        except ValueError as exc:
            await self._page(course, plan, learner, error=str(exc), status=400)
            return
        self.service.wake_forwarder.set()
        self.service.view_cache.clear()
        query = {
            "lesson": self.get_argument("lesson", ""),
            "learner": learner,
            "saved": fields.get("action", ""),
        }
        self.redirect("support?" + urlencode(query), status=303)

    async def _page(
        self,
        course: str,
        plan: Course,
        learner: str,
        *,
        message: str = "",
        error: str = "",
        status: int = 200,
    ) -> None:
        record = (
            await self.service.run(learner_record, self.service.ledger, plan, learner)
            if learner
            else None
        )
        limited = [
            (f"{lid}/{q.id}", f"{lid}: {q.title or q.id} (at most {q.max_attempts})")
            for lid, lesson in self.service.config.courses[course].lessons.items()
            for q in lesson.questions()
            if q.max_attempts is not None
        ]
        page = render_support_page(
            limited=limited,
            course=course,
            lesson=self.get_argument("lesson", ""),
            plan=plan,
            roster=sorted(self.membership.roster(course)),
            learner=learner,
            record=record,
            xsrf=self.xsrf_token.decode("ascii"),
            message=message,
            error=error,
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


def _options(pairs: list[tuple[str, str]], chosen: str = "") -> str:
    esc = html.escape
    return "".join(
        f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(label)}</option>'
        for v, label in pairs
    )


def _record(plan: Course, record: LearnerRecord) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><th scope='row'>{esc(plan.competency(cid).label)}</th>"
        f"<td>{round(record.probability(cid) * 100)}%</td>"
        f"<td>{'mastered' if record.mastered(cid) else 'not yet'}</td></tr>"
        for cid in plan.order
    )
    told = "".join(
        f"<li>{esc(e.timestamp.date().isoformat())} {esc(e.by.id if e.by else '')}: "
        + (
            f"{esc(e.target_id)} {'mastered' if e.mastered else 'not mastered'} — "
            if e.kind == "judged"
            else "note — "
        )
        + f"{esc(e.note)}</li>"
        for e in reversed(record.from_teachers)
    )
    return (
        "<table><caption>Competencies</caption><tr><th scope='col'>Competency</th>"
        f"<th scope='col'>P(known)</th><th scope='col'>Status</th></tr>{rows}</table>"
        f"<h2>Told so far</h2>{'<ul>' + told + '</ul>' if told else '<p>Nothing yet.</p>'}"
    )


def _assignments(plan: Course, record: LearnerRecord, hidden: str, action: str) -> str:
    """The learner's assignments, each with a form to move its due date."""
    esc = html.escape
    if not record.assignments:
        return ""
    rows = []
    for goal in record.assignments:
        label = plan.lesson(goal.target_id).label if goal.target == "lesson" else goal.target_id
        due = goal.due.isoformat() if goal.due else "no date"
        field = f"due-{esc(goal.id)}"
        rows.append(
            f"<li>{esc(goal.target)} {esc(label)}, due {esc(due)}"
            f'<form method="post" action="{esc(action)}">{hidden}'
            '<input type="hidden" name="action" value="extend">'
            f'<input type="hidden" name="goal" value="{esc(goal.id)}">'
            f'<label for="{field}">New due date</label> '
            f'<input type="date" id="{field}" name="due" required> '
            "<button>Extend</button></form></li>"
        )
    return f"<h2>Assignments</h2><ul>{''.join(rows)}</ul>"


def render_support_page(
    *,
    course: str,
    lesson: str,
    plan: Course,
    roster: list[str],
    learner: str,
    record: LearnerRecord | None,
    xsrf: str,
    message: str = "",
    error: str = "",
    limited: list[tuple[str, str]] | None = None,
) -> str:
    """The tab's HTML (everything escaped); ``limited``: (``lesson/question``, label) of the
    questions with an attempt limit."""
    esc = html.escape
    title = f"{course}: support a learner"
    status = f'<p class="status" role="status">{esc(message)}</p>'
    if error:
        status = f'<p class="status error" role="alert">Not saved: {esc(error)}</p>'
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} – lessonkit class view</title>",
        f"<style>{_STYLE}{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>{tabs(lesson, 'support')}",
        status,
        '<form method="get" action="support"><label for="learner">Learner</label> '
        f'<input type="hidden" name="lesson" value="{esc(lesson)}">'
        f'<select id="learner" name="learner">{_options([(n, n) for n in roster], learner)}'
        "</select> <button>Show</button></form>",
    ]
    if not learner or record is None:
        parts.append("<p>Choose a learner.</p></main></body></html>")
        return "\n".join(parts)
    hidden = (
        f'<input type="hidden" name="_xsrf" value="{esc(xsrf)}">'
        f'<input type="hidden" name="learner" value="{esc(learner)}">'
    )
    action = f"support?{urlencode({'lesson': lesson})}"
    competencies = [(c, plan.competency(c).label) for c in plan.order]
    lessons = [(e.id, e.label) for e in plan.lessons]
    parts += [
        f"<h2>{esc(learner)}</h2>",
        _record(plan, record),
        "<h2>Judge a competency</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="judge">'
        '<label for="competency">Competency</label> '
        f'<select id="competency" name="competency">{_options(competencies)}</select>'
        "<fieldset><legend>Judgement</legend>"
        '<label><input type="radio" name="mastered" value="yes"> Mastered</label> '
        '<label><input type="radio" name="mastered" value="no"> Not mastered</label></fieldset>'
        '<p><label for="reason">Reason (the learner reads it)</label></p>'
        '<textarea id="reason" name="reason" rows="2"></textarea>'
        "<button>Record judgement</button></form>",
        "<h2>Leave a note</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="note">'
        '<p><label for="note">Note (shown in the learner\'s plan)</label></p>'
        '<textarea id="note" name="note" rows="2"></textarea>'
        "<button>Send note</button></form>",
        _assignments(plan, record, hidden, action),
        "<h2>Assign a lesson</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="assign">'
        '<label for="lesson-to">Lesson</label> '
        f'<select id="lesson-to" name="assign_lesson">{_options(lessons)}</select> '
        '<label for="due">Due (optional)</label> <input type="date" id="due" name="due"> '
        '<p><label for="assign-note">Note (optional)</label></p>'
        '<textarea id="assign-note" name="note" rows="2"></textarea>'
        "<button>Assign</button></form>",
        "<h2>Grant extra attempts</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="grant">'
        '<label for="question">Question</label> '
        f'<select id="question" name="question">{_options(limited or [])}</select> '
        '<label for="extra">Extra attempts</label> '
        '<input type="number" id="extra" name="extra" min="1" max="10" value="1"> '
        "<button>Grant</button></form>",
        "</main></body></html>",
    ]
    return "\n".join(parts)
