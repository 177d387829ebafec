"""Skipping a question that cannot be checked where the learner is.

Code typed in a Voilà page runs on the server; where its operator turned code checking off,
the learner still needs a way on. :func:`skip_question` leaves the question unanswered (no
attempt, no points), records the move as a ``navigated`` event with ``reason`` ``"skipped"``
and ``why`` (e.g. ``"not checked here"``), and lets branching go on as for an unanswered
question (``correct`` is false).
"""

from __future__ import annotations

from typing import Any

from ..errors import SessionStateError
from ..lesson.model import Practice
from .decisions import choose_branch
from .outcomes import Decision, Outcome

__all__ = ["skip_question"]


def skip_question(session: Any, why: str) -> Outcome:
    """Leave ``session``'s current question unanswered because of ``why``."""
    view = session.current
    step = view.step
    if view.question is None or view.record.correct or isinstance(step, Practice):
        raise SessionStateError(f"step {step.id!r} cannot be skipped")
    if step.next is None:
        raise SessionStateError(f"step {step.id!r} has nowhere to go")
    session.state.leave(step.id)
    target, _ = choose_branch(step.next, session.context())
    decision = Decision(from_step=step.id, to_step=target, reason="skipped")
    outcome: Outcome = session._move(step, decision, "skip", why=why)
    return outcome
