"""Numbers: absolute/relative tolerance, significant figures, ranges and units.

Accepted input (documented in docs/checks.md):

- Python-style numbers: ``42``, ``-3.5``, ``1e3``, ``6.02E23``, ``.5``; a Unicode minus.
- Scientific notation written by hand: ``6.02x10^23``, ``6.02\u00d710^23``, ``6.02*10**23``.
- Simple fractions ``3/4`` and ``-1/3``.
- Thousands separators: commas in groups of three (``1,000,000.5``). Any other single comma is
  a decimal comma (``3,14`` is 3.14), so ``1,5`` means one and a half.
- A unit after the number (``9.8 m/s^2``) when the spec has ``units``; spaces, ``**`` and
  ``·`` are normalised, but units are not converted (``980 cm/s^2`` is a wrong unit).

``nan`` and ``inf`` are read, and are wrong (never a crash); text that is no number at all is
"not understood" and does not cost an attempt.

These are the English rules. A learner of another language (the session's, else the lesson's)
writes numbers that language's way: ``3,5`` and ``1.234,5`` in German, Arabic-Indic digits in
Arabic (see :mod:`.numerals`); the instructor's ``answer`` is always read the English way.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..lesson.specs import Numeric
from .numerals import NumberFormat, english_reading, number_format
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec", "parse_number"]

_MAX_CHARS = 200
_EPS = 1e-9  # relative slack so that a computed 0.1 + 0.2 still equals a typed 0.3
_NUM = r"[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_SCI = re.compile(rf"^({_NUM})\s*(?:[x×*]|\\times)\s*10\s*(?:\^|\*\*)\s*\(?([+-]?\d+)\)?")
_FRACTION = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)(?![\d.])")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\d,])")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?(?![\d,])")
_PLAIN = re.compile(rf"^(?:{_NUM}|[+-]?(?:nan|inf(?:inity)?))", re.IGNORECASE)
_UNIT_SUBS = (("**", "^"), ("·", "*"), ("⋅", "*"), ("²", "^2"), ("³", "^3"), ("µ", "μ"))


def _clean(text: str) -> str:
    return text.strip().replace("\u2212", "-").replace("\u2009", "").replace("\xa0", " ")


def parse_number(text: str, fmt: NumberFormat | None = None) -> tuple[float, str] | None:
    """Split ``text`` into a float and the rest (a unit); ``None`` when no number leads it.

    ``fmt`` is how the learner's language writes numbers (:func:`.numerals.number_format`);
    ``None`` reads English.
    """
    text, commas = english_reading(text, fmt)
    return _parse(_clean(text), commas)


def _parse(text: str, commas: bool) -> tuple[float, str] | None:
    if m := _SCI.match(text):
        exponent = int(m.group(2)) if len(m.group(2)) < 6 else 99_999
        return float(f"{m.group(1)}e{exponent}"), text[m.end() :]
    if m := _FRACTION.match(text):
        if int(m.group(2)) == 0:
            return None
        return float(Fraction(int(m.group(1)), int(m.group(2)))), text[m.end() :]
    if commas and (m := _GROUPED.match(text)):
        return float(m.group(0).replace(",", "")), text[m.end() :]
    if commas and (m := _DECIMAL_COMMA.match(text)):
        return float(m.group(0).replace(",", ".")), text[m.end() :]
    if m := _PLAIN.match(text):
        if "__" in m.group(0) or m.group(0).endswith("_"):
            return None
        return float(m.group(0)), text[m.end() :]
    return None


def _unit_ok(rest: str) -> bool:
    """A unit follows the number after a space or starts with a letter or symbol."""
    rest = rest.lstrip()
    return not rest or rest[0].isalpha() or rest[0] in "%°$€£/"


def _unit(text: str) -> str:
    for old, new in _UNIT_SUBS:
        text = text.replace(old, new)
    return "".join(text.split())


def _please(fmt: NumberFormat | None) -> str:
    examples = fmt.example() if fmt else "42, -3.5 or 1.2e3"
    return f"Please enter a number, like {examples}."


def _value_of(response: Any, fmt: NumberFormat | None = None) -> tuple[float, str] | str:
    """``(value, unit)``, or a message explaining why the response is not a number."""
    if isinstance(response, bool) or response is None:
        return "Please enter a number."
    if isinstance(response, (int, float, Decimal, Fraction)):
        try:
            return float(response), ""
        except OverflowError:
            return (math.inf if response > 0 else -math.inf), ""
    if not isinstance(response, str):
        try:  # numpy scalars and other real numbers
            return float(response), ""
        except Exception:
            return "Please enter a number."
    if len(response) > _MAX_CHARS:
        return "That is too long to be a number."
    parsed = parse_number(response, fmt)
    if parsed is None:
        return _please(fmt)
    value, rest = parsed
    if not _unit_ok(rest):
        return _please(fmt)
    return value, _unit(rest)


def _round_sig(value: float, figures: int) -> float:
    return float(f"{value:.{figures}g}") if value else 0.0


def _target(spec: Numeric) -> float | None:
    if spec.answer is None:
        return None
    if isinstance(spec.answer, str):
        parsed = parse_number(spec.answer)
        if parsed is None or parsed[1].strip():
            raise ValueError(f"numeric answer {spec.answer!r} is not a number")
        return parsed[0]
    return float(spec.answer)


def _matches(spec: Numeric, value: float, target: float | None) -> bool:
    if spec.range is not None:
        low, high = spec.range
        if low <= value <= high:
            return True
    if target is None:
        return False
    if spec.sig_figs:
        value, target = _round_sig(value, spec.sig_figs), _round_sig(target, spec.sig_figs)
    allowed = spec.tolerance + max(spec.relative_tolerance, _EPS) * abs(target)
    return abs(value - target) <= allowed


def check_spec(
    spec: Numeric, response: Any, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Check a numeric response (see the module docstring), written as learners of
    ``language`` write numbers."""
    read = _value_of(response, number_format(language))
    if isinstance(read, str):
        return not_understood(response, read)
    value, unit = read
    text = response.strip() if isinstance(response, str) else repr(value)
    want = _unit(spec.units)
    if unit and not want:
        return not_understood(response, "Please enter just a number, without a unit.")
    if want and not unit and spec.require_units:
        return not_understood(response, f"Please give the unit as well (e.g. 12 {spec.units}).")
    if not math.isfinite(value):
        return make_result(
            response, correct=False, feedback="That is not a finite number.", text=text
        )
    details: dict[str, Any] = {"value": value}
    if unit:
        details["unit"] = unit
        if unit != want:
            return make_result(
                response,
                correct=False,
                feedback=f"Check your unit: {unit!r} is not the unit asked for.",
                text=text,
                **details,
            )
    target = _target(spec)
    if _matches(spec, value, target):
        return make_result(response, correct=True, text=text, **details)
    feedback = ""
    if value and _matches(spec, -value, target):
        feedback = "Check the sign of your answer."
    return make_result(response, correct=False, feedback=feedback, text=text, **details)
