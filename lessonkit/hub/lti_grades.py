"""Grades for the LMS, from server-checked evidence, into the spool.

A learner's grade for a lesson is what ``GET api/grades/<course>/<lesson>`` and ``lessonkit
nbgrader grade`` compute: :func:`lessonkit.grading.regrade` of the instructor's lesson over the
statements the service stored (answers the service checked; anything it did not check earns
nothing), ``question_points()`` as the score; a milestone's is the sum over its lessons (see
:mod:`.lti_items`). The comment names the competencies mastered and not yet mastered.

:func:`scan` runs in the service's worker: it reads which learners sent evidence since the
last round (the receipts' server sequence numbers), and queues the new grades of those who
are members of an LMS course with a link to an item of that evidence, as the course's policy
says (``completion``: once the lesson, or every lesson of the milestone, is finished;
``due``: everyone's grade at the due time, and changes after it; ``command``: only ``lessonkit
hub lti push-grades``). :func:`push` queues a course's grades now (the command, and ``POST
api/lti/grades/<course>``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..lti import spool, store
from ..lti.claims import LEARNER
from ..lti.scores import score_body
from . import db
from .config import HubConfig
from .ledger import Ledger
from .lti_items import course_items, evidence_time, grade_of

__all__ = ["NotInContextError", "push", "scan"]


class NotInContextError(LookupError):
    """A learner who is not a member of the course's LMS course(s)."""


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
    keys: Iterable[str] | None,
    *,
    final: bool,
    completed_only: bool,
) -> int:
    """Queue the grades of ``learners`` (``None``: every member) on every link of the course
    to one of the items ``keys`` (``None``: any graded item)."""
    engine = ledger.engine
    settings = config.courses[course]
    items = {i.key: i for i in course_items(settings) if i.points is not None}
    wanted_items = set(items) if keys is None else set(keys) & set(items)
    members = _members(engine, course)
    wanted = None if learners is None else set(learners)
    times: dict[str, dict[str, str]] = {}
    queued = 0
    now = ledger.now()
    for link in store.course_links(engine, course):
        item = items.get(str(link.item))
        if item is None or item.key not in wanted_items or not link.lineitem_url:
            continue
        for lesson_id in item.lessons:
            if lesson_id not in times:
                times[lesson_id] = ledger.last_activity(lesson_id)
        for name, sub in members.get(
            (link.issuer, link.deployment_id, link.context_id), {}
        ).items():
            if wanted is not None and name not in wanted:
                continue
            grade = grade_of(ledger, settings, item, name, evidence_time(times, item, name))
            if completed_only and not grade.completed:
                continue
            queued += spool.queue(
                engine,
                issuer=link.issuer,
                lineitem_url=link.lineitem_url,
                sub=sub,
                course=course,
                item=item.key,
                username=name,
                body=score_body(sub, grade, final=final),
                evidence_time=grade.evidence_time,
                now=now,
            )
    return queued


def push(
    ledger: Ledger, config: HubConfig, course: str, item: str | None, learner: str | None
) -> int:
    """Queue ``course``'s grades now, as final (the instructor's command): of one item
    (``lesson:<id>``, ``milestone:<id>``) or all, of one learner or all.

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
    keys = None if item is None else [item]
    return _queue_course(ledger, config, course, learners, keys, final=True, completed_only=False)


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
        for item in course_items(settings):
            if item.points is None:
                continue
            if policy.push == "due":
                due = policy.due.get(item.due_key) or item.due
                if due is None or now < due:
                    continue
                flag = f"due:{course}:{item.due_key}:{due.isoformat()}"
                if not store.get_state(engine, flag):  # the due time passed: everyone
                    queued += _queue_course(
                        ledger, config, course, None, [item.key], final=True, completed_only=False
                    )
                    store.set_state(engine, flag, str(time.time()))
                    continue
            learners = set().union(*(touched.get(i, set()) for i in item.lessons))
            if learners:
                queued += _queue_course(
                    ledger,
                    config,
                    course,
                    learners,
                    [item.key],
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
