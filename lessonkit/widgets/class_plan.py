"""``ClassPlan``: the teacher's view of a course — the class by competency, who is falling behind
a milestone, who has not started (given a roster), any learner's plan, and assigning a goal or
a lesson to a learner or a group.

>>> from lessonkit.widgets.class_plan import show_class
>>> show_class("python-basics.course.yaml", store="postgresql://…/course")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import ipywidgets as w

from ..course import Course
from ..course.recommend import recommend
from ..course.storage import assign, read_records
from ..course.teacher import class_by_competency, flags, not_started, with_roster
from ..evidence.events import LearnerRef
from ..i18n import N_, Translator, translator
from .markdown import escape
from .plan import course_context, in_language, language_for, target_options
from .plan_html import PLAN_CSS, competencies_html, goals_html, lessons_html, next_html
from .styles import player_css

__all__ = ["ClassPlan", "class_html", "show_class"]


_STATUS = {"overdue": N_("overdue"), "at-risk": N_("at-risk")}


def _flag(course: Course, flag: Any, t: Translator) -> str:
    _ = t.gettext
    status = _(_STATUS[flag.status]) if flag.status in _STATUS else flag.status
    text = f"{flag.title} {status}"
    if flag.due:
        text += " " + _("(due {date})").format(date=t.date(flag.due))
    missing = t.join([course.competency(c).label for c in flag.missing])
    text += "; " + _("still to master: {skills}").format(skills=missing)
    if flag.next_lesson:
        text += "; " + _("next: {lesson}").format(lesson=flag.next_lesson)
    return text


def class_html(
    course: Course, records: dict[LearnerRef, Any], today: date, t: Translator | None = None
) -> str:
    """The class by competency, the learners falling behind and those who have not started
    (in ``records`` without evidence: from a roster), as HTML in ``t``'s language."""
    t = t or translator()
    _ = t.gettext
    rows = class_by_competency(course, records)
    body = "".join(
        f"<tr data-competency='{escape(r.id)}'><th scope='row'>{escape(r.title)}</th>"
        f"<td>{t.number(r.mastered)}</td><td>{t.number(r.in_progress)}</td>"
        f"<td>{t.number(r.not_started)}</td><td>{escape(t.percent(r.mean_probability))}</td>"
        f"<td>{escape(', '.join(r.struggling)) or '–'}</td></tr>"
        for r in rows
    )
    found = flags(course, records, today=today)
    behind = "".join(
        f"<li data-learner='{escape(f.learner.id)}'><strong>{escape(f.learner.id)}</strong>: "
        f"{escape(_flag(course, f, t))}</li>"
        for f in found
    )
    waiting = not_started(records)
    idle = "".join(
        f"<li data-learner='{escape(r.id)}'>{escape(r.name or r.id)}"
        + (f" ({escape(r.id)})" if r.name else "")
        + "</li>"
        for r in waiting
    )
    active = len(records) - len(waiting)
    counts = t.ngettext(
        "{n} learner with evidence in the course",
        "{n} learners with evidence in the course",
        active,
    ).format(n=t.number(active))
    if waiting:
        counts = _("{learners}, {n} not started yet").format(
            learners=counts, n=t.number(len(waiting))
        )
    heads = "".join(
        f"<th scope='col'>{escape(_(h))}</th>"
        for h in (
            N_("Competency"),
            N_("Mastered"),
            N_("Started"),
            N_("Not yet"),
            N_("Mean"),
            N_("Struggling"),
        )
    )
    words = {
        "nobody": _("Nobody is falling behind."),
        "idle": _("Not started yet"),
        "title": _("{course}: the class").format(course=course.title),
        "caption": _("Learners per competency"),
        "behind": _("Falling behind a milestone"),
    }
    nobody = f"<p>{escape(words['nobody'])}</p>"
    idle_html = f"<h3>{escape(words['idle'])}</h3><ul class='lk-not-started'>{idle}</ul>"
    return (
        f"<h2>{escape(words['title'])}</h2>"
        f"<p class='lk-status'>{escape(counts)}.</p>"
        f"<table><caption>{escape(words['caption'])}</caption><thead><tr>"
        f"{heads}</tr></thead><tbody>{body}</tbody></table>"
        f"<h3>{escape(words['behind'])}</h3>"
        + (f"<ul>{behind}</ul>" if behind else nobody)
        + (idle_html if idle else "")
    )


class ClassPlan(w.VBox):
    """The teacher's view of a course, read from the evidence store.

    Parameters
    ----------
    course
        The course (or a ``.course.yaml`` path).
    store
        The class's evidence store (a store, a URL or folder, ``None`` for the default).
    teacher
        Who assigns (recorded as the statements' instructor); default from the environment.
    clock
        Returns the current UTC time.
    roster
        The class list: learner ids or references, or a function returning them (called at
        each refresh, e.g. ``lambda: fetch_roster("algebra")`` for the LMS roster). Learners
        without evidence are counted and listed as not started.
    language
        The language to show (a BCP 47 tag); by default the page's, JupyterLab's or the
        browser's (see :mod:`lessonkit.i18n.choice`).
    """

    def __init__(
        self,
        course: Course | str | os.PathLike[str],
        *,
        store: Any = None,
        teacher: LearnerRef | str | None = None,
        clock: Callable[[], datetime] | None = None,
        roster: Iterable[LearnerRef | str] | Callable[[], Iterable[LearnerRef | str]] = (),
        language: str | None = None,
    ) -> None:
        self.course, self.store, self.teacher, self.clock = course_context(
            course, store, teacher, clock
        )
        self.t = language_for(None, language)
        _ = self.t.gettext
        self.roster = roster
        self.overview = w.HTML()
        wide = {"description_width": "initial"}
        self.learner = w.Dropdown(options=[], description=_("Learner"), style=wide)
        self.learner.observe(lambda _change: self._show_learner(), names="value")
        self.learner_plan = w.HTML()
        self.assignees = w.SelectMultiple(
            options=[], description=_("Assign to"), rows=5, style=wide
        )
        self.target = w.Dropdown(options=self._targets(), description=_("Target"), style=wide)
        self.due = w.DatePicker(description=_("Due (optional)"), value=None, style=wide)
        self.note = w.Text(
            description=_("Note"), placeholder=_("optional, shown to the learners"), style=wide
        )
        self.assign_button = w.Button(description=_("Assign"), button_style="primary")
        self.assign_button.on_click(lambda _b: self._assign())
        self.status = w.HTML()
        refresh = w.Button(description=_("Refresh"))
        refresh.on_click(lambda _b: self.refresh())
        super().__init__(
            [
                w.HTML(player_css() + PLAN_CSS),
                self.overview,
                w.HTML(self._wrap("<h3>" + escape(_("One learner’s plan")) + "</h3>")),
                self.learner,
                self.learner_plan,
                w.HTML(self._wrap("<h3>" + escape(_("Assign a goal or a lesson")) + "</h3>")),
                self.assignees,
                w.HBox([self.target, self.due]),
                self.note,
                w.HBox([self.assign_button, refresh]),
                self.status,
            ]
        )
        self.add_class("lk-player")
        self.add_class("lk-plan")
        in_language(self, self.t)
        self.refresh()

    def _wrap(self, html: str) -> str:
        return f"<div lang='{self.t.language}' dir='{self.t.direction}'>{html}</div>"

    def _targets(self) -> list[tuple[str, str]]:
        return target_options(self.course, lessons=True, t=self.t)

    def refresh(self) -> None:
        """Re-read the store and redraw."""
        now = self.clock()
        self.records = read_records(self.course, self.store, as_of=now)
        roster = self.roster() if callable(self.roster) else self.roster
        self.records = with_roster(self.course, self.records, roster, as_of=now)
        self.overview.value = self._wrap(class_html(self.course, self.records, now.date(), self.t))
        names = [(ref.name or ref.id, ref.id) for ref in self.records]
        keep = self.learner.value
        self.learner.options = names
        self.assignees.options = names
        ids = [i for _, i in names]
        self.learner.value = keep if keep in ids else (ids[0] if ids else None)
        self._show_learner()

    def _record(self, learner_id: Any) -> Any:
        return next((r for ref, r in self.records.items() if ref.id == learner_id), None)

    def _show_learner(self) -> None:
        t = self.t
        record = self._record(self.learner.value)
        if record is None:
            none = escape(t.gettext("No learner yet."))
            self.learner_plan.value = self._wrap(f"<p class='lk-status'>{none}</p>")
            return
        today = self.clock().date()
        plan = recommend(self.course, record, today=today, t=t)
        self.learner_plan.value = self._wrap(
            next_html(plan, t)
            + goals_html(self.course, record, today, heading=N_("Goals and assignments"), t=t)
            + lessons_html(self.course, plan.items, t)
            + competencies_html(self.course, record, t)
        )

    def _say(self, text: str) -> None:
        self.status.value = self._wrap(f"<p class='lk-status' role='status'>{escape(text)}</p>")

    def _assign(self) -> None:
        chosen = [self._record(i) for i in self.assignees.value]
        learners = [r.learner for r in chosen if r is not None]
        value, due = self.target.value, self.due.value
        _ = self.t.gettext
        if not learners or not isinstance(value, str) or ":" not in value:
            self._say(_("Choose at least one learner and a target."))
            return
        if due is not None and not isinstance(due, date):
            self._say(_("That date was not understood."))
            return
        target, target_id = value.split(":", 1)
        try:
            assign(
                self.store,
                self.course,
                learners,
                target,
                target_id,
                teacher=self.teacher,
                due=due,
                note=str(self.note.value or "")[:500],
                clock=self.clock,
            )
        except ValueError as exc:
            self._say(str(exc))
            return
        self.refresh()
        n = len(learners)
        self._say(
            self.t.ngettext("Assigned to {n} learner.", "Assigned to {n} learners.", n).format(
                n=self.t.number(n)
            )
        )


def show_class(
    course: Course | str | os.PathLike[str],
    *,
    store: Any = None,
    teacher: LearnerRef | str | None = None,
    roster: Iterable[LearnerRef | str] | Callable[[], Iterable[LearnerRef | str]] = (),
    language: str | None = None,
) -> ClassPlan:
    """The teacher's view of ``course`` (``roster``: see :class:`ClassPlan`); the last
    expression of a cell displays it."""
    return ClassPlan(course, store=store, teacher=teacher, roster=roster, language=language)
