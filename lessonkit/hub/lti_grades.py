"""Grades for the LMS, from server-checked evidence, into the spool.

A learner's grade for a lesson is what ``GET api/grades/<course>/<lesson>`` and ``lessonkit
nbgrader grade`` compute: :func:`lessonkit.grading.regrade` of the instructor's lesson over the
statements the service stored (answers the service checked; anything it did not check earns
nothing), ``question_points()`` as the score. The comment names the lesson's competencies
mastered and not yet mastered.

:func:`scan` runs in the service's worker: it reads which learners sent evidence since the
last round (the receipts' server sequence numbers), and queues the new grades of those who
are members of an LMS course with a link to the lesson, as the course's policy says
(``completion``: once the lesson is finished; ``due``: everyone's grade at the due time, and
changes after it; ``command``: only ``lessonkit hub lti push-grades``). :func:`push` queues a
course's grades now (the command, and ``POST api/lti/grades/<course>``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..lesson.model import Lesson
from ..lti import spool, store
from ..lti.claims import LEARNER
from ..lti.scores import Grade, score_body
from . import db
from .config import HubConfig
from .ledger import Ledger

__all__ = ["NotInContextError", "grade_of", "push", "scan"]


class NotInContextError(LookupError):
    """A learner who is not a member of the course's LMS course(s)."""


def grade_of(ledger: Ledger, key: Lesson, learner: str, evidence_time: str) -> Grade:
    """The learner's grade for ``key`` from the service's evidence."""
    from ..grading import regrade

    report = regrade(key, ledger.read(learner=learner, lesson=key.id))
    earned, available = report.question_points()
    titles = {c.id: c.title or c.id for c in key.competencies}
    mastered = [titles.get(c.id, c.id) for c in report.competencies.values() if c.mastered]
    missing = [titles.get(c.id, c.id) for c in report.competencies.values() if not c.mastered]
    return Grade(
        given=earned,
        maximum=available,
        completed=report.completed,
        started=report.sessions > 0,
        mastered=mastered,
        missing=missing,
        evidence_time=evidence_time,
    )


def _members(engine: sa.Engine, course: str) -> dict[tuple[str, str, str], dict[str, str]]:
    """(issuer, deployment, context) -> learner user name -> LTI sub."""
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in store.roster(engine, course, LEARNER):
        place = (row.issuer, row.deployment_id, row.context_id)
        out.setdefault(place, {})[row.username] = row.sub
    return out


def _queue_course(
    ledger: Ledger,
    config: HubConfig,
    course: str,
    learners: Iterable[str] | None,
    lesson: str | None,
    *,
    final: bool,
    completed_only: bool,
) -> int:
    """Queue the grades of ``learners`` (``None``: every member) on every link of the course."""
    engine = ledger.engine
    members = _members(engine, course)
    wanted = None if learners is None else set(learners)
    queued = 0
    now = ledger.now()
    for link in store.course_links(engine, course):
        item = str(link.item)
        if not item.startswith("lesson:") or not link.lineitem_url:
            continue
        lesson_id = item.removeprefix("lesson:")
        key = config.courses[course].lessons.get(lesson_id)
        if key is None or (lesson and lesson != lesson_id):
            continue
        times = ledger.last_activity(lesson_id)
        for name, sub in members.get(
            (link.issuer, link.deployment_id, link.context_id), {}
        ).items():
            if wanted is not None and name not in wanted:
                continue
            grade = grade_of(ledger, key, name, times.get(name, ""))
            if completed_only and not grade.completed:
                continue
            queued += spool.queue(
                engine,
                issuer=link.issuer,
                lineitem_url=link.lineitem_url,
                sub=sub,
                course=course,
                item=item,
                username=name,
                body=score_body(sub, grade, final=final),
                evidence_time=grade.evidence_time,
                now=now,
            )
    return queued


def push(
    ledger: Ledger, config: HubConfig, course: str, lesson: str | None, learner: str | None
) -> int:
    """Queue ``course``'s grades now, as final (the instructor's command).

    Raises
    ------
    NotInContextError
        ``learner`` is not a learner of any LMS course connected to ``course``: nothing is
        queued.
    """
    if learner is not None:
        names = {row.username for row in store.roster(ledger.engine, course, LEARNER)}
        if learner not in names:
            raise NotInContextError(
                f"{learner} is not a learner of an LMS course connected to {course}: "
                "no grade was sent"
            )
    learners = None if learner is None else [learner]
    return _queue_course(ledger, config, course, learners, lesson, final=True, completed_only=False)


def _touched(ledger: Ledger, since: int) -> tuple[dict[str, set[str]], int]:
    """Lesson -> learners with evidence after server sequence ``since``; the new mark."""
    r = db.receipts.c
    query = (
        sa.select(r.lesson, r.learner, sa.func.max(r.server_seq))
        .where(r.server_seq > since)
        .group_by(r.lesson, r.learner)
    )
    touched: dict[str, set[str]] = {}
    mark = since
    with ledger.engine.connect() as conn:
        for lesson, learner, seq in conn.execute(query):
            touched.setdefault(str(lesson), set()).add(str(learner))
            mark = max(mark, int(seq))
    return touched, mark


def scan(ledger: Ledger, config: HubConfig) -> int:
    """One round: queue the grades new evidence (or a due time) calls for; how many."""
    lti = config.lti
    if lti is None:
        return 0
    engine = ledger.engine
    since = int(store.get_state(engine, "evidence-seq", "0"))
    touched, mark = _touched(ledger, since)
    now = datetime.now(UTC)
    queued = 0
    for course, settings in config.courses.items():
        policy = lti.policy(course)
        if policy.push == "command":
            continue
        for lesson_id in settings.lessons:
            due = policy.due.get(lesson_id)
            if policy.push == "due":
                if due is None or now < due:
                    continue
                flag = f"due:{course}:{lesson_id}:{due.isoformat()}"
                if not store.get_state(engine, flag):  # the due time passed: everyone
                    queued += _queue_course(
                        ledger, config, course, None, lesson_id, final=True, completed_only=False
                    )
                    store.set_state(engine, flag, str(time.time()))
                    continue
            learners = touched.get(lesson_id)
            if learners:
                queued += _queue_course(
                    ledger,
                    config,
                    course,
                    learners,
                    lesson_id,
                    final=policy.push == "due",
                    completed_only=policy.push == "completion",
                )
    if mark != since:
        store.set_state(engine, "evidence-seq", str(mark))
    return queued


def started(ledger: Ledger, course: str, config: HubConfig) -> dict[str, Any]:
    """User name -> the course's lessons they have evidence in (for the roster)."""
    out: dict[str, Any] = {}
    for lesson_id in config.courses[course].lessons:
        for learner in ledger.last_activity(lesson_id):
            out.setdefault(learner, []).append(lesson_id)
    return out
