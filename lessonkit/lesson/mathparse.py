"""The grammar of math answers: a tokenizer and parser we own, never Python's ``eval``.

Learners' text (and instructors' ``answer`` strings) becomes a small tree of :class:`Node`
built here from an allow-list; nothing in it is ever handed to ``eval``, ``exec``,
``sympify`` or ``parse_expr``. Grammar, loosest binding first::

    expr    := product (('+' | '-') product)*
    product := signed (('*' | '/') signed | power)*        juxtaposition multiplies: 2x, 2(x+1)
    signed  := ('+' | '-') signed | power                 -x^2 is -(x^2)
    power   := atom [('^' | '**') signed]                 right-associative: x^2^3 = x^(2^3)
    atom    := NUMBER | name | '(' expr ')' | FUNCTION '(' expr [',' expr] ')'
             | FUNCTION signed power*                     sin x, sin 2x, ln x (up to * / + -)

Only ASCII letters, digits, spaces and ``+ - * / ^ ( ) . , _`` are read, after mapping a few
typographic characters (U+2212 minus; U+00D7, U+00B7, U+22C5 times; ``÷``; ``π``; superscript
digits). Nothing is normalised beyond that table (Python's own parser folds identifiers with
NFKC, so ``ᵉval`` would read as ``eval``; here it is an unknown character). A run of letters
is split into the known names it is made of, fewest pieces first: ``xy`` is ``x*y``, ``pir``
is ``pi*r``, ``sinx`` is ``sin(x)``; a run that cannot be split is an unknown name.

Every input is bounded before and while it is read: length, nesting depth, digits in a number,
exponent size and the magnitude of any constant part, so parsing and evaluating take time
proportional to the (short) text, in any thread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from .mathtree import ALIASES, CONSTANTS, FUNCTIONS, MAX_MAGNITUDE, Node, apply, evaluate

__all__ = [
    "COMMA_MESSAGES",
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_CHARS",
    "MathSyntaxError",
    "Node",
    "evaluate",
    "parse_math",
]

MAX_CHARS = 300
"""Longest expression read, in characters."""
MAX_DEPTH = 32
"""Deepest nesting of brackets, function calls, signs and exponents."""
MAX_DIGITS = 40
"""Most digits in one number."""
MAX_POWER = 1_000
"""Largest constant exponent (``x^1000`` is fine, ``x^1001`` and ``9^9^9`` are not)."""

_LISTED = "sin, cos, tan, cot, sec, csc, asin, acos, atan, sinh, cosh, tanh, exp, ln, log, sqrt"
_LISTED += ", abs"
_CHARS = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u03c0": "pi"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),])",
    re.ASCII,
)
_REFUSED = {
    "=": "Please type an expression, not an equation.",
    "<": "Please type an expression, not an inequality.",
    ">": "Please type an expression, not an inequality.",
    "|": "Write an absolute value as abs(x).",
    "[": "Use round brackets ( ) only.",
    "]": "Use round brackets ( ) only.",
    "{": "Use round brackets ( ) only.",
    "}": "Use round brackets ( ) only.",
    "!": "Factorials are not supported.",
}
_INCOMPLETE = "That does not look like a complete expression."
_ARGUMENT_COMMA = "Use a comma only between the arguments of log(x, base)."
_ONE_EXPRESSION = "Please type one expression (commas separate arguments only)."
COMMA_MESSAGES = frozenset({_ARGUMENT_COMMA, _ONE_EXPRESSION})
"""The messages about a misplaced comma (a language with a decimal comma words them its way)."""
_TOO_LARGE = "The numbers in your expression are too large."


class MathSyntaxError(ValueError):
    """The text is not an expression of the grammar; the message says why, for the learner."""


def _make(kind: str, args: Sequence[Node] = (), name: str = "", flags: Sequence[bool] = ()) -> Node:
    """A node; constant parts are evaluated at once, so huge numbers are refused early."""
    if kind == "pow" and args[1].value is not None and abs(args[1].value) > MAX_POWER:
        raise MathSyntaxError(_TOO_LARGE)
    node = Node(kind, tuple(args), name, tuple(flags))
    if not all(a.constant for a in args):
        return node
    value: complex | None = None
    if all(a.value is not None for a in args):
        try:
            value = apply(node, [a.value for a in args if a.value is not None])
        except OverflowError as exc:
            raise MathSyntaxError(_TOO_LARGE) from exc
        except (ArithmeticError, ValueError):
            value = None
    return Node(kind, tuple(args), name, tuple(flags), value, constant=True)


def _describe(char: str) -> str:
    if char.isascii() and char.isprintable() and char not in "`<>&":
        return repr(char)
    return f"U+{ord(char):04X}"


def _prepare(text: str) -> str:
    if len(text) > 10 * MAX_CHARS:  # refused before any copy, however much is whitespace
        raise MathSyntaxError(f"Please keep your expression under {MAX_CHARS} characters.")
    text = text.strip()
    if not text:
        raise MathSyntaxError("Please type an expression.")
    if len(text) > MAX_CHARS:
        raise MathSyntaxError(f"Please keep your expression under {MAX_CHARS} characters.")
    out: list[str] = []
    raised = False  # inside a run of superscript digits: x²³ is x^23
    for char in text:
        digit = _SUPERSCRIPTS.get(char)
        if digit is not None:
            out.append(digit if raised else f"^{digit}")
        else:
            out.append(_CHARS.get(char, char))
        raised = digit is not None
    return "".join(out)


def _split(word: str, known: Mapping[str, str]) -> list[str] | None:
    """``word`` as the fewest known names, or ``None`` (a small dynamic programme)."""
    longest = max(map(len, known), default=0)
    count: list[int | None] = [0] + [None] * len(word)
    back = [0] * (len(word) + 1)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - longest), end):
            before = count[start]
            if before is not None and word[start:end] in known:
                current = count[end]
                if current is None or before + 1 < current:
                    count[end], back[end] = before + 1, start
    if count[-1] is None:
        return None
    names: list[str] = []
    end = len(word)
    while end:
        names.append(word[back[end] : end])
        end = back[end]
    return names[::-1]


def tokenize(text: str, variables: Sequence[str]) -> list[tuple[str, str]]:
    """``(kind, text)`` tokens: ``num``, ``var``, ``const``, ``func``, ``op``; then ``end``."""
    known = {name: "func" for name in FUNCTIONS}
    known.update({name: "const" for name in CONSTANTS})
    known.update({name: "var" for name in variables})
    source = _prepare(text)
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            char = source[pos]
            raise MathSyntaxError(
                _REFUSED.get(char, f"The character {_describe(char)} cannot be used here.")
            )
        pos = match.end()
        kind, piece = match.lastgroup or "", match.group()
        if kind == "num":
            digits = sum(c.isdigit() for c in re.split("[eE]", piece)[0])
            if digits > MAX_DIGITS:
                raise MathSyntaxError("A number in your expression is too long.")
            tokens.append(("num", piece))
        elif kind == "word":
            names = _split(piece, known)
            if names is None:
                raise MathSyntaxError(_unknown(piece, source, pos, variables))
            tokens.extend((known[n], n) for n in names)
        elif kind == "op":
            tokens.append(("op", "^" if piece == "**" else piece))
    tokens.append(("end", ""))
    return tokens


def _unknown(word: str, source: str, end: int, variables: Sequence[str]) -> str:
    shown = word if len(word) <= 20 else word[:19] + "…"
    if source[end:].lstrip().startswith("("):
        return f"Unknown function {shown!r} (you may use {_LISTED})."
    allowed = ", ".join(variables) or "no variables"
    return f"Unknown name {shown!r} (you may use {allowed})."


class _Parser:
    """Recursive descent over the tokens, with a depth budget."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, op: str) -> None:
        kind, text = self.take()
        if (kind, text) != ("op", op):
            if op == ")":
                raise MathSyntaxError("A bracket is not closed.")
            raise MathSyntaxError(_INCOMPLETE)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MathSyntaxError("Your expression is nested too deeply.")

    def starts_atom(self, *, functions: bool = True) -> bool:
        kind, text = self.peek()
        return (
            kind in ("num", "var", "const")
            or (kind, text) == ("op", "(")
            or (functions and kind == "func")
        )

    def expr(self) -> Node:
        terms, minus = [self.product()], [False]
        while self.peek() in (("op", "+"), ("op", "-")):
            minus.append(self.take()[1] == "-")
            terms.append(self.product())
        return terms[0] if len(terms) == 1 else _make("add", terms, flags=minus)

    def product(self) -> Node:
        factors, divide = [self.signed()], [False]
        while True:
            if self.peek() in (("op", "*"), ("op", "/")):
                divide.append(self.take()[1] == "/")
                factors.append(self.signed())
            elif self.starts_atom():
                divide.append(False)
                factors.append(self.power())
            else:
                break
        return factors[0] if len(factors) == 1 else _make("mul", factors, flags=divide)

    def signed(self) -> Node:
        if self.peek() in (("op", "+"), ("op", "-")):
            negative = self.take()[1] == "-"
            self.nest()
            operand = self.signed()
            self.depth -= 1
            return _make("neg", [operand]) if negative else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.take()
            self.nest()
            exponent = self.signed()
            self.depth -= 1
            return _make("pow", [base, exponent])
        return base

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            try:
                value = complex(float(text))
            except OverflowError as exc:  # pragma: no cover - float() gives inf instead
                raise MathSyntaxError(_TOO_LARGE) from exc
            if not math.isfinite(value.real) or abs(value) > MAX_MAGNITUDE:
                raise MathSyntaxError(_TOO_LARGE)
            return Node("num", name=text, value=value, constant=True)
        if kind == "var":
            return Node("var", name=text)
        if kind == "const":
            return Node("const", name=text, value=CONSTANTS[text], constant=True)
        if (kind, text) == ("op", "("):
            self.nest()
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if kind == "func":
            return self.call(ALIASES.get(text, text), text)
        if (kind, text) == ("op", ")"):
            raise MathSyntaxError("A closing bracket has no opening bracket.")
        if (kind, text) == ("op", ","):
            raise MathSyntaxError(_ARGUMENT_COMMA)
        raise MathSyntaxError(_INCOMPLETE)

    def call(self, name: str, written: str) -> Node:
        self.nest()
        if self.peek() == ("op", "^"):
            raise MathSyntaxError(f"Write powers of {written} after it: {written}(x)^2.")
        if self.peek() == ("op", "("):
            self.take()
            args = [self.expr()]
            while self.peek() == ("op", ",") and len(args) < 2:
                self.take()
                args.append(self.expr())
            self.expect(")")
        else:  # sin x, sin 2x, ln x: the argument runs to the next * / + - or function
            factors = [self.signed()]
            while self.starts_atom(functions=False):
                factors.append(self.power())
            one = (
                factors[0]
                if len(factors) == 1
                else _make("mul", factors, flags=[False] * len(factors))
            )
            args = [one]
        self.depth -= 1
        if len(args) == 2 and name != "log":
            raise MathSyntaxError(f"{written} takes one argument.")
        return _make("call", args, name=name)


def parse_math(text: str, variables: Sequence[str] = ()) -> Node:
    """Parse ``text`` with the given variable names; raises :class:`MathSyntaxError`."""
    parser = _Parser(tokenize(text, variables))
    node = parser.expr()
    kind, token = parser.peek()
    if kind != "end":
        if token == ")":
            raise MathSyntaxError("A closing bracket has no opening bracket.")
        if token == ",":
            raise MathSyntaxError(_ONE_EXPRESSION)
        raise MathSyntaxError(_INCOMPLETE)
    return node
