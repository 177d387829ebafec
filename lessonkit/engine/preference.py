"""Profile fields a learner sets outside a choice step: their language, chosen in the player.

A preference is recorded as a ``chose`` event without a step (``field`` and ``value``), so a
resumed session and the learner's course record (:mod:`lessonkit.course.record`) rebuild it
from evidence alone, like the fields choice steps set.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SessionStateError
from .outcomes import Outcome

__all__ = ["PREFERENCES", "set_preference"]

PREFERENCES = frozenset({"language"})
"""Profile fields a learner may set this way."""
_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,35}$")


def set_preference(session: Any, field: str, value: str) -> Outcome:
    """Set the profile ``field`` of ``session``'s learner to ``value`` and record it."""
    if field not in PREFERENCES:
        raise SessionStateError(f"{field!r} is not a profile field a learner sets here")
    if not isinstance(value, str) or not _VALUE.match(value):
        raise SessionStateError(f"{value!r} is not a value for {field!r}")
    session.state.profile[field] = value
    session._emit("chose", None, value=value, field=field, sets={})
    return Outcome(action="prefer", step_id=session.current_id or "")
