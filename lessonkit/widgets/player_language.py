"""The player's language: one choice for lessonkit's words, the lesson's translation and the
numbers the session reads (a mix-in of :class:`~lessonkit.widgets.player.LessonPlayer`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import StorageError
from ..i18n import Translator, available, direction, translator
from .language import choose_for, language_state

__all__ = ["PlayerLanguage"]


class PlayerLanguage:
    """Choosing and changing the language a player shows its session in."""

    session: Any
    language: str | None
    language_source: str
    t: Translator
    i18n: dict[str, Any]
    input: Any
    _feedback: Any
    _focus: str | None

    if TYPE_CHECKING:  # the player's own

        def _lost_store(self, exc: Exception) -> None: ...

        def refresh(self) -> None: ...

    def adopt(
        self, session: Any, *, choose: bool = False, page: Mapping[str, str] | None = None
    ) -> None:
        """Show ``session`` (a restart, a session taken back), in the player's language; with
        ``choose``, the language is decided again (the learner's profile may name one)."""
        self.session = session
        if choose:
            found = choose_for(session, env=os.environ if page is None else page)
            self.language, self.language_source = found.language, found.source
            self.t = translator(found.language)
        session.use_language(self.language)  # one language: the session's is the page's
        lesson = session.lesson  # its own words: a translation, or the language it is written in
        content = {"lang": lesson.language, "dir": direction(lesson.language)}
        self.i18n = {**language_state(self.t), "content": content}

    def set_language(self, value: Any) -> None:
        """The learner picked a language: show it, and keep it in their profile."""
        if not isinstance(value, str) or value not in available():
            return  # the page can send anything
        if value != self.t.language:
            try:
                self.session.prefer("language", value)
            except StorageError as exc:
                self._lost_store(exc)
            self.language, self.language_source = value, "profile"
            self.t = translator(value)
            self.adopt(self.session)
            self.input = None  # its labels are in the old language
            self._feedback = None
        self._focus = "language"
        self.refresh()
