"""Languages: message catalogs (gettext, compiled with Babel), choosing a learner's language,
writing right to left, and numbers and dates as the learner's locale writes them.

Every word lessonkit itself shows goes through a :class:`Translator` for one language::

    >>> from lessonkit.i18n import translator
    >>> t = translator("es")
    >>> t.gettext("Correct!")
    '¡Correcto!'
    >>> t.ngettext("{n} attempt left", "{n} attempts left", 2).format(n=2)
    'Quedan 2 intentos'

A translator is chosen per call, never set globally: a kernel may serve one learner, but the
course service answers many learners at once, each in their own language. Messages are
English in the source (the ``msgid``); the catalogs live in ``lessonkit/i18n/locale``
(``./dev.sh i18n`` extracts, updates and compiles them; docs/languages.md).

Layer: the lowest but one (only :mod:`lessonkit.errors` is below it), so the checks can
translate the feedback they write. Babel is imported only to format numbers and dates in a
language other than English.
"""

from .catalog import DOMAIN, LOCALE_DIR, N_, SOURCE_LANGUAGE, Translator, available, translator
from .tags import direction, negotiate, normalize, parse_accept_language

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Translator",
    "available",
    "direction",
    "negotiate",
    "normalize",
    "parse_accept_language",
    "translator",
]
