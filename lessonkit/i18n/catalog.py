"""Message catalogs: one compiled gettext catalog (``.mo``) per language, read with the
standard library, and :class:`Translator`, which translates and formats for one language.

The catalogs are ``locale/<language>/LC_MESSAGES/lessonkit.mo`` beside this module, compiled
from the ``.po`` files next to them (``./dev.sh i18n``); English is the source language and
needs none. Plural forms follow each catalog's ``Plural-Forms`` header (six for Arabic).
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from .tags import direction, negotiate, normalize

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Translator",
    "available",
    "translator",
]

DOMAIN = "lessonkit"
"""The gettext domain: ``lessonkit.po`` / ``lessonkit.mo``."""
LOCALE_DIR = Path(__file__).with_name("locale")
"""Where the catalogs are: ``<language>/LC_MESSAGES/lessonkit.{po,mo}`` and ``lessonkit.pot``."""
SOURCE_LANGUAGE = "en"
"""The language messages are written in (the ``msgid``)."""


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark ``message`` for extraction without translating it (a constant translated where it
    is shown, with the learner's translator)."""
    return message


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """The languages lessonkit speaks: English and every language with a compiled catalog."""
    found = {SOURCE_LANGUAGE}
    if LOCALE_DIR.is_dir():
        for mo in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"):
            tag = normalize(mo.parent.parent.name)
            if tag is not None:
                found.add(tag)
    return tuple(sorted(found))


class Translator:
    """Messages, numbers and dates for one language.

    Use :func:`translator` to get one; the methods have the names gettext gives them, so
    ``pybabel extract`` finds the messages (``t.gettext("Check")``, ``t.ngettext(...)``).
    Messages use ``{name}`` placeholders, filled with ``str.format`` after translation.
    """

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        """The BCP 47 tag of the catalog (``"es"``)."""
        self.direction = direction(language)
        """``"rtl"`` or ``"ltr"``: how the language is written."""
        self._catalog = catalog

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    # ------------------------------------------------------------------ messages

    def gettext(self, message: str) -> str:
        """``message`` in this language (the English text if it has no translation)."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a message for the count ``n`` (the language's plural rules)."""
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` in this language, told apart from the same English text by ``context``."""
        return self._catalog.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """:meth:`ngettext` with a context."""
        return self._catalog.npgettext(context, singular, plural, n)

    def messages(self, msgids: Iterable[str]) -> dict[str, str]:
        """The translations of ``msgids`` that differ from the English (for the page's script)."""
        out: dict[str, str] = {}
        for msgid in msgids:
            text = self.gettext(msgid)
            if text != msgid:
                out[msgid] = text
        return out

    # ------------------------------------------------------------------ formats

    def number(self, value: float) -> str:
        """``value`` as the language writes it (``3,5`` in German), up to three decimals."""
        if self.language == SOURCE_LANGUAGE:
            return _english_number(value)
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=self._babel_locale))

    def percent(self, fraction: float) -> str:
        """``fraction`` (0..1) as a whole percentage: ``42%`` in English, ``42 %`` in German."""
        if self.language == SOURCE_LANGUAGE:
            return f"{round(100 * fraction)}%"
        from babel.numbers import format_percent

        return str(format_percent(round(100 * fraction) / 100, locale=self._babel_locale))

    def date(self, value: dt.date | dt.datetime, length: str = "medium") -> str:
        """A date as the language writes it (``12 feb 2027``; ``length``: short, medium, long)."""
        from babel.dates import format_date

        day = value.date() if isinstance(value, dt.datetime) else value
        return str(format_date(day, format=length, locale=self._babel_locale))

    def join(self, items: Sequence[str]) -> str:
        """Items as a phrase: ``a, b and c`` (``a, b y c`` in Spanish)."""
        if len(items) <= 1:
            return "".join(items)
        if self.language == SOURCE_LANGUAGE:  # lessonkit's English: no serial comma
            return ", ".join(items[:-1]) + " and " + items[-1]
        from babel.lists import format_list

        return str(format_list(list(items), locale=self._babel_locale))

    @property
    def _babel_locale(self) -> str:
        return self.language.replace("-", "_")


def _english_number(value: float) -> str:
    """Babel's English decimal format (``#,##0.###``) without importing Babel."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=32)
def _load(language: str) -> Translator:
    if language == SOURCE_LANGUAGE:
        return Translator(language, gettext.NullTranslations())
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        return Translator(language, gettext.GNUTranslations(handle))


def translator(language: str | None = None) -> Translator:
    """The :class:`Translator` for ``language`` (a BCP 47 tag such as ``"es"`` or ``"de-AT"``).

    The closest available catalog is used (``es-MX`` gets ``es``); a language lessonkit does
    not speak, or ``None``, gets English. Translators are cached and safe to share.
    """
    chosen = negotiate([language], available()) if language else None
    return _load(chosen or SOURCE_LANGUAGE)
