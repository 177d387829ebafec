"""``LearningPlan``: the learner's plan for a course, in JupyterLab and Voilà.

It shows the recommended next lesson or practice with its reason, every lesson with its status
(those whose prerequisites are not met are shown as such, never hidden), each competency's
mastery with the answers behind it, milestones, and the learner's goals — which the learner sets
and drops here (recorded as statements in the store, so the record stays rebuilt from evidence
alone). "Prepare my data" offers everything recorded about the learner as a JSON download.
It speaks the learner's language (the one they chose in a lesson, else the page's, JupyterLab's
or the browser's; see :mod:`lessonkit.i18n.choice`), dates included.

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
from ..course.storage import course_statements, read_record, remove_goal, set_goal
from ..evidence.events import LearnerRef
from ..evidence.replies import MAX_REPLY, feedback_of
from ..i18n import Translator, translator
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

__all__ = [
    "LearningPlan",
    "course_context",
    "in_language",
    "language_for",
    "open_course_store",
    "show_plan",
    "target_options",
]


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


def language_for(profile: Any = None, explicit: str | None = None) -> Translator:
    """The viewer's language: ``explicit``, the profile's ``language``, then the page's,
    JupyterLab's, the browser's (:mod:`lessonkit.i18n.choice`)."""
    from ..i18n.choice import choose_language, environment_preferences

    chosen = (profile or {}).get("language")
    found = choose_language(explicit=explicit, profile=chosen, **environment_preferences())
    return translator(found.language)


def in_language(box: Any, t: Translator) -> None:
    """Lay ``box`` out in ``t``'s writing direction (its HTML parts carry ``lang``/``dir``)."""
    if t.direction == "rtl":
        box.add_class("lk-rtl")


def target_options(
    course: Course, *, lessons: bool, t: Translator | None = None
) -> list[tuple[str, str]]:
    """Dropdown options for a goal or an assignment: milestones, competencies (and lessons)."""
    _ = (t or translator()).gettext
    options = [
        (_("Milestone: {title}").format(title=m.label), f"milestone:{m.id}")
        for m in course.milestones
    ]
    options += [
        (_("Competency: {title}").format(title=course.competency(c).label), f"competency:{c}")
        for c in course.order
    ]
    if lessons:
        options += [
            (_("Lesson: {title}").format(title=e.label), f"lesson:{e.id}") for e in course.lessons
        ]
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
    language
        The language to show (a BCP 47 tag); by default the learner's (see above).
    """

    def __init__(
        self,
        course: Course | str | os.PathLike[str],
        *,
        store: Any = None,
        learner: LearnerRef | str | None = None,
        clock: Callable[[], datetime] | None = None,
        language: str | None = None,
    ) -> None:
        self.course, self.store, self.learner, self.clock = course_context(
            course, store, learner, clock
        )
        record = read_record(self.course, self.store, self.learner, as_of=self.clock())
        self.t = language_for(record.profile, language)
        _ = self.t.gettext
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
            options=[], description=_("Reply to"), style={"description_width": "initial"}
        )
        self.reply_text = w.Textarea(
            description=_("Your reply"),
            placeholder=_("Once per comment, at most {n} characters").format(
                n=self.t.number(MAX_REPLY)
            ),
            style={"description_width": "initial"},
        )
        self.reply_button = w.Button(description=_("Send reply"))
        self.reply_button.on_click(lambda _b: self._reply())
        self.reply_form = w.VBox([self.reply_to, self.reply_text, self.reply_button])
        self.reply_status = w.HTML()
        wide = {"description_width": "initial"}
        self.goal_target = w.Dropdown(
            options=self._targets(), description=_("New goal"), style=wide
        )
        self.goal_due = w.DatePicker(description=_("By (optional)"), value=None, style=wide)
        self.set_goal_button = w.Button(description=_("Set goal"), button_style="primary")
        self.set_goal_button.on_click(lambda _b: self._set_goal())
        self.drop_target = w.Dropdown(options=[], description=_("Your goal"), style=wide)
        self.drop_button = w.Button(description=_("Drop goal"))
        self.drop_button.on_click(lambda _b: self._drop_goal())
        self.export_button = w.Button(description=_("Prepare my data"))
        self.export_button.on_click(lambda _b: self._export())
        self.export_link = w.HTML()
        self.refresh_button = w.Button(description=_("Refresh"))
        self.refresh_button.on_click(lambda _b: self.refresh())
        new_goal = w.HBox([self.goal_target, self.goal_due, self.set_goal_button])
        drop = w.HBox([self.drop_target, self.drop_button])
        for box in (new_goal, drop):
            box.add_class("lk-goal-form")
        privacy = w.HTML(
            self._wrap(
                "<h3>"
                + escape(_("Your data"))
                + "</h3><p>"
                + escape(
                    _(
                        "Everything recorded about you — answers, choices, goals, with times — "
                        "can be downloaded as one JSON file."
                    )
                )
                + "</p>"
            )
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
        in_language(self, self.t)
        self.refresh()

    def _wrap(self, html: str) -> str:
        return f"<div lang='{self.t.language}' dir='{self.t.direction}'>{html}</div>"

    def _targets(self) -> list[tuple[str, str]]:
        return target_options(self.course, lessons=False, t=self.t)

    def refresh(self) -> None:
        """Re-read the store and redraw everything."""
        now = self.clock()
        statements = list(course_statements(self.course, self.store, self.learner))
        self.record = build_record(self.course, statements, self.learner, as_of=now)
        t = self.t
        self.feedback_items = feedback_of(statements, self.learner.id)
        given = feedback_html(self.course, self.feedback_items, t)
        self.feedback.value = self._wrap(given) if given else ""
        noted = from_teachers_html(self.course, self.record, t)
        self.from_teachers.value = self._wrap(noted) if noted else ""
        open_ = [
            (feedback_label(self.course, f, t), f.grade.id)
            for f in self.feedback_items
            if f.can_reply
        ]
        self.reply_to.options = open_
        self.reply_to.value = open_[0][1] if open_ else None
        self.reply_form.layout.display = "flex" if open_ else "none"
        self.plan = recommend(self.course, self.record, today=now.date(), t=t)
        self.header.value = self._wrap(header_html(self.course, self.record, t))
        self.next.value = self._wrap(next_html(self.plan, t))
        milestones = milestones_html(self.plan.milestones, t)
        self.milestones.value = self._wrap(milestones) if milestones else ""
        self.goals.value = self._wrap(goals_html(self.course, self.record, now.date(), t=t))
        self.lessons.value = self._wrap(lessons_html(self.course, self.plan.items, t))
        self.competencies.value = self._wrap(competencies_html(self.course, self.record, t))
        own = [(self._goal_label(g.target, g.target_id, g.due), g.id) for g in self.record.goals]
        keep = self.drop_target.value
        self.drop_target.options = own
        ids = [goal_id for _, goal_id in own]
        self.drop_target.value = keep if keep in ids else (ids[0] if ids else None)
        self.drop_button.disabled = not own

    def _goal_label(self, target: str, target_id: str, due: date | None) -> str:
        label = dict((v, k) for k, v in self._targets()).get(f"{target}:{target_id}", target_id)
        if due:
            return self.t.gettext("{goal} by {date}").format(goal=label, date=self.t.date(due))
        return label

    def _say(self, text: str) -> None:
        self.status.value = self._wrap(f"<p class='lk-status' role='status'>{escape(text)}</p>")

    def _set_goal(self) -> None:
        # The browser can send any value: check it here.
        value = self.goal_target.value
        due = self.goal_due.value
        if not isinstance(value, str) or ":" not in value:
            self._say(self.t.gettext("Choose a milestone or a competency first."))
            return
        if due is not None and not isinstance(due, date):
            self._say(self.t.gettext("That date was not understood."))
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
        label = self._goal_label(target, target_id, due)
        self._say(self.t.gettext("Goal set: {goal}.").format(goal=label))

    def _drop_goal(self) -> None:
        goal_id = self.drop_target.value
        if not any(g.id == goal_id for g in self.record.goals):
            self._say(self.t.gettext("Choose one of your goals first."))
            return
        remove_goal(self.store, self.course, self.learner, str(goal_id), clock=self.clock)
        self.refresh()
        self._say(self.t.gettext("Goal dropped."))

    def _reply(self) -> None:
        # The browser can send any value: the choice must be one of the learner's comments.
        item = next(
            (f for f in self.feedback_items if f.grade.id == self.reply_to.value and f.can_reply),
            None,
        )
        if item is None:
            self.reply_status.value = self._said(
                self.t.gettext("Choose a comment to reply to first.")
            )
            return
        try:
            send_reply(self.store, item.grade, self.reply_text.value, clock=self.clock)
        except ReplyRefusedError as exc:
            self.reply_status.value = self._said(
                self.t.gettext("Your reply was not sent: {why}").format(why=exc)
            )
            return
        self.reply_text.value = ""
        self.refresh()
        self.reply_status.value = self._said(
            self.t.gettext("Reply sent: your teacher sees it beside the grade.")
        )

    @staticmethod
    def _said(text: str) -> str:
        return f"<p class='lk-status' role='status'>{escape(text)}</p>"

    def _export(self) -> None:
        data = export_record(self.course, self.store, self.learner, as_of=self.clock())
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
        encoded = base64.b64encode(payload).decode()
        name = f"lessonkit-{self.learner.id}-{self.course.id}.json"
        t = self.t
        count = len(data["statements"])
        link = t.gettext("Download {file}").format(file=escape(name))
        size = t.ngettext("({n} statement, {kb} KB)", "({n} statements, {kb} KB)", count).format(
            n=t.number(count), kb=t.number(len(payload) // 1024 + 1)
        )
        self.export_link.value = self._wrap(
            f"<p><a download='{escape(name)}' href='data:application/json;base64,{encoded}'>"
            f"{link}</a> {escape(size)}</p>"
        )


def show_plan(
    course: Course | str | os.PathLike[str],
    *,
    store: Any = None,
    learner: LearnerRef | str | None = None,
    language: str | None = None,
) -> LearningPlan:
    """The learner's plan for ``course``; the last expression of a cell displays it."""
    return LearningPlan(course, store=store, learner=learner, language=language)
