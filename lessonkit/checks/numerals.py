"""Numbers as learners write them: the decimal mark, digit grouping and digits of a language.

A numeric or expression answer is read with the conventions of the learner's language (the
session's language, else the lesson's). The rules, one reading for every input:

- **English** (``en``, or no language): exactly as before this module existed (see
  :mod:`.numeric`: ``1,000`` is a thousand, a lone ``1,5`` is one and a half; in an expression
  ``1,5`` is not an expression, and ``log(8, 2)`` has two arguments).
- **Other languages** first read any Unicode decimal digits as 0-9 (Arabic-Indic U+0660 to
  U+0669, Extended Arabic-Indic, Devanagari, full-width...), the Arabic decimal separator
  U+066B as the decimal mark and the Arabic thousands separator U+066C as the group mark, and
  drop bidirectional marks (an Arabic minus sign often comes with one).
- **A language whose decimal mark is a comma** (``es``, ``de``, ``fr``, ``pt``...): a comma is
  the decimal mark (``3,5`` is 3.5). The language's group mark separates groups of exactly
  three digits before it (``1.234.567,5`` in de; ``1 234,5`` with a space or narrow no-break
  space in fr); a first group never starts with 0. A point that is not such grouping is a
  decimal point, as programmers write (``3.5``, ``0.250``), so ``1.500`` is one thousand five
  hundred (the language's reading) and ``1.5`` one and a half. A comma never groups digits.
  In an expression, a comma between two digits is a decimal comma (``log(8,2)`` is
  ``log(8.2)``); arguments are separated with ``;`` (``log(8; 2)``) or with a comma that is
  not between digits (``log(x, 2)``).
- **A language whose decimal mark is a point** (``ar`` (Latin digits), ``ja``, ``hi``...):
  English rules after the digits are read (in Arabic-Indic digits, one, U+066C, two, three,
  four, U+066B, five is 1234.5).

The symbols of ``en``, ``es``, ``de``, ``fr``, ``pt``, ``it`` and ``ar`` are in a small table
(CLDR's, checked against Babel by a test), so reading their numbers loads no locale data; other
tags ask Babel (imported on first use, never at ``import lessonkit``), and a tag Babel does not
know reads as its base language, else as English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "NumberFormat",
    "comma_message",
    "english_reading",
    "expression_text",
    "number_format",
]

_TABLE: dict[str, tuple[str, str]] = {
    "en": (".", ","),
    "es": (",", "."),
    "de": (",", "."),
    "fr": (",", "\u202f"),
    "pt": (",", "."),
    "it": (",", "."),
    "ar": (".", ","),
}
"""(decimal mark, group mark) with Latin digits, from CLDR, by exact language tag."""

_BIDI: dict[int, None] = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
"""Bidirectional marks, dropped from numbers (CLDR's Arabic minus sign carries one)."""
_SPACES = "\u202f\u00a0 "


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How numbers are written in one language (its Latin-digit symbols)."""

    language: str
    """The normalised language tag (``de``, ``es-mx``)."""
    decimal: str
    """The decimal mark: ``.`` or ``,`` (U+066B is always read as the decimal mark too)."""
    group: str
    """The digit-group mark: ``,``, ``.``, a space (U+202F, U+00A0), ``’``..."""
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = re.escape(self.group)
        if self.group in _SPACES:
            groups = "[ \u202f]"  # a plain space is typed for a narrow no-break space
        decimal = re.escape(self.decimal)
        number = (
            rf"(?P<int>(?P<grouped>[1-9]\d{{0,2}}(?:{groups}\d{{3}})+)|\d+)?"
            rf"(?:{decimal}(?P<frac>\d+))?(?P<exp>[eE][+-]?\d+)?"
        )
        object.__setattr__(self, "_pattern", re.compile(number, re.ASCII))

    @property
    def english(self) -> bool:
        """English symbols (a point for decimals, commas between groups): English rules."""
        return self.decimal == "." and self.group == ","

    def prepare(self, text: str) -> str:
        """``text`` with every decimal digit as 0-9, the Arabic decimal and thousands
        separators as this language's marks and bidirectional marks dropped."""
        text = text.translate(_BIDI)
        if text.isascii():
            return text
        out = []
        for char in text:
            if char == "\u066b":
                out.append(self.decimal)
            elif char == "\u066c":
                out.append(self.group)
            elif not char.isascii() and char.isdecimal():
                out.append(str(unicodedata.decimal(char)))
            else:
                out.append(char)
        return "".join(out)

    def leading_number(self, text: str, start: int = 0) -> tuple[str, int] | None:
        """The number written in this language's own form at ``text[start:]`` (grouped, or
        with a decimal comma) as Python-style text, and where it ends; ``None`` when the text
        there is not in that form (plain ``42`` or ``3.5`` are left to the English rules)."""
        m = self._pattern.match(text, start)
        if m is None or not (m.group("int") or m.group("frac")):
            return None
        if m.group("grouped") is None and (m.group("frac") is None or self.decimal == "."):
            return None
        if m.end() < len(text) and (text[m.end()].isdigit() or text[m.end()] in ".,"):
            return None  # 1.2345 or 1,2,3: not a number of this form
        whole = re.sub(r"\D", "", m.group("int") or "") or "0"
        frac = f".{m.group('frac')}" if m.group("frac") is not None else ""
        return whole + frac + (m.group("exp") or ""), m.end()

    def example(self) -> str:
        """Examples of numbers written this way, for a "please enter a number" message."""
        if self.english:
            return "42, -3.5 or 1.2e3"
        grouped = f"1{self.group}234{self.decimal}5"
        return f"42, -3{self.decimal}5 or {grouped}"


def _normalise_tag(language: str) -> str:
    return language.strip().replace("_", "-").lower()


@lru_cache(maxsize=64)
def number_format(language: str | None) -> NumberFormat | None:
    """How learners of ``language`` (a BCP 47 tag) write numbers; ``None`` for English or no
    language, which keep lessonkit's English rules exactly."""
    if not language:
        return None
    tag = _normalise_tag(language)
    base = tag.split("-", 1)[0]
    if base == "en":
        return None
    symbols = _TABLE.get(tag) or _babel_symbols(tag) or _TABLE.get(base) or _TABLE["en"]
    return NumberFormat(language=tag, decimal=symbols[0], group=symbols[1])


def _babel_symbols(tag: str) -> tuple[str, str] | None:
    """CLDR's Latin-digit symbols of ``tag`` through Babel; ``None`` if it has none."""
    try:
        from babel import Locale, UnknownLocaleError
        from babel.numbers import get_decimal_symbol, get_group_symbol
    except ImportError:  # pragma: no cover - Babel is a dependency
        return None
    try:
        locale = Locale.parse(tag, sep="-")
        decimal = get_decimal_symbol(locale, numbering_system="latn")
        group = get_group_symbol(locale, numbering_system="latn")
    except (UnknownLocaleError, ValueError, KeyError):
        return None
    if decimal not in (".", ","):  # a mark that is neither: read it as the point it means
        decimal = "."
    return decimal, group


def english_reading(text: str, fmt: NumberFormat | None) -> tuple[str, bool]:
    """A numeric answer ``text`` rewritten so that the English rules read what the learner
    meant in ``fmt``'s language, and whether those rules may read commas (``False`` in a
    language where a comma is never a group mark)."""
    if fmt is None:
        return text, True
    text = fmt.prepare(text.strip().replace("\u2009", "").replace("\xa0", " "))
    if fmt.english:
        return text, True
    sign = text[:1] if text[:1] in "+-\u2212" else ""
    found = fmt.leading_number(text, len(sign))
    if found is None:
        return text, False
    number, end = found
    return sign + number + text[end:], False


_LITERAL_START = re.compile(r"(?<![\w.,])\d|(?<![\w.,\d])[.,]\d", re.ASCII)
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")


def expression_text(text: str, fmt: NumberFormat | None) -> str:
    """An expression answer ``text`` in the grammar's notation (points for decimals, commas
    between arguments): numbers in ``fmt``'s own form become Python-style, and in a language
    with a decimal comma ``;`` separates arguments. English (``None``) is left as it is."""
    if fmt is None:
        return text
    text = fmt.prepare(text)
    if fmt.english:
        return text
    out: list[str] = []
    pos = 0
    for m in _LITERAL_START.finditer(text):
        if m.start() < pos:
            continue
        found = fmt.leading_number(text, m.start())
        if found is None:
            continue
        out.append(text[pos : m.start()])
        out.append(found[0])
        pos = found[1]
    out.append(text[pos:])
    text = "".join(out)
    if fmt.decimal == ",":
        if _DIGIT_COMMA.search(text):
            from ..lesson.mathparse import MathSyntaxError

            # a comma left between two digits is no number of this form (1,2,3): refused
            # rather than read as a separator of arguments
            raise MathSyntaxError(comma_message(fmt))
        text = text.replace(";", ",")
    return text


def comma_message(fmt: NumberFormat) -> str:
    """What to tell a learner who used commas in a way ``fmt``'s language does not read."""
    return (
        f"Write a decimal number with one comma (3{fmt.decimal}5) and separate the arguments "
        "of a function with a semicolon: log(x; 2)."
    )
