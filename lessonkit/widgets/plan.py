"""``LearningPlan``: the learner's plan for a course, in JupyterLab and Voilà.

It shows the recommended next lesson or practice with its reason, every lesson with its status
(those whose prerequisites are not met are shown as such, never hidden), each competency's
mastery with the answers behind it, milestones, and the learner's goals — which the learner sets
and drops here (recorded as statements in the store, so the record stays rebuilt from evidence
alone). "Prepare my data" offers everything recorded about the learner as a JSON download.

>>> from lessonkit.widgets.plan import show_plan
>>> show_plan("python-basics.course.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import ipywidgets as w

from ..course import Course, load_course
from ..course.export import export_record
from ..course.feedback import ReplyRefusedError, send_reply
from ..course.recommend import recommend
from ..course.record import build_record
from ..course.storage import course_statements, remove_goal, set_goal
from ..evidence.events import LearnerRef
from ..evidence.replies import MAX_REPLY, feedback_of
from .markdown import escape
from .plan_feedback import feedback_html, feedback_label, from_teachers_html
from .plan_html import (
    PLAN_CSS,
    competencies_html,
    goals_html,
    header_html,
    lessons_html,
    milestones_html,
    next_html,
)
from .styles import player_css

__all__ = ["LearningPlan", "course_context", "open_course_store", "show_plan", "target_options"]


def open_course_store(store: Any) -> Any:
    """A store from a store, a URL or path, or ``None`` (the configured default)."""
    from ..evidence.stores import open_store

    if store is None or isinstance(store, str | os.PathLike):
        return open_store(store)
    return store


def course_context(
    course: Course | str | os.PathLike[str],
    store: Any,
    who: LearnerRef | str | None,
    clock: Callable[[], datetime] | None,
) -> tuple[Course, Any, LearnerRef, Callable[[], datetime]]:
    """What a course view starts from: the course, its store, the person viewing and a clock.

    ``who`` is a learner (or teacher) reference, an id, or ``None`` for the one the environment
    names (``LESSONKIT_LEARNER``, ``JUPYTERHUB_USER``, ...).
    """
    from ..evidence.identity import resolve_learner

    loaded = course if isinstance(course, Course) else load_course(course)
    ref = who if isinstance(who, LearnerRef) else resolve_learner(who)
    return loaded, open_course_store(store), ref, clock or (lambda: datetime.now(UTC))


def target_options(course: Course, *, lessons: bool) -> list[tuple[str, str]]:
    """Dropdown options for a goal or an assignment: milestones, competencies (and lessons)."""
    options = [(f"Milestone: {m.label}", f"milestone:{m.id}") for m in course.milestones]
    options += [
        (f"Competency: {course.competency(c).label}", f"competency:{c}") for c in course.order
    ]
    if lessons:
        options += [(f"Lesson: {e.label}", f"lesson:{e.id}") for e in course.lessons]
    return options


class LearningPlan(w.VBox):
    """The learner's plan for a course, read from the evidence store.

    Parameters
    ----------
    course
        The course (a :class:`~lessonkit.course.Course` or a ``.course.yaml`` path).
    store
        The evidence store, a store URL or folder, or ``None`` for the configured default.
    learner
        Whose plan; default from the environment.
    clock
        Returns the current UTC time (tests pass a fixed clock).
    """

    def __init__(
        self,
        course: Course | str | os.PathLike[str],
        *,
        store: Any = None,
        learner: LearnerRef | str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.course, self.store, self.learner, self.clock = course_context(
            course, store, learner, clock
        )
        self.header = w.HTML()
        self.next = w.HTML()
        self.milestones = w.HTML()
        self.goals = w.HTML()
        self.lessons = w.HTML()
        self.competencies = w.HTML()
        self.status = w.HTML()
        self.feedback = w.HTML()
        self.from_teachers = w.HTML()
        self.reply_to = w.Dropdown(
            options=[], description="Reply to", style={"description_width": "initial"}
        )
        self.reply_text = w.Textarea(
            description="Your reply",
            placeholder=f"Once per comment, at most {MAX_REPLY:,} characters",
            style={"description_width": "initial"},
        )
        self.reply_button = w.Button(description="Send reply")
        self.reply_button.on_click(lambda _: self._reply())
        self.reply_form = w.VBox([self.reply_to, self.reply_text, self.reply_button])
        self.reply_status = w.HTML()
        wide = {"description_width": "initial"}
        self.goal_target = w.Dropdown(options=self._targets(), description="New goal", style=wide)
        self.goal_due = w.DatePicker(description="By (optional)", value=None, style=wide)
        self.set_goal_button = w.Button(description="Set goal", button_style="primary")
        self.set_goal_button.on_click(lambda _: self._set_goal())
        self.drop_target = w.Dropdown(options=[], description="Your goal", style=wide)
        self.drop_button = w.Button(description="Drop goal")
        self.drop_button.on_click(lambda _: self._drop_goal())
        self.export_button = w.Button(description="Prepare my data")
        self.export_button.on_click(lambda _: self._export())
        self.export_link = w.HTML()
        self.refresh_button = w.Button(description="Refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        new_goal = w.HBox([self.goal_target, self.goal_due, self.set_goal_button])
        drop = w.HBox([self.drop_target, self.drop_button])
        for box in (new_goal, drop):
            box.add_class("lk-goal-form")
        privacy = w.HTML(
            "<h3>Your data</h3><p>Everything recorded about you — answers, choices, goals, "
            "with times — can be downloaded as one JSON file.</p>"
        )
        super().__init__(
            [
                w.HTML(player_css() + PLAN_CSS),
                self.header,
                self.next,
                self.from_teachers,
                self.feedback,
                self.reply_form,
                self.reply_status,
                self.milestones,
                self.goals,
                new_goal,
                drop,
                self.status,
                self.lessons,
                self.competencies,
                privacy,
                w.HBox([self.export_button, self.refresh_button]),
                self.export_link,
            ]
        )
        self.add_class("lk-player")
        self.add_class("lk-plan")
        self.refresh()

    def _targets(self) -> list[tuple[str, str]]:
        return target_options(self.course, lessons=False)

    def refresh(self) -> None:
        """Re-read the store and redraw everything."""
        now = self.clock()
        statements = list(course_statements(self.course, self.store, self.learner))
        self.record = build_record(self.course, statements, self.learner, as_of=now)
        self.feedback_items = feedback_of(statements, self.learner.id)
        self.feedback.value = feedback_html(self.course, self.feedback_items)
        self.from_teachers.value = from_teachers_html(self.course, self.record)
        open_ = [
            (feedback_label(self.course, f), f.grade.id) for f in self.feedback_items if f.can_reply
        ]
        self.reply_to.options = open_
        self.reply_to.value = open_[0][1] if open_ else None
        self.reply_form.layout.display = "flex" if open_ else "none"
        self.plan = recommend(self.course, self.record, today=now.date())
        self.header.value = header_html(self.course, self.record)
        self.next.value = next_html(self.plan)
        self.milestones.value = milestones_html(self.plan.milestones)
        self.goals.value = goals_html(self.course, self.record, now.date())
        self.lessons.value = lessons_html(self.course, self.plan.items)
        self.competencies.value = competencies_html(self.course, self.record)
        own = [(self._goal_label(g.target, g.target_id, g.due), g.id) for g in self.record.goals]
        keep = self.drop_target.value
        self.drop_target.options = own
        ids = [goal_id for _, goal_id in own]
        self.drop_target.value = keep if keep in ids else (ids[0] if ids else None)
        self.drop_button.disabled = not own

    def _goal_label(self, target: str, target_id: str, due: date | None) -> str:
        label = dict((v, k) for k, v in self._targets()).get(f"{target}:{target_id}", target_id)
        return label + (f" by {due.isoformat()}" if due else "")

    def _say(self, text: str) -> None:
        self.status.value = f"<p class='lk-status' role='status'>{escape(text)}</p>"

    def _set_goal(self) -> None:
        # The browser can send any value: check it here.
        value = self.goal_target.value
        due = self.goal_due.value
        if not isinstance(value, str) or ":" not in value:
            self._say("Choose a milestone or a competency first.")
            return
        if due is not None and not isinstance(due, date):
            self._say("That date was not understood.")
            return
        target, target_id = value.split(":", 1)
        try:
            set_goal(
                self.store, self.course, self.learner, target, target_id, due=due, clock=self.clock
            )
        except ValueError as exc:
            self._say(str(exc))
            return
        self.refresh()
        self._say(f"Goal set: {self._goal_label(target, target_id, due)}.")

    def _drop_goal(self) -> None:
        goal_id = self.drop_target.value
        if not any(g.id == goal_id for g in self.record.goals):
            self._say("Choose one of your goals first.")
            return
        remove_goal(self.store, self.course, self.learner, str(goal_id), clock=self.clock)
        self.refresh()
        self._say("Goal dropped.")

    def _reply(self) -> None:
        # The browser can send any value: the choice must be one of the learner's comments.
        item = next(
            (f for f in self.feedback_items if f.grade.id == self.reply_to.value and f.can_reply),
            None,
        )
        if item is None:
            self.reply_status.value = self._said("Choose a comment to reply to first.")
            return
        try:
            send_reply(self.store, item.grade, self.reply_text.value, clock=self.clock)
        except ReplyRefusedError as exc:
            self.reply_status.value = self._said(f"Your reply was not sent: {exc}")
            return
        self.reply_text.value = ""
        self.refresh()
        self.reply_status.value = self._said("Reply sent: your teacher sees it beside the grade.")

    @staticmethod
    def _said(text: str) -> str:
        return f"<p class='lk-status' role='status'>{escape(text)}</p>"

    def _export(self) -> None:
        data = export_record(self.course, self.store, self.learner, as_of=self.clock())
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
        encoded = base64.b64encode(payload).decode()
        name = f"lessonkit-{self.learner.id}-{self.course.id}.json"
        count = len(data["statements"])
        self.export_link.value = (
            f"<p><a download='{escape(name)}' href='data:application/json;base64,{encoded}'>"
            f"Download {escape(name)}</a> ({count} statements, {len(payload) // 1024 + 1} KB)"
            "</p>"
        )


def show_plan(
    course: Course | str | os.PathLike[str],
    *,
    store: Any = None,
    learner: LearnerRef | str | None = None,
) -> LearningPlan:
    """The learner's plan for ``course``; the last expression of a cell displays it."""
    return LearningPlan(course, store=store, learner=learner)
