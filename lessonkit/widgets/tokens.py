"""Names for what is on screen: the step token actions carry, the key of a learner's draft."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["draft_key", "step_token"]


def step_token(session: Any) -> str:
    """Identifies what is on screen: the session, the place on the path, the question shown."""
    if not session.started or session.current_id is None:
        return session.registration
    view = session.current
    question = view.question
    parts = [session.registration, str(len(session.path)), view.step.id]
    if question is not None:
        parts += [question.id, str(view.record.variant_seed)]
    if view.practice_progress is not None:
        parts.append(str(view.practice_progress[0]))
    return "|".join(parts)


def draft_key(session: Any) -> str:
    """Where the page keeps the learner's unsent answer for the question on screen."""
    digest = hashlib.sha256(step_token(session).encode("utf-8")).hexdigest()
    return "lessonkit-draft-" + digest[:24]
