"""Profile fields a learner sets outside a choice step: their language, chosen in the player.

A preference is recorded as a ``chose`` event without a step (``field`` and ``value``), so a
resumed session and the learner's course record (:mod:`lessonkit.course.record`) rebuild it
from evidence alone, like the fields choice steps set.

The language is one choice: the one the learner sees lessonkit's own words in is the one the
lesson is shown in (its translation) and the one numbers are read in. :class:`LearnerChoices`
gives a session :meth:`~LearnerChoices.prefer` and :meth:`~LearnerChoices.use_language`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import SessionStateError
from .journal import Journal, action
from .outcomes import Outcome

if TYPE_CHECKING:
    from ..lesson.model import Lesson
    from .state import RunState

__all__ = ["PREFERENCES", "LearnerChoices", "set_preference"]

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


class LearnerChoices:
    """A session's learner-set preferences and its one language."""

    state: RunState
    store: Any
    _journal: Journal
    source: Lesson
    lesson: Lesson
    language: str | None

    @action
    def prefer(self, field: str, value: str) -> Outcome:
        """Set a profile field the learner chooses outside a choice step (``language``)."""
        return set_preference(self, field, value)

    def use_language(self, language: str | None) -> None:
        """From now on show the lesson's translation into ``language`` (where it has one),
        write lessonkit's feedback in it and read numbers its way: the player calls this with
        the language it shows, so the page and the session never disagree.

        Events keep the language shown with them; ``ValueError`` when ``language`` is no tag.
        """
        from ..lesson.units import localize

        if language == self.language:
            return
        lesson = localize(self.source, language)
        self.lesson = self.state.lesson = lesson
        self.language = language
