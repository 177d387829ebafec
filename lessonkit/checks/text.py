"""Short text answers: normalised comparison, alternatives, regular expressions, typos.

Both the response and every accepted answer are normalised the same way: Unicode NFKC,
surrounding whitespace stripped and inner runs collapsed, case folded (unless
``case_sensitive``), accents removed (when ``ignore_accents``) and a trailing full stop
dropped. Patterns must match the whole normalised response; they run on the ``regex`` engine
(Python ``re`` syntax) with a time limit, so a pattern prone to catastrophic backtracking cannot
hang the kernel: the answer is then "not understood" (no attempt used) and the author warned.
Fuzzy matching uses :class:`difflib.SequenceMatcher` (standard library) on answers up to 200
characters.
"""

from __future__ import annotations

import difflib
import unicodedata
import warnings
from functools import lru_cache
from typing import Any

import regex

from ..i18n import translator
from ..lesson.specs import Text
from .dispatch import CheckerWarning
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec", "normalise"]

_MAX_CHARS = 2_000  # longer responses are refused: bounded regex and fuzzy work
_FUZZY_MAX = 200
_HUGE_INT = 10**_MAX_CHARS  # its digits alone would be too long; str() of it may be refused
_PATTERN_SECONDS = 0.25  # per pattern; the regex engine checks its clock as it backtracks


def normalise(text: str, *, case_sensitive: bool = False, ignore_accents: bool = True) -> str:
    """The comparison form of ``text`` (see the module docstring)."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if not case_sensitive:
        text = text.casefold()
    if ignore_accents:
        decomposed = unicodedata.normalize("NFKD", text)
        text = unicodedata.normalize(
            "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
        )
    return text.removesuffix(".").rstrip()


@lru_cache(maxsize=256)
def _compiled(pattern: str, case_sensitive: bool) -> Any:
    return regex.compile(pattern, 0 if case_sensitive else regex.IGNORECASE)


def check_spec(spec: Text, response: Any, *, language: str | None = None, **_: Any) -> CheckResult:
    """Check a text response (see the module docstring)."""
    t = translator(language)
    too_long = t.ngettext(
        "Please keep your answer under {n} character.",
        "Please keep your answer under {n} characters.",
        _MAX_CHARS,
    ).format(n=t.number(_MAX_CHARS))
    if isinstance(response, bool) or response is None:
        return not_understood(response, t.gettext("Please type an answer."))
    if isinstance(response, int) and abs(response) >= _HUGE_INT:
        return not_understood(response, too_long)
    if isinstance(response, (int, float)):
        response = str(response)
    if not isinstance(response, str):
        return not_understood(response, t.gettext("Please type your answer as text."))
    if len(response) > _MAX_CHARS:
        return not_understood(response, too_long)
    opts = {"case_sensitive": spec.case_sensitive, "ignore_accents": spec.ignore_accents}
    given = normalise(response, **opts)
    if not given:
        return not_understood(response, t.gettext("Please type an answer."))
    text = response.strip()
    accepted = [normalise(a, **opts) for a in spec.answers()]
    if given in accepted:
        return make_result(response, correct=True, text=text)
    for pattern in spec.patterns():
        # patterns see the normalised text; case is handled by the flag, not by folding
        subject = normalise(response, case_sensitive=True, ignore_accents=spec.ignore_accents)
        try:
            matched = _compiled(pattern, spec.case_sensitive).fullmatch(
                subject, timeout=_PATTERN_SECONDS
            )
        except TimeoutError:
            warnings.warn(
                f"text check pattern {pattern[:60]!r} took too long on a response; "
                "simplify it (nested repetition such as (a|aa)+ backtracks)",
                CheckerWarning,
                stacklevel=2,
            )
            return not_understood(
                response,
                t.gettext("This answer could not be checked in time; please tell your teacher."),
            )
        if matched:
            return make_result(response, correct=True, text=text)
    if spec.fuzzy is not None and len(given) <= _FUZZY_MAX:
        best, best_ratio = "", 0.0
        for answer, original in zip(accepted, spec.answers(), strict=True):
            ratio = difflib.SequenceMatcher(None, given, answer, autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = original, ratio
        if best_ratio >= spec.fuzzy:
            note = (
                ""
                if best_ratio == 1
                else t.gettext("Accepted — watch the spelling: {answer}").format(answer=best)
            )
            return make_result(
                response, correct=True, feedback=note, text=text, similarity=best_ratio
            )
    return make_result(response, correct=False, text=text)
