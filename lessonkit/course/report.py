"""Plain text and JSON-ready data for the ``lessonkit course`` commands: plans, the class view,
flags and simulation comparisons."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..evidence.events import LearnerRef
from .export import plain
from .model import Course
from .recommend import Plan
from .record import LearnerRecord
from .teacher import CompetencyRow, Flag, class_by_competency, flags, not_started

__all__ = ["class_report", "class_text", "plan_data", "plan_text", "simulation_text"]


def _pct(p: float) -> str:
    return f"{round(p * 100):3d}%"


def plan_data(course: Course, record: LearnerRecord, plan: Plan) -> dict[str, Any]:
    """The plan and the record's summary as plain data."""
    return {
        "course": course.id,
        "learner": plain(record.learner),
        "as_of": plain(record.as_of),
        "next": plain(plan.next) if plan.next else None,
        "items": plain(list(plan.items)),
        "competencies": {
            cid: {
                "probability": c.probability,
                "mastered": c.mastered,
                "opportunities": c.opportunities,
                "last_evidence": plain(c.last_evidence),
            }
            for cid, c in record.competencies.items()
        },
        "milestones": plain(list(plan.milestones)),
        "goals": plain(list(record.goals)),
        "assignments": plain(list(record.assignments)),
        "profile": dict(record.profile),
    }


def plan_text(course: Course, record: LearnerRecord, plan: Plan) -> str:
    """The learner's plan as a few readable lines."""
    who = record.learner.name or record.learner.id
    lines = [f"Learning plan: {course.title} - {who} (as of {record.as_of.date().isoformat()})"]
    if plan.next is not None:
        lines += ["", f"Next: {plan.next.title} [{plan.next.kind}]", f"  {plan.next.reason}"]
    else:
        lines += ["", "Nothing left to do: every lesson's competencies are mastered."]
    lines += ["", "Lessons:"]
    width = max(len(i.title) for i in plan.items) if plan.items else 10
    for item in plan.items:
        lines.append(f"  {item.status:<7} {item.kind:<9} {item.title:<{width}}  {item.reason}")
    lines += ["", "Competencies:"]
    for cid in course.order:
        c = record.competencies[cid]
        state = "mastered" if c.mastered else ("started" if c.opportunities else "not started")
        last = f", last {c.last_evidence.date().isoformat()}" if c.last_evidence else ""
        label = course.competency(cid).label
        lines.append(
            f"  {label:<32} {_pct(c.probability)}  {state:<11} "
            f"{c.opportunities} answer{'s' if c.opportunities != 1 else ''}{last}"
        )
    if plan.milestones:
        lines += ["", "Milestones:"]
        for m in plan.milestones:
            due = f"due {m.due.isoformat()}" if m.due else "no date"
            lines.append(
                f"  {m.title:<32} {len(m.mastered)}/{len(m.competencies)} mastered  {due}  "
                f"({m.status})"
            )
    for heading, goals in (("Your goals:", record.goals), ("Assigned:", record.assignments)):
        if goals:
            lines += ["", heading]
            for g in goals:
                due = f" by {g.due.isoformat()}" if g.due else ""
                by = f" (from {g.by.id})" if g.by else ""
                lines.append(f"  [{g.id}] {g.target} {g.target_id}{due}{by}")
    return "\n".join(lines)


def class_text(
    course: Course,
    rows: Sequence[CompetencyRow],
    found: Sequence[Flag],
    waiting: Sequence[LearnerRef] = (),
) -> str:
    """The class by competency, the learners falling behind, and those not started
    (``waiting``)."""
    learners = rows[0].learners if rows else 0
    lines = [f"Class view: {course.title} - {learners} learner(s)", ""]
    lines.append(f"  {'competency':<32} {'mastered':>8} {'started':>8} {'not yet':>8} {'mean':>6}")
    for r in rows:
        lines.append(
            f"  {r.title:<32} {r.mastered:>8} {r.in_progress:>8} {r.not_started:>8} "
            f"{_pct(r.mean_probability):>6}"
            + (f"   struggling: {', '.join(r.struggling)}" if r.struggling else "")
        )
    lines += ["", f"Falling behind ({len(found)}):" if found else "Nobody is falling behind."]
    for f in found:
        due = f.due.isoformat() if f.due else "-"
        missing = ", ".join(course.competency(c).label for c in f.missing)
        nxt = f"; next: {f.next_lesson}" if f.next_lesson else ""
        lines.append(f"  {f.learner.id:<16} {f.status:<8} {f.title} (due {due}): {missing}{nxt}")
    if waiting:
        lines += ["", f"Not started yet ({len(waiting)}):"]
        lines += [f"  {r.id}" + (f" ({r.name})" if r.name else "") for r in waiting]
    return "\n".join(lines)


def class_report(
    course: Course,
    records: Mapping[LearnerRef, LearnerRecord],
    *,
    today: date | None = None,
    as_json: bool = False,
) -> str:
    """``lessonkit course plan --class``: the class by competency, who is falling behind and
    who has not started, as text or JSON."""
    rows, found, waiting = (
        class_by_competency(course, records),
        flags(course, records, today=today),
        not_started(records),
    )
    if as_json:
        data = {"competencies": plain(rows), "flags": plain(found)}
        return json.dumps({**data, "not_started": [r.id for r in waiting]}, indent=2)
    return class_text(course, rows, found, waiting)


def simulation_text(course: Course, data: Mapping[str, Any], learners: int) -> str:
    """``course simulate``'s comparison table."""
    budget = data["budget_steps"]
    lines = [
        f"course {course.id}: {learners} simulated learners per policy (budget {budget} steps)",
        "",
        f"  {'milestone':<24} {'policy':<12} {'reached':>8} {'mean':>7} {'median':>7} "
        f"{'false mastery':>14}",
    ]
    for mid, by_policy in data["milestones"].items():
        for policy, row in by_policy.items():
            lines.append(
                f"  {mid:<24} {policy:<12} {row['reached']:>8.1%} {row['mean_steps']:>7.1f} "
                f"{row['median_steps']:>7.1f} {row['false_mastery']:>14.2%}"
            )
    lines.append("")
    for policy, rate in data["false_mastery"].items():
        lessons = data["mean_lessons"][policy]
        lines.append(f"  {policy:<12} false mastery {rate:.2%}, {lessons:.2f} lessons on average")
    diff = data.get("false_mastery_difference")
    if diff:
        lines.append(
            f"  false mastery, recommended - fixed (paired): {diff['mean']:+.3%} "
            f"± {diff['standard_error']:.3%} (standard error)"
        )
    lines.append(
        "  (steps: screens seen; a learner who never reached a milestone counts at the budget)"
    )
    return "\n".join(lines)
