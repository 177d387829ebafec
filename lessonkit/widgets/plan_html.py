"""HTML of the learning plan: pure functions from a plan and a record to text (testable without
a browser), plus the few style rules the plan adds to the player's stylesheet.

Everything shown is escaped: course and lesson titles come from files, learner ids from the
environment, goal notes from a teacher.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..course.model import Course
from ..course.recommend import Plan, PlanItem
from ..course.record import CompetencyRecord, Goal, LearnerRecord
from ..course.targets import MilestoneProgress
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
  padding: 0 .4rem; margin-right: .4rem; border: 1px solid var(--lk-border);
  color: var(--lk-fg); background: var(--lk-subtle); }
.lk-plan .lk-tag.lk-locked { border-style: dashed; }
.lk-plan .lk-reason { display: block; color: var(--lk-muted); font-size: .92rem; }
.lk-plan table { border-collapse: collapse; width: 100%; font-size: .92rem; }
.lk-plan th, .lk-plan td { border-bottom: 1px solid var(--lk-border); padding: .3rem .4rem;
  text-align: left; vertical-align: top; }
.lk-plan details summary { cursor: pointer; color: var(--lk-accent); }
.lk-plan a { color: var(--lk-accent); }
.lk-plan .lk-goal-form { gap: .5rem; flex-wrap: wrap; align-items: flex-end; }
</style>"""
"""Rules added to the player's stylesheet (colours come from its ``--lk-*`` variables)."""

_STATUS = {
    "next": "next",
    "ready": "ready",
    "locked": "prerequisites not met",
    "done": "done",
}


def _pct(p: float) -> str:
    return f"{round(p * 100)}%"


def header_html(course: Course, record: LearnerRecord) -> str:
    """Course title, whose plan, and as of when."""
    who = record.learner.name or record.learner.id
    return (
        f"<h2>{escape(course.title)}: your learning plan</h2>"
        f"<p class='lk-status'>For {escape(who)}, as of "
        f"{escape(record.as_of.date().isoformat())}.</p>"
    )


def _link(item: PlanItem, label: str) -> str:
    if not item.notebook:
        return ""
    return f" <a href='{escape(item.notebook)}'>{escape(label)}</a>"


def next_html(plan: Plan) -> str:
    """The recommendation, with its reason."""
    item = plan.next
    if item is None:
        return (
            "<div class='lk-next' role='region' aria-label='Recommended next'>"
            "<p><strong>All done.</strong> Every competency of the course is mastered.</p></div>"
        )
    return (
        "<div class='lk-next' role='region' aria-label='Recommended next'>"
        f"<p><strong>Next: {escape(item.title)}</strong> "
        f"<span class='lk-tag'>{escape(item.kind)}</span>{_link(item, 'Open it')}</p>"
        f"<p>{escape(item.reason)}</p></div>"
    )


def lessons_html(course: Course, items: Sequence[PlanItem]) -> str:
    """Every lesson with its status and why; locked ones are shown, with what they need."""
    rows = []
    for item in items:
        status = _STATUS.get(item.status, item.status)
        locked = " lk-locked" if item.status == "locked" else ""
        rows.append(
            f"<li data-lesson='{escape(item.lesson)}' data-status='{escape(item.status)}'>"
            f"<span class='lk-tag{locked}'>{escape(status)}</span>"
            f"<strong>{escape(item.title)}</strong> "
            f"<span class='lk-status'>({escape(item.kind)})</span>"
            f"{_link(item, 'Open') if item.status != 'locked' else ''}"
            f"<span class='lk-reason'>{escape(item.reason)}</span></li>"
        )
    return "<h3>Lessons</h3><ul class='lk-lessons'>" + "".join(rows) + "</ul>"


def _evidence(course: Course, comp: CompetencyRecord) -> str:
    if not comp.evidence:
        return "<span class='lk-status'>No answers yet.</span>"
    items = "".join(
        f"<li>{escape(e.timestamp.date().isoformat())} · {escape(_lesson_title(course, e.lesson))}"
        f" · {escape(e.step)}: {'right' if e.correct else 'wrong'} "
        f"({_pct(e.before)} → {_pct(e.after)})</li>"
        for e in comp.evidence
    )
    n = len(comp.evidence)
    return (
        f"<details><summary>{n} answer{'s' if n != 1 else ''}</summary><ul>{items}</ul></details>"
    )


def _lesson_title(course: Course, lesson_id: str) -> str:
    return course.lesson(lesson_id).label if course.has_lesson(lesson_id) else lesson_id


def competencies_html(course: Course, record: LearnerRecord) -> str:
    """A table: each competency, P(known) with a bar, mastered or not, the evidence behind it."""
    rows = []
    for cid in course.order:
        comp = record.competencies[cid]
        title = course.competency(cid).label
        pct = round(comp.probability * 100)
        state = "mastered" if comp.mastered else ("to review" if comp.lapsed else "not yet")
        rows.append(
            f"<tr data-competency='{escape(cid)}'><th scope='row'>{escape(title)}</th>"
            f"<td><div class='lk-bar{' lk-mastered' if comp.mastered else ''}' role='progressbar' "
            f"aria-label='{escape(title)}' aria-valuemin='0' aria-valuemax='100' "
            f"aria-valuenow='{pct}'><span style='width:{pct}%'></span></div>{pct}%</td>"
            f"<td>{escape(state)}</td><td>{_evidence(course, comp)}</td></tr>"
        )
    return (
        "<h3>Competencies</h3><table><caption class='lk-visually-hidden'>Your mastery of each "
        "competency and the answers behind it</caption><thead><tr><th scope='col'>Competency"
        "</th><th scope='col'>Mastery</th><th scope='col'>Status</th><th scope='col'>Evidence"
        "</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def milestones_html(milestones: Sequence[MilestoneProgress]) -> str:
    """Progress towards each milestone."""
    if not milestones:
        return ""
    words = {
        "reached": "reached",
        "overdue": "overdue",
        "at-risk": "due soon",
        "on-track": "on track",
        "open": "no date",
    }
    rows = "".join(
        f"<li data-milestone='{escape(m.id)}'><strong>{escape(m.title)}</strong>: "
        f"{len(m.mastered)} of {len(m.competencies)} mastered"
        + (f", due {escape(m.due.isoformat())}" if m.due else "")
        + f" <span class='lk-tag'>{escape(words.get(m.status, m.status))}</span></li>"
        for m in milestones
    )
    return f"<h3>Milestones</h3><ul>{rows}</ul>"


def _goal_text(course: Course, goal: Goal) -> str:
    if goal.target == "milestone":
        what = f"milestone {course.milestone(goal.target_id).label}"
    elif goal.target == "lesson":
        what = f"lesson {course.lesson(goal.target_id).label}"
    else:
        what = course.competency(goal.target_id).label
    due = f" by {goal.due.isoformat()}" if goal.due else ""
    return what + due


def goals_html(
    course: Course, record: LearnerRecord, today: date, heading: str = "Your goals"
) -> str:
    """The learner's goals and their teachers' assignments, reached or not."""
    mastered = record.mastered_set
    parts = [f"<h3>{escape(heading)}</h3>"]
    if not record.goals and not record.assignments:
        parts.append("<p class='lk-status'>No goals yet: set one below.</p>")
    items = []
    for goal in (*record.assignments, *record.goals):
        reached = all(c in mastered for c in goal.competencies(course))
        late = goal.due is not None and goal.due < today and not reached
        state = "reached" if reached else ("overdue" if late else "in progress")
        by = f" (assigned by {escape(goal.by.name or goal.by.id)})" if goal.by else ""
        note = f": {escape(goal.note)}" if goal.note else ""
        items.append(
            f"<li data-goal='{escape(goal.id)}'>{escape(_goal_text(course, goal))}{by}{note} "
            f"<span class='lk-tag'>{escape(state)}</span></li>"
        )
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "".join(parts)
