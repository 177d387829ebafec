"""A learner who reads Spanish, German or Arabic: the stage checks of :class:`Learner` plus
"no English word lessonkit wrote on the page" and the page's language and direction.

What lessonkit writes comes from its catalog, so the check is built from the catalog itself:
every message whose translation differs from the English must not appear, in English, in the
player's own words — its buttons, labels, status lines, headings and ``aria-*`` texts. The
lesson's own words (its title, steps, options, hints and targeted feedback) are the author's
and stay as written (English in the loops lesson), so those parts of the page are left out.
"""

from __future__ import annotations

import re
from typing import Any

from babel.messages.pofile import read_po

from lessonkit.i18n import LOCALE_DIR, translator
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.units import localize

from .harness import LOOPS
from .play import Learner

LOOPS_LESSON = load_lesson(LOOPS.with_name("loops.lesson.yaml"))

AUTHORED = (
    ".lk-lesson-title, .lk-step-title, .lk-body, .lk-options, .lk-choice label, .lk-item, "
    ".lk-hints li, .lk-solution, .lk-msg-body, .lk-bar-label > span:first-child, "
    ".lk-summary em, .lk-summary > :not(.lk-mastery):not(.lk-score):not(.lk-status):not(h2)"
    ":not(p:has(strong)), .lk-notice code, textarea, select option"
)
"""The lesson author's words in the player (and the language picker's names of languages)."""

_SCRIPT = """([authored]) => {
  const root = document.querySelector('.lk-player');
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(authored) || parent.closest('.lk-echo code')) continue;
    if (parent.closest('[hidden], .lk-sr:empty')) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of root.querySelectorAll('[aria-label], [placeholder], [aria-valuetext]')) {
    if (el.closest(authored) && !el.matches('.lk-bar')) continue;
    for (const name of ['aria-label', 'placeholder', 'aria-valuetext']) {
      const value = el.getAttribute(name);
      if (value && !(name === 'aria-label' && el.matches('.lk-bar'))) out.push(value);
    }
  }
  return out;
}"""


def english_messages(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    """(msgid, pattern) for each English message the language translates differently."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "lessonkit.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            shown = re.sub(r"<[^>]+>", "", msgid).strip()
            if not shown or any(shown == re.sub(r"<[^>]+>", "", s).strip() for s in strings):
                continue  # nothing to see, or the language writes it the same way
            parts = [re.escape(p) for p in re.split(r"\{\w*\}", shown)]
            body = ".+?".join(parts)
            words = len(re.findall(r"[A-Za-z]{2,}", shown))
            if not words:
                continue  # placeholders and signs only: nothing English to see
            pattern = re.compile(body if words > 1 else rf"^{body}$")
            found.append((msgid, pattern))
    return found


class Reader(Learner):
    """A learner in ``lang``: every stage is also checked for lessonkit's English."""

    def __init__(self, page: Any, lang: str, **kwargs: Any) -> None:
        super().__init__(page, **kwargs)
        self.lang = lang
        self.t = translator(lang)
        self.english = english_messages(lang)
        self.lesson = localize(LOOPS_LESSON, lang)
        """The loops lesson as this learner sees it (its Spanish translation; else English)."""

    def _(self, message: str) -> str:
        """A message as this learner sees it."""
        return self.t.gettext(message)

    def stage(self, name: str) -> None:
        super().stage(name)
        player = self.page.locator(".lk-player").first
        lang, direction = player.get_attribute("lang"), player.get_attribute("dir")
        if (lang, direction) != (self.lang, self.t.direction):
            self.problems.append(f"{name}: the player says lang={lang!r} dir={direction!r}")
        for text in self.page.evaluate(_SCRIPT, [AUTHORED]):
            for msgid, pattern in self.english:
                if pattern.search(text):
                    self.problems.append(f"{name}: English on the page: {text!r} ({msgid!r})")

    def shoot(self, name: str) -> None:
        super().shoot(f"{self.lang}-{name}")


__all__ = ["AUTHORED", "LOOPS_LESSON", "Reader", "english_messages"]
