"""Whose evidence is graded: a folder's statements, read one learner at a time.

An evidence folder may hold more than one learner's statements — an instructor's try-out
released with an assignment, a classmate's files copied into a submission — and a grade is
one learner's. A learner is an xAPI account, ``(homePage, name)``, exactly as
:func:`~lessonkit.evidence.event_to_statement` writes the actor. The learner to grade is
named either

* as a :class:`~lessonkit.evidence.events.LearnerRef`: the account must match exactly; or
* by a name: the account name, whatever its home page — the nbgrader student id (the player
  records ``urn:lessonkit:nbgrader``), a JupyterHub user (the hub's URL), a learner id given
  explicitly (``urn:lessonkit:local``). A name is what nbgrader, the hub and ``--student``
  know a student by.

Only that learner's statements are counted; every other learner found is named in the
report (:attr:`GradeReport.identity`) and never pooled with them. The identity a session's
``started`` event records (``nbgrader_student``, ``jupyterhub_user``) never makes a session
count: it is shown, and a recorded nbgrader student id that is not the account's is flagged.

Reading also keeps what the engine could not have written: two different events under one
``(registration, seq)`` (a statement id is derived from that pair, so a real retry repeats
the same statement).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..engine.history import session_order
from ..evidence.events import Event, LearnerRef
from .report import GradeReport

__all__ = ["Account", "Student", "read_events", "select_learner"]

Account = tuple[str, str]
"""A learner's xAPI account: ``(home page, name)``."""
Student = str | LearnerRef
"""Who is graded: an account (:class:`LearnerRef`) or an account name."""


def account(learner: LearnerRef) -> Account:
    """The account a learner's statements are recorded under."""
    return (learner.home_page, learner.id)


def read_events(
    lesson_id: str, items: Iterable[Event | Mapping[str, Any]], problems: list[str]
) -> tuple[list[Event], list[list[Event]]]:
    """The events of ``lesson_id`` (one per ``(registration, seq)``, the first read), and
    every ``(registration, seq)`` read with different contents, each as its versions.

    Statements not made by lessonkit are skipped and noted in ``problems``.
    """
    from ..evidence.grades import is_grading_statement
    from ..evidence.statements import statement_to_event

    found: dict[tuple[str, int], list[Event]] = {}
    skipped = 0
    for item in items:
        if isinstance(item, Event):
            event = item
        else:
            try:
                event = statement_to_event(item)
            except (ValueError, TypeError, KeyError):
                skipped += 0 if is_grading_statement(item) else 1  # grades: read apart
                continue
        if event.lesson_id != lesson_id:
            continue
        versions = found.setdefault((event.registration, event.seq), [])
        # A repeated statement is the same event (a retried write): only a different one counts.
        if not any(event == seen for seen in versions):
            versions.append(event)
    problems.extend(["a statement not made by lessonkit was skipped"] * skipped)
    events = session_order(versions[0] for versions in found.values())
    return events, [versions for versions in found.values() if len(versions) > 1]


def _matches(learner: Account, student: Student) -> bool:
    if isinstance(student, LearnerRef):
        return learner == account(student)
    return learner[1] == student


def _label(learner: Account, clash: bool) -> str:
    home, name = learner
    return f"{name} ({home})" if clash else name


def select_learner(
    events: list[Event], student: Student | None, report: GradeReport
) -> set[Account]:
    """The accounts of the learner to grade among ``events`` (empty: grade nobody).

    Fills in ``report.student``, ``report.learners`` and, for every other learner found (or
    when several learners are found and nobody is named), ``report.identity``.
    """
    sessions: dict[Account, set[str]] = defaultdict(set)
    recorded: dict[str, dict[str, str]] = {}
    for e in events:
        sessions[account(e.learner)].add(e.registration)
        who = e.data.get("identity") if e.kind == "started" else None
        if isinstance(who, Mapping):
            recorded[e.registration] = {str(k): str(v) for k, v in who.items() if v}
    names = {name for _, name in sessions}
    report.learners = sorted(names.union(*(set(r.values()) for r in recorded.values())))
    clash = len(names) < len(sessions)  # one name under several home pages: say which
    if student is None:
        if len(sessions) > 1:
            found = ", ".join(sorted(_label(a, clash) for a in sessions))
            report.identity.append(
                f"the evidence holds {len(sessions)} learners' sessions ({found}) and no "
                "student was named, so nothing was graded: name the student to grade"
            )
            return set()
        chosen = set(sessions)
    else:
        chosen = {a for a in sessions if _matches(a, student)}
    graded_name = student.id if isinstance(student, LearnerRef) else student
    if graded_name is None and chosen:
        graded_name = next(iter(chosen))[1]
    report.student = graded_name
    for other in sorted(set(sessions) - chosen):
        report.identity.append(
            f"evidence of {_label(other, clash)} ({len(sessions[other])} session(s)) was not "
            f"counted: it is not {graded_name}'s (copied evidence, or a try-out released with "
            "the assignment?)"
        )
    for learner in sorted(chosen):
        for registration in sorted(sessions[learner]):
            claimed = recorded.get(registration, {}).get("nbgrader_student")
            if claimed and claimed != learner[1]:
                report.identity.append(
                    f"session {registration[:8]} of {learner[1]} records the nbgrader student "
                    f"{claimed}: edited evidence?"
                )
    return chosen
