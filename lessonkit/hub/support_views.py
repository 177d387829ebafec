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
from types import SimpleNamespace
from urllib.parse import urlencode

from tornado import web

from ..course.model import Course
from ..course.record import LearnerRecord
from ..i18n import N_, Translator, translator
from .base import Base
from .classview import _STYLE, tabs
from .roles import INSTRUCTOR
from .support import (
    SupportRefusedError,
    grant_attempts,
    learner_record,
    store_course_event,
    support_event,
)
from .views import viewer_language

__all__ = ["SupportTab"]

_SAID = {
    "judge": N_("Judgement recorded: the learner's plan is recomputed."),
    "note": N_("Note sent: the learner sees it in their plan."),
    "assign": N_("Lesson assigned: the learner sees it in their plan."),
    "extend": N_("Due date moved: the learner sees the new date in their plan."),
    "grant": N_("Attempts granted: the learner may answer that question again."),
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
        said = _SAID.get(self.get_argument("saved", ""))
        message = viewer_language(self).gettext(said) if said else ""
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
        except SupportRefusedError as exc:
            why = exc.translated(viewer_language(self))
            await self._page(course, plan, learner, error=why, status=400)
            return
        except ValueError as exc:  # the course's own check of an id or a text: a detail
            await self._page(course, plan, learner, error=str(exc), status=400)
            return
        self.service.wake_forwarder.set()
        self.service.view_cache.clear()
        query = {
            "lesson": self.get_argument("lesson", ""),
            "learner": learner,
            "saved": fields.get("action", ""),
        }
        if self.get_argument("lang", ""):
            query["lang"] = self.get_argument("lang")
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
        t = viewer_language(self)
        record = (
            await self.service.run(learner_record, self.service.ledger, plan, learner)
            if learner
            else None
        )
        at_most = t.gettext("{lesson}: {question} (at most {n})")
        limited = [
            (
                f"{lid}/{q.id}",
                at_most.format(lesson=lid, question=q.title or q.id, n=t.number(q.max_attempts)),
            )
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
            t=t,
            lang=self.get_argument("lang", ""),
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


def _words(t: Translator) -> SimpleNamespace:
    """The page's fixed words in ``t``'s language, escaped (named here, not inside the
    f-strings: Babel does not read an f-string's expressions)."""
    _ = t.gettext
    words = {
        "assign_": _("Assign"),
        "assign_a_lesson": _("Assign a lesson"),
        "assignments_": _("Assignments"),
        "choose_a_learner": _("Choose a learner."),
        "competencies_": _("Competencies"),
        "competency_": _("Competency"),
        "due_optional": _("Due (optional)"),
        "extend_": _("Extend"),
        "extra_attempts": _("Extra attempts"),
        "grant_": _("Grant"),
        "grant_extra_attempts": _("Grant extra attempts"),
        "judge_a_competency": _("Judge a competency"),
        "judgement_": _("Judgement"),
        "learner_": _("Learner"),
        "leave_a_note": _("Leave a note"),
        "lesson_": _("Lesson"),
        "mastered": _("mastered"),
        "mastered_": t.pgettext("judgement", "Mastered"),
        "new_due_date": _("New due date"),
        "not_mastered": _("Not mastered"),
        "not_yet": _("not yet"),
        "note_optional": _("Note (optional)"),
        "nothing_yet": _("Nothing yet."),
        "p_known": _("P(known)"),
        "question_": _("Question"),
        "reason_the_learner_reads": _("Reason (the learner reads it)"),
        "record_judgement": _("Record judgement"),
        "send_note": _("Send note"),
        "show_": _("Show"),
        "status_": _("Status"),
        "told_so_far": _("Told so far"),
    }
    return SimpleNamespace(**{k: html.escape(v) for k, v in words.items()})


def _options(pairs: list[tuple[str, str]], chosen: str = "") -> str:
    esc = html.escape
    return "".join(
        f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(label)}</option>'
        for v, label in pairs
    )


def _record(plan: Course, record: LearnerRecord, t: Translator) -> str:
    esc = html.escape
    _ = t.gettext
    w = _words(t)
    rows = "".join(
        f"<tr><th scope='row'>{esc(plan.competency(cid).label)}</th>"
        f"<td>{esc(t.percent(record.probability(cid)))}</td>"
        f"<td>{w.mastered if record.mastered(cid) else w.not_yet}</td></tr>"
        for cid in plan.order
    )
    told = []
    for e in reversed(record.from_teachers):
        if e.kind == "judged":
            said = (
                _("{competency} mastered — {note}")
                if e.mastered
                else _("{competency} not mastered — {note}")
            ).format(competency=e.target_id, note=e.note)
        else:
            said = _("note — {note}").format(note=e.note)
        when = e.timestamp.date().isoformat()
        told.append(f"<li>{esc(when)} {esc(e.by.id if e.by else '')}: {esc(said)}</li>")
    so_far = f"<ul>{''.join(told)}</ul>" if told else f"<p>{w.nothing_yet}</p>"
    return (
        f"<table><caption>{w.competencies_}</caption>"
        f"<tr><th scope='col'>{w.competency_}</th>"
        f"<th scope='col'>{w.p_known}</th><th scope='col'>{w.status_}</th></tr>"
        f"{rows}</table><h2>{w.told_so_far}</h2>{so_far}"
    )


def _assignments(
    plan: Course, record: LearnerRecord, hidden: str, action: str, t: Translator
) -> str:
    """The learner's assignments, each with a form to move its due date."""
    esc = html.escape
    _ = t.gettext
    w = _words(t)
    if not record.assignments:
        return ""
    rows = []
    for goal in record.assignments:
        label = plan.lesson(goal.target_id).label if goal.target == "lesson" else goal.target_id
        due = goal.due.isoformat() if goal.due else _("no date")
        what = (
            _("lesson {name}, due {date}")
            if goal.target == "lesson"
            else _("{kind} {name}, due {date}")
        ).format(kind=goal.target, name=label, date=due)
        field = f"due-{esc(goal.id)}"
        rows.append(
            f"<li>{esc(what)}"
            f'<form method="post" action="{esc(action)}">{hidden}'
            '<input type="hidden" name="action" value="extend">'
            f'<input type="hidden" name="goal" value="{esc(goal.id)}">'
            f'<label for="{field}">{w.new_due_date}</label> '
            f'<input type="date" id="{field}" name="due" required> '
            f"<button>{w.extend_}</button></form></li>"
        )
    return f"<h2>{w.assignments_}</h2><ul>{''.join(rows)}</ul>"


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
    t: Translator | None = None,
    lang: str = "",
) -> str:
    """The tab's HTML (everything escaped) in ``t``'s language (English by default);
    ``limited``: (``lesson/question``, label) of the questions with an attempt limit; ``lang``:
    the ``?lang=`` the page was asked with, kept in its forms."""
    esc = html.escape
    t = t or translator()
    _ = t.gettext
    w = _words(t)
    title = _("{course}: support a learner").format(course=course)
    window = _("{page} – lessonkit class view").format(page=title)
    status = f'<p class="status" role="status">{esc(message)}</p>'
    if error:
        refused = _("Not saved: {reason}").format(reason=error)
        status = f'<p class="status error" role="alert">{esc(refused)}</p>'
    keep = f'<input type="hidden" name="lang" value="{esc(lang)}">' if lang else ""
    parts = [
        f'<!DOCTYPE html><html lang="{esc(t.language)}" dir="{t.direction}"><head>'
        '<meta charset="utf-8">',
        f"<title>{esc(window)}</title>",
        f"<style>{_STYLE}{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>{tabs(lesson, 'support', t)}",
        status,
        f'<form method="get" action="support"><label for="learner">{w.learner_}</label> '
        f'<input type="hidden" name="lesson" value="{esc(lesson)}">{keep}'
        f'<select id="learner" name="learner">{_options([(n, n) for n in roster], learner)}'
        f"</select> <button>{w.show_}</button></form>",
    ]
    if not learner or record is None:
        parts.append(f"<p>{w.choose_a_learner}</p></main></body></html>")
        return "\n".join(parts)
    hidden = (
        f'<input type="hidden" name="_xsrf" value="{esc(xsrf)}">'
        f'<input type="hidden" name="learner" value="{esc(learner)}">'
    )
    action = f"support?{urlencode({'lesson': lesson, **({'lang': lang} if lang else {})})}"
    competencies = [(c, plan.competency(c).label) for c in plan.order]
    lessons = [(e.id, e.label) for e in plan.lessons]
    note_label = _("Note (shown in the learner's plan)")
    parts += [
        f"<h2>{esc(learner)}</h2>",
        _record(plan, record, t),
        f"<h2>{w.judge_a_competency}</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="judge">'
        f'<label for="competency">{w.competency_}</label> '
        f'<select id="competency" name="competency">{_options(competencies)}</select>'
        f"<fieldset><legend>{w.judgement_}</legend>"
        '<label><input type="radio" name="mastered" value="yes"> '
        f"{w.mastered_}</label> "
        '<label><input type="radio" name="mastered" value="no"> '
        f"{w.not_mastered}</label></fieldset>"
        f'<p><label for="reason">{w.reason_the_learner_reads}</label></p>'
        '<textarea id="reason" name="reason" rows="2"></textarea>'
        f"<button>{w.record_judgement}</button></form>",
        f"<h2>{w.leave_a_note}</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="note">'
        f'<p><label for="note">{esc(note_label)}</label></p>'
        '<textarea id="note" name="note" rows="2"></textarea>'
        f"<button>{w.send_note}</button></form>",
        _assignments(plan, record, hidden, action, t),
        f"<h2>{w.assign_a_lesson}</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="assign">'
        f'<label for="lesson-to">{w.lesson_}</label> '
        f'<select id="lesson-to" name="assign_lesson">{_options(lessons)}</select> '
        f'<label for="due">{w.due_optional}</label> '
        '<input type="date" id="due" name="due"> '
        f'<p><label for="assign-note">{w.note_optional}</label></p>'
        '<textarea id="assign-note" name="note" rows="2"></textarea>'
        f"<button>{w.assign_}</button></form>",
        f"<h2>{w.grant_extra_attempts}</h2>",
        f'<form method="post" action="{esc(action)}">{hidden}'
        '<input type="hidden" name="action" value="grant">'
        f'<label for="question">{w.question_}</label> '
        f'<select id="question" name="question">{_options(limited or [])}</select> '
        f'<label for="extra">{w.extra_attempts}</label> '
        '<input type="number" id="extra" name="extra" min="1" max="10" value="1"> '
        f"<button>{w.grant_}</button></form>",
        "</main></body></html>",
    ]
    return "\n".join(parts)
