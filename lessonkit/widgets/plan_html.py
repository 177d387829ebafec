"""HTML of the learning plan: pure functions from a plan and a record to text (testable without
a browser), plus the few style rules the plan adds to the player's stylesheet.

Everything shown is escaped: course and lesson titles come from files, learner ids from the
environment, goal notes from a teacher. Words and dates are in the viewer's language (``t``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..course.model import Course
from ..course.recommend import Plan, PlanItem
from ..course.record import CompetencyRecord, Goal, LearnerRecord
from ..course.targets import MilestoneProgress
from ..i18n import N_, Translator, translator
from .markdown import escape

__all__ = [
    "PLAN_CSS",
    "competencies_html",
    "goals_html",
    "header_html",
    "lessons_html",
    "milestones_html",
    "next_html",
]

PLAN_CSS = """<style>
.lk-plan h2 { font-size: 1.4rem; margin: .5rem 0 .25rem; color: var(--lk-fg); }
.lk-plan h3 { font-size: 1.1rem; margin: 1.25rem 0 .4rem; color: var(--lk-fg); }
.lk-plan a { color: var(--lk-accent); text-decoration: underline; }
.lk-plan .lk-next { border: 2px solid var(--lk-accent); border-radius: 8px;
  padding: .6rem 1rem; margin: .75rem 0; background: var(--lk-panel); }
.lk-plan .lk-next p { margin: .3rem 0; }
.lk-plan ul.lk-lessons { list-style: none; padding: 0; margin: 0; }
.lk-plan ul.lk-lessons li { border-top: 1px solid var(--lk-border); padding: .45rem 0; }
.lk-plan .lk-tag { display: inline-block; font-size: .8rem; border-radius: 4px;
  padding: 0 .4rem; margin-inline-end: .4rem; border: 1px solid var(--lk-border);
  color: var(--lk-fg); background: var(--lk-subtle); }
.lk-plan .lk-tag.lk-locked { border-style: dashed; }
.lk-plan .lk-reason { display: block; color: var(--lk-muted); font-size: .92rem; }
.lk-plan table { border-collapse: collapse; width: 100%; font-size: .92rem; }
.lk-plan th, .lk-plan td { border-bottom: 1px solid var(--lk-border); padding: .3rem .4rem;
  text-align: start; vertical-align: top; }
.lk-plan details summary { cursor: pointer; color: var(--lk-accent); }
.lk-plan a { color: var(--lk-accent); }
.lk-plan .lk-goal-form { gap: .5rem; flex-wrap: wrap; align-items: flex-end; }
.lk-plan.lk-rtl { direction: rtl; }
</style>"""
"""Rules added to the player's stylesheet (colours come from its ``--lk-*`` variables)."""

_ENGLISH = translator()
_STATUS = {
    "next": N_("next"),
    "ready": N_("ready"),
    "locked": N_("prerequisites not met"),
    "done": N_("done"),
}
_KINDS = {
    "placement": N_("placement"),
    "lesson": N_("lesson"),
    "practice": N_("practice"),
    "review": N_("review"),
}


def _kind(t: Translator, kind: str) -> str:
    return t.gettext(_KINDS[kind]) if kind in _KINDS else kind


def header_html(course: Course, record: LearnerRecord, t: Translator = _ENGLISH) -> str:
    """Course title, whose plan, and as of when."""
    who = record.learner.name or record.learner.id
    title = t.gettext("{course}: your learning plan").format(
        course=f"<bdi>{escape(course.title)}</bdi>"
    )
    when = t.gettext("For {who}, as of {date}.").format(
        who=f"<bdi>{escape(who)}</bdi>", date=escape(t.date(record.as_of))
    )
    return f"<h2>{title}</h2><p class='lk-status'>{when}</p>"


def _link(item: PlanItem, label: str) -> str:
    if not item.notebook:
        return ""
    return f" <a href='{escape(item.notebook)}'>{escape(label)}</a>"


def next_html(plan: Plan, t: Translator = _ENGLISH) -> str:
    """The recommendation, with its reason."""
    _ = t.gettext
    label, open_it = _("Recommended next"), _("Open it")
    region = f"<div class='lk-next' role='region' aria-label='{escape(label)}'>"
    item = plan.next
    if item is None:
        done = _("<strong>All done.</strong> Every competency of the course is mastered.")
        return f"{region}<p>{done}</p></div>"
    heading = _("Next: {lesson}").format(lesson=f"<bdi>{escape(item.title)}</bdi>")
    return (
        f"{region}<p><strong>{heading}</strong> "
        f"<span class='lk-tag'>{escape(_kind(t, item.kind))}</span>"
        f"{_link(item, open_it)}</p><p>{escape(item.reason)}</p></div>"
    )


def lessons_html(course: Course, items: Sequence[PlanItem], t: Translator = _ENGLISH) -> str:
    """Every lesson with its status and why; locked ones are shown, with what they need."""
    _ = t.gettext
    open_, heading = _("Open"), _("Lessons")
    rows = []
    for item in items:
        status = _(_STATUS[item.status]) if item.status in _STATUS else item.status
        locked = " lk-locked" if item.status == "locked" else ""
        rows.append(
            f"<li data-lesson='{escape(item.lesson)}' data-status='{escape(item.status)}'>"
            f"<span class='lk-tag{locked}'>{escape(status)}</span>"
            f"<strong>{escape(item.title)}</strong> "
            f"<span class='lk-status'>({escape(_kind(t, item.kind))})</span>"
            f"{_link(item, open_) if item.status != 'locked' else ''}"
            f"<span class='lk-reason'>{escape(item.reason)}</span></li>"
        )
    return f"<h3>{escape(heading)}</h3><ul class='lk-lessons'>" + "".join(rows) + "</ul>"


def _evidence(course: Course, comp: CompetencyRecord, t: Translator) -> str:
    _ = t.gettext
    if not comp.evidence:
        none = _("No answers yet.")
        return f"<span class='lk-status'>{escape(none)}</span>"
    right, wrong = _("right"), _("wrong")
    items = []
    for e in comp.evidence:
        moved = _("{before} → {after}").format(before=t.percent(e.before), after=t.percent(e.after))
        items.append(
            f"<li>{escape(t.date(e.timestamp))} · {escape(_lesson_title(course, e.lesson))}"
            f" · {escape(e.step)}: {escape(right if e.correct else wrong)} "
            f"({escape(moved)})</li>"
        )
    n = len(comp.evidence)
    answers = t.ngettext("{n} answer", "{n} answers", n).format(n=t.number(n))
    return f"<details><summary>{escape(answers)}</summary><ul>{''.join(items)}</ul></details>"


def _lesson_title(course: Course, lesson_id: str) -> str:
    return course.lesson(lesson_id).label if course.has_lesson(lesson_id) else lesson_id


def competencies_html(course: Course, record: LearnerRecord, t: Translator = _ENGLISH) -> str:
    """A table: each competency, P(known) with a bar, mastered or not, the evidence behind it."""
    _ = t.gettext
    rows = []
    for cid in course.order:
        comp = record.competencies[cid]
        title = course.competency(cid).label
        pct = round(comp.probability * 100)
        state = (
            _("mastered") if comp.mastered else (_("to review") if comp.lapsed else _("not yet"))
        )
        rows.append(
            f"<tr data-competency='{escape(cid)}'><th scope='row'>{escape(title)}</th>"
            f"<td><div class='lk-bar{' lk-mastered' if comp.mastered else ''}' role='progressbar' "
            f"aria-label='{escape(title)}' aria-valuemin='0' aria-valuemax='100' "
            f"aria-valuenow='{pct}'><span style='width:{pct}%'></span></div>"
            f"{escape(t.percent(comp.probability))}</td>"
            f"<td>{escape(state)}</td><td>{_evidence(course, comp, t)}</td></tr>"
        )
    caption = _("Your mastery of each competency and the answers behind it")
    heading = _("Competencies")
    heads = "".join(
        f"<th scope='col'>{escape(_(h))}</th>"
        for h in (N_("Competency"), N_("Mastery"), N_("Status"), N_("Evidence"))
    )
    return (
        f"<h3>{escape(heading)}</h3><table><caption class='lk-visually-hidden'>"
        f"{escape(caption)}</caption><thead><tr>{heads}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


_MILESTONE = {
    "reached": N_("reached"),
    "overdue": N_("overdue"),
    "at-risk": N_("due soon"),
    "on-track": N_("on track"),
    "open": N_("no date"),
}


def milestones_html(milestones: Sequence[MilestoneProgress], t: Translator = _ENGLISH) -> str:
    """Progress towards each milestone."""
    if not milestones:
        return ""
    _ = t.gettext
    rows = []
    for m in milestones:
        done = _("{n} of {total} mastered").format(
            n=t.number(len(m.mastered)), total=t.number(len(m.competencies))
        )
        if m.due:
            done = _("{progress}, due {date}").format(progress=done, date=t.date(m.due))
        status = _(_MILESTONE[m.status]) if m.status in _MILESTONE else m.status
        rows.append(
            f"<li data-milestone='{escape(m.id)}'><strong>{escape(m.title)}</strong>: "
            f"{escape(done)} <span class='lk-tag'>{escape(status)}</span></li>"
        )
    heading = _("Milestones")
    return f"<h3>{escape(heading)}</h3><ul>{''.join(rows)}</ul>"


def _goal_text(course: Course, goal: Goal, t: Translator) -> str:
    _ = t.gettext
    if goal.target == "milestone":
        what = _("milestone {title}").format(title=course.milestone(goal.target_id).label)
    elif goal.target == "lesson":
        what = _("lesson {title}").format(title=course.lesson(goal.target_id).label)
    else:
        what = course.competency(goal.target_id).label
    if goal.due:
        return _("{goal} by {date}").format(goal=what, date=t.date(goal.due))
    return what


def goals_html(
    course: Course,
    record: LearnerRecord,
    today: date,
    heading: str = N_("Your goals"),
    t: Translator = _ENGLISH,
) -> str:
    """The learner's goals and their teachers' assignments, reached or not (``heading`` is
    English, shown in ``t``'s language)."""
    _ = t.gettext
    mastered = record.mastered_set
    parts = [f"<h3>{escape(_(heading))}</h3>"]
    if not record.goals and not record.assignments:
        none = _("No goals yet: set one below.")
        parts.append(f"<p class='lk-status'>{escape(none)}</p>")
    items = []
    for goal in (*record.assignments, *record.goals):
        reached = all(c in mastered for c in goal.competencies(course))
        late = goal.due is not None and goal.due < today and not reached
        state = _("reached") if reached else (_("overdue") if late else _("in progress"))
        by = ""
        if goal.by:
            teacher = f"<bdi>{escape(goal.by.name or goal.by.id)}</bdi>"
            by = " " + _("(assigned by {teacher})").format(teacher=teacher)
        note = f": {escape(goal.note)}" if goal.note else ""
        items.append(
            f"<li data-goal='{escape(goal.id)}'>{escape(_goal_text(course, goal, t))}{by}{note} "
            f"<span class='lk-tag'>{escape(state)}</span></li>"
        )
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "".join(parts)
