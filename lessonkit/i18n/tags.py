"""Language tags (BCP 47): reading them, picking the best available one, and writing direction.

Tags come from untrusted places (an ``Accept-Language`` header, a ``?lang=`` query, a settings
file), so they are checked against a strict pattern and compared case-insensitively; nothing
else is ever done with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["direction", "negotiate", "normalize", "parse_accept_language"]

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_MAX_TAG = 35
_MAX_HEADER = 1_000
_MAX_RANGES = 20

# Languages written right to left unless their tag names another script, and the scripts
# written right to left (CLDR's character order; a unit test compares both with Babel's data).
_RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "lrc", "mzn", "ps", "sd", "syr", "ug"}
    | {"ur", "yi", "nqo", "ji", "sdh", "bqi", "glk", "khw", "bgn", "skr", "trw", "apc", "rhg"}
    | {"bal"}
)
_RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa"})
_LTR_SCRIPTS = frozenset({"latn", "cyrl", "deva", "guru", "mong", "tfng"})


def normalize(tag: object) -> str | None:
    """``tag`` as a BCP 47 tag (``es_ES`` -> ``es-ES``), or ``None`` if it is not one.

    The language is lower case, a region upper case, a script title case (``zh-Hant``).
    """
    if not isinstance(tag, str):
        return None
    text = tag.strip()
    text = text.split(".", 1)[0].split("@", 1)[0]  # POSIX locales: es_ES.UTF-8@euro
    if not text or len(text) > _MAX_TAG or not _TAG.match(text):
        return None
    parts = text.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def negotiate(preferences: Iterable[object], available: Iterable[str]) -> str | None:
    """The first of ``preferences`` (best first) that ``available`` has, or ``None``.

    A preference matches an available tag exactly (``pt-BR``), or by its language alone
    (``es-MX`` takes ``es``; ``es`` takes ``es-ES`` when that is the only Spanish on offer).
    """
    offered = {t.lower(): t for t in (normalize(a) for a in available) if t}
    by_language: dict[str, str] = {}
    for low, offer in offered.items():
        by_language.setdefault(low.split("-", 1)[0], offer)
    for preference in preferences:
        tag = normalize(preference)
        if tag is None:
            continue
        low = tag.lower()
        if low in offered:
            return offered[low]
        base = low.split("-", 1)[0]
        if base in offered:
            return offered[base]
        if base in by_language:
            return by_language[base]
    return None


def parse_accept_language(header: object) -> list[str]:
    """The language tags of an ``Accept-Language`` header, best first (``q=0`` left out).

    >>> parse_accept_language("de-CH, de;q=0.9, en;q=0.5, *;q=0.1")
    ['de-CH', 'de', 'en']
    """
    if not isinstance(header, str) or not header.strip():
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_RANGES]):
        name, _, params = item.strip().partition(";")
        tag = normalize(name)
        if tag is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def direction(language: object) -> str:
    """``"rtl"`` for a language written right to left (Arabic, Hebrew, Persian...), else
    ``"ltr"``; a script subtag decides where there is one (``pa-Arab`` is right to left)."""
    tag = normalize(language)
    if tag is None:
        return "ltr"
    parts = tag.lower().split("-")
    for part in parts[1:]:
        if part in _RTL_SCRIPTS:
            return "rtl"
        if part in _LTR_SCRIPTS:
            return "ltr"
    return "rtl" if parts[0] in _RTL_LANGUAGES else "ltr"
