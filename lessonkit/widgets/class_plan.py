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
from .markdown import escape
from .plan import course_context, target_options
from .plan_html import PLAN_CSS, competencies_html, goals_html, lessons_html, next_html
from .styles import player_css

__all__ = ["ClassPlan", "class_html", "show_class"]


def class_html(course: Course, records: dict[LearnerRef, Any], today: date) -> str:
    """The class by competency, the learners falling behind and those who have not started
    (in ``records`` without evidence: from a roster), as HTML."""
    rows = class_by_competency(course, records)
    body = "".join(
        f"<tr data-competency='{escape(r.id)}'><th scope='row'>{escape(r.title)}</th>"
        f"<td>{r.mastered}</td><td>{r.in_progress}</td><td>{r.not_started}</td>"
        f"<td>{round(r.mean_probability * 100)}%</td>"
        f"<td>{escape(', '.join(r.struggling)) or '–'}</td></tr>"
        for r in rows
    )
    found = flags(course, records, today=today)
    behind = "".join(
        f"<li data-learner='{escape(f.learner.id)}'><strong>{escape(f.learner.id)}</strong>: "
        f"{escape(f.title)} {escape(f.status)}"
        + (f" (due {escape(f.due.isoformat())})" if f.due else "")
        + f"; still to master: {escape(', '.join(course.competency(c).label for c in f.missing))}"
        + (f"; next: {escape(f.next_lesson)}" if f.next_lesson else "")
        + "</li>"
        for f in found
    )
    waiting = not_started(records)
    idle = "".join(
        f"<li data-learner='{escape(r.id)}'>{escape(r.name or r.id)}"
        + (f" ({escape(r.id)})" if r.name else "")
        + "</li>"
        for r in waiting
    )
    return (
        f"<h2>{escape(course.title)}: the class</h2>"
        f"<p class='lk-status'>{len(records) - len(waiting)} learner(s) with evidence in the "
        f"course" + (f", {len(waiting)} not started yet" if waiting else "") + ".</p>"
        "<table><caption>Learners per competency</caption><thead><tr>"
        "<th scope='col'>Competency</th><th scope='col'>Mastered</th>"
        "<th scope='col'>Started</th><th scope='col'>Not yet</th><th scope='col'>Mean</th>"
        "<th scope='col'>Struggling</th></tr></thead><tbody>" + body + "</tbody></table>"
        "<h3>Falling behind a milestone</h3>"
        + (f"<ul>{behind}</ul>" if behind else "<p>Nobody is falling behind.</p>")
        + (f"<h3>Not started yet</h3><ul class='lk-not-started'>{idle}</ul>" if idle else "")
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
    """

    def __init__(
        self,
        course: Course | str | os.PathLike[str],
        *,
        store: Any = None,
        teacher: LearnerRef | str | None = None,
        clock: Callable[[], datetime] | None = None,
        roster: Iterable[LearnerRef | str] | Callable[[], Iterable[LearnerRef | str]] = (),
    ) -> None:
        self.course, self.store, self.teacher, self.clock = course_context(
            course, store, teacher, clock
        )
        self.roster = roster
        self.overview = w.HTML()
        wide = {"description_width": "initial"}
        self.learner = w.Dropdown(options=[], description="Learner", style=wide)
        self.learner.observe(lambda _: self._show_learner(), names="value")
        self.learner_plan = w.HTML()
        self.assignees = w.SelectMultiple(options=[], description="Assign to", rows=5, style=wide)
        self.target = w.Dropdown(options=self._targets(), description="Target", style=wide)
        self.due = w.DatePicker(description="Due (optional)", value=None, style=wide)
        self.note = w.Text(
            description="Note", placeholder="optional, shown to the learners", style=wide
        )
        self.assign_button = w.Button(description="Assign", button_style="primary")
        self.assign_button.on_click(lambda _: self._assign())
        self.status = w.HTML()
        refresh = w.Button(description="Refresh")
        refresh.on_click(lambda _: self.refresh())
        super().__init__(
            [
                w.HTML(player_css() + PLAN_CSS),
                self.overview,
                w.HTML("<h3>One learner's plan</h3>"),
                self.learner,
                self.learner_plan,
                w.HTML("<h3>Assign a goal or a lesson</h3>"),
                self.assignees,
                w.HBox([self.target, self.due]),
                self.note,
                w.HBox([self.assign_button, refresh]),
                self.status,
            ]
        )
        self.add_class("lk-player")
        self.add_class("lk-plan")
        self.refresh()

    def _targets(self) -> list[tuple[str, str]]:
        return target_options(self.course, lessons=True)

    def refresh(self) -> None:
        """Re-read the store and redraw."""
        now = self.clock()
        self.records = read_records(self.course, self.store, as_of=now)
        roster = self.roster() if callable(self.roster) else self.roster
        self.records = with_roster(self.course, self.records, roster, as_of=now)
        self.overview.value = class_html(self.course, self.records, now.date())
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
        record = self._record(self.learner.value)
        if record is None:
            self.learner_plan.value = "<p class='lk-status'>No learner yet.</p>"
            return
        today = self.clock().date()
        plan = recommend(self.course, record, today=today)
        self.learner_plan.value = (
            next_html(plan)
            + goals_html(self.course, record, today, heading="Goals and assignments")
            + lessons_html(self.course, plan.items)
            + competencies_html(self.course, record)
        )

    def _say(self, text: str) -> None:
        self.status.value = f"<p class='lk-status' role='status'>{escape(text)}</p>"

    def _assign(self) -> None:
        chosen = [self._record(i) for i in self.assignees.value]
        learners = [r.learner for r in chosen if r is not None]
        value, due = self.target.value, self.due.value
        if not learners or not isinstance(value, str) or ":" not in value:
            self._say("Choose at least one learner and a target.")
            return
        if due is not None and not isinstance(due, date):
            self._say("That date was not understood.")
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
        self._say(f"Assigned to {len(learners)} learner(s).")


def show_class(
    course: Course | str | os.PathLike[str],
    *,
    store: Any = None,
    teacher: LearnerRef | str | None = None,
    roster: Iterable[LearnerRef | str] | Callable[[], Iterable[LearnerRef | str]] = (),
) -> ClassPlan:
    """The teacher's view of ``course`` (``roster``: see :class:`ClassPlan`); the last
    expression of a cell displays it."""
    return ClassPlan(course, store=store, teacher=teacher, roster=roster)
