"""Tokenizer of the condition language, its limits and its syntax error (internal).

Input length and number length are bounded here, so hostile text ends in a clean
:class:`ConditionSyntaxError`, never a slow scan.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

from ...errors import LessonDefinitionError

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "ConditionSyntaxError", "Token", "tokenize"]

MAX_LENGTH = 10_000
"""Longest condition accepted, in characters."""
MAX_DEPTH = 32
"""Deepest nesting of brackets and prefix operators accepted."""
MAX_NUMBER = 64
"""Longest number literal accepted, in characters."""

KEYWORDS = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}
MAPPINGS = ("profile", "choices")
OPERATOR_WORDS = ("and", "or", "not", "in")
COMPARE_OPERATORS = frozenset({"==", "!=", "<", "<=", ">", ">="})

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>==|!=|<=|>=|[<>+\-*/()\[\],.])""",
    re.VERBOSE | re.DOTALL | re.ASCII,
)
_FIELD = re.compile(r"[A-Za-z0-9_]+", re.ASCII)
_ESCAPES = {"n": "\n", "t": "\t"}
_MISTAKES = {
    "=": "'=' is not an operator; use '==' to compare",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "!": "use 'not' instead of '!'",
}


class ConditionSyntaxError(LessonDefinitionError):
    """A condition that cannot be parsed (or names something the language does not have).

    ``message`` says what is wrong and how to fix it; ``offset`` is the 0-based character
    position in the condition text, for the loader to turn into ``file:line:col``.
    """

    def __init__(self, message: str, offset: int, text: str = "") -> None:
        self.message = message
        self.offset = offset
        self.text = text
        shown = text if len(text) <= 80 else text[:77] + "..."
        where = f"condition {shown!r}: " if text else "condition: "
        super().__init__(f"{where}{message} (at character {offset + 1})")

    def __reduce__(self) -> tuple[type[ConditionSyntaxError], tuple[str, int, str]]:
        return (type(self), (self.message, self.offset, self.text))


class Token(NamedTuple):
    """One lexical token: kind ``num``/``str``/``name``/``field``/``op``/``end``."""

    kind: str
    text: str
    offset: int


def suggest(word: str, candidates: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raises :class:`ConditionSyntaxError`."""
    tokens: list[Token] = []
    pos, end = 0, len(text)
    while pos < end:
        prev = tokens[-1] if tokens else None
        if text[pos] == "." and prev and prev.kind == "name" and prev.text in MAPPINGS:
            tokens.append(Token("op", ".", pos))
            field = _FIELD.match(text, pos + 1)
            if field is None:
                raise ConditionSyntaxError(
                    f"expected a field name after '{tokens[-2].text}.'", pos + 1, text
                )
            tokens.append(Token("field", field.group(), pos + 1))
            pos = field.end()
            continue
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ConditionSyntaxError(_bad_character(text, pos), pos, text)
        kind = match.lastgroup or ""
        if kind != "ws":
            if kind == "num" and match.end() - pos > MAX_NUMBER:
                raise ConditionSyntaxError(
                    f"number is too long (more than {MAX_NUMBER} characters)", pos, text
                )
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", end))
    return tokens


def _bad_character(text: str, pos: int) -> str:
    char = text[pos]
    if char in "'\"":
        return f"unterminated string: no closing {char}"
    if char == "=" and text[pos + 1 : pos + 2] in ("<", ">"):
        return f"'={text[pos + 1]}' is not an operator; use '{text[pos + 1]}='"
    if char in _MISTAKES:
        return _MISTAKES[char]
    return f"unexpected character {char!r}"


def unquote(literal: str) -> str:
    """The text of a quoted string literal, escapes resolved."""
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "\\")
            out.append(_ESCAPES.get(nxt, nxt))
        else:
            out.append(char)
    return "".join(out)


def describe(tok: Token) -> str:
    """How an error message names a token."""
    return "the end of the condition" if tok.kind == "end" else repr(tok.text)
