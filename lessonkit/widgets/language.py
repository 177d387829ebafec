"""The player's language: which one applies, what the page script needs, and the picker.

The page script (``static/player.js``) reads the same catalog as the kernel: it marks its
words ``_("Check")``, and the kernel sends it the translations of exactly those messages
(:data:`PAGE_MESSAGES`, found in the script when this module loads) with the language's tag
and writing direction. There is no second copy of any translation in the script.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..i18n import Translator, available, translator
from ..i18n.choice import LanguageChoice, choose_language, environment_preferences

__all__ = ["PAGE_MESSAGES", "choose_for", "endonym", "language_state"]

_SCRIPT = Path(__file__).with_name("static") / "player.js"
_MARKED = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"\)')


def _page_messages(source: str) -> tuple[str, ...]:
    """The messages the script marks with ``_("...")`` (as Babel's extractor finds them)."""
    return tuple(dict.fromkeys(json.loads(f'"{raw}"') for raw in _MARKED.findall(source)))


PAGE_MESSAGES = _page_messages(_SCRIPT.read_text(encoding="utf-8"))
"""The messages the player's page script shows."""


def endonym(language: str) -> str:
    """The language's name in itself (``Español``), as its own catalog writes it."""
    return translator(language).pgettext("the name of this language, in this language", "English")


@lru_cache(maxsize=16)
def _state(language: str) -> dict[str, Any]:
    t = translator(language)
    return {
        "lang": t.language,
        "dir": t.direction,
        "messages": t.messages(PAGE_MESSAGES),
        "languages": [{"tag": tag, "name": endonym(tag)} for tag in available()],
    }


def language_state(t: Translator) -> dict[str, Any]:
    """What the page needs for ``t``'s language: ``lang``, ``dir``, ``messages`` (msgid ->
    translation, only those that differ) and ``languages`` (``[{tag, name}]`` to pick from)."""
    state = _state(t.language)
    return {**state, "messages": dict(state["messages"]), "languages": list(state["languages"])}


def choose_for(
    session: Any, explicit: str | None = None, env: Mapping[str, str] = os.environ
) -> LanguageChoice:
    """The language for ``session``'s learner (see :mod:`lessonkit.i18n.choice`): the author's
    ``explicit`` choice, the learner's profile, the page, JupyterLab, the browser, the lesson."""
    profile = getattr(session, "profile", None) or {}
    lesson = getattr(session, "source", session.lesson)
    # A language the lesson is translated into counts even without a catalog of lessonkit's
    # own words (those then stay English): the lesson is what the learner came to read.
    offered = {*available(), lesson.language, *getattr(lesson, "translations", {})}
    return choose_language(
        explicit=explicit,
        profile=profile.get("language"),
        lesson=lesson.language,
        offered=sorted(offered),
        **environment_preferences(env),
    )
