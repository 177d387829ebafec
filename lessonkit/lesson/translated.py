"""A lesson's translation into one language, as frozen data (read from a sidecar file).

A translation holds, for each piece of text the author wrote that a learner sees (a *unit*:
a step's prompt, a hint, an option's label...; see :mod:`.units`), the translated text and the
fingerprint of the source text it was made from. When the source text changes, its
fingerprint no longer matches and the translation is *stale*: still shown (better than
nothing), and reported by ``lessonkit validate``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["LANGUAGE_TAG", "Entry", "Key", "Translation", "fingerprint", "same_language"]

Key = tuple[str | int, ...]
"""Where a unit is, in a translation file: ``("steps", "q1", "hints", 0)``."""

LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
"""A BCP 47 language tag, as lesson and translation files write it (``es``, ``pt-BR``)."""


def fingerprint(text: str) -> str:
    """A short fingerprint of a source text (8 hex digits of its SHA-256, after Unicode NFC):
    stored beside each translation so that a changed source is noticed."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:8]


def same_language(a: str, b: str) -> bool:
    """Whether two tags name the same language (case and ``_``/``-`` do not matter)."""
    return a.replace("_", "-").lower() == b.replace("_", "-").lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One translated unit."""

    text: str | tuple[str, ...]
    """The translation (for a text check's ``answer``/``regex``: the accepted answers or
    patterns in this language, added to the lesson's own)."""
    source: str
    """:func:`fingerprint` of the source text this translation was made from."""
    stale: bool = False
    """Marked for review (``stale: true``, written by ``lessonkit translate update``)."""

    @property
    def empty(self) -> bool:
        """Not translated yet (an empty text in a skeleton)."""
        return not self.text if isinstance(self.text, tuple) else not self.text.strip()


@dataclass(frozen=True, slots=True, kw_only=True)
class Translation:
    """A lesson in one more language."""

    language: str
    """BCP 47 tag of the language translated into."""
    entries: Mapping[Key, Entry] = field(default_factory=dict)
    """Translated units by key."""
    path: str = ""
    """The file it was read from, if any."""
