"""Recursive-descent parser of the condition language (internal).

Grammar, loosest binding first (chains of one level are kept flat)::

    expr       := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | comparison
    comparison := sum (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') sum)*
    sum        := product (('+'|'-') product)*
    product    := unary (('*'|'/') unary)*
    unary      := ('-'|'+') unary | primary
    primary    := NUMBER | STRING | 'true' | 'false' | 'none' | '[' [expr (',' expr)* [',']] ']'
                | '(' expr ')' | FUNCTION '(' STRING (',' STRING)* ')'
                | ('profile'|'choices') ('.' FIELD | '[' STRING ']')
                | 'correct' | 'score' | 'attempts' | 'hints' | 'choice' | 'recorded'

Every error carries the 0-based character offset where it was found. Input length, number
length and nesting depth are bounded, so hostile text ends in a clean error, never a
``RecursionError`` or a slow parse.
"""

from __future__ import annotations

from typing import NoReturn

from .lexer import (
    COMPARE_OPERATORS,
    KEYWORDS,
    MAPPINGS,
    MAX_DEPTH,
    MAX_LENGTH,
    OPERATOR_WORDS,
    ConditionSyntaxError,
    Token,
    describe,
    suggest,
    tokenize,
    unquote,
)
from .nodes import (
    FUNCTIONS,
    LAST_RESULT_NAMES,
    Arith,
    BoolOp,
    Call,
    Compare,
    LastResult,
    ListExpr,
    Literal,
    Member,
    Node,
    Not,
    Sign,
)

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "ConditionSyntaxError", "parse_tree"]  # re-exported


class _Parser:
    """One use: ``_Parser(text).parse()``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    # ---------------------------------------------------------------- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, message: str, offset: int | None = None) -> NoReturn:
        where = self.tok.offset if offset is None else offset
        raise ConditionSyntaxError(message, where, self.text)

    def at(self, text: str) -> bool:
        return self.tok.text == text and self.tok.kind in ("op", "name")

    def expect(self, text: str, context: str) -> Token:
        if not self.at(text):
            self.fail(f"expected '{text}' {context}, found {describe(self.tok)}")
        return self.advance()

    def enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"condition is nested too deeply (more than {MAX_DEPTH} levels)", offset)

    # ---------------------------------------------------------------- grammar
    def parse(self) -> Node:
        if self.tok.kind == "end":
            self.fail("empty condition: write an expression such as 'correct'", 0)
        node = self.expr()
        if self.tok.kind != "end":
            hint = " (missing 'and' or 'or'?)" if self.tok.text not in (")", "]") else ""
            self.fail(f"unexpected {describe(self.tok)} after a complete expression{hint}")
        return node

    def expr(self) -> Node:
        start = self.tok.offset
        parts = [self.and_expr()]
        while self.tok.kind == "name" and self.tok.text == "or":
            self.advance()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp(start, "or", tuple(parts))

    def and_expr(self) -> Node:
        start = self.tok.offset
        parts = [self.not_expr()]
        while self.tok.kind == "name" and self.tok.text == "and":
            self.advance()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else BoolOp(start, "and", tuple(parts))

    def not_expr(self) -> Node:
        if self.tok.kind == "name" and self.tok.text == "not":
            start = self.advance().offset
            self.enter(start)
            operand = self.not_expr()
            self.depth -= 1
            return Not(start, operand)
        return self.comparison()

    def comparison(self) -> Node:
        start = self.tok.offset
        first = self.sum()
        rest: list[tuple[str, Node]] = []
        while True:
            tok = self.tok
            if (tok.kind == "op" and tok.text in COMPARE_OPERATORS) or (
                tok.kind == "name" and tok.text == "in"
            ):
                op = self.advance().text
            elif tok.kind == "name" and tok.text == "not" and self.peek().text == "in":
                self.advance()
                self.advance()
                op = "not in"
            else:
                break
            rest.append((op, self.sum()))
        return Compare(start, first, tuple(rest)) if rest else first

    def sum(self) -> Node:
        start = self.tok.offset
        first = self.product()
        rest: list[tuple[str, Node]] = []
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.advance().text
            rest.append((op, self.product()))
        return Arith(start, first, tuple(rest)) if rest else first

    def product(self) -> Node:
        start = self.tok.offset
        first = self.unary()
        rest: list[tuple[str, Node]] = []
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.advance().text
            rest.append((op, self.unary()))
        return Arith(start, first, tuple(rest)) if rest else first

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in ("-", "+"):
            tok = self.advance()
            self.enter(tok.offset)
            operand = self.unary()
            self.depth -= 1
            value = operand.value if isinstance(operand, Literal) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                return Literal(tok.offset, -value if tok.text == "-" else value)  # fold "-1"
            return Sign(tok.offset, tok.text, operand)
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            is_float = any(c in tok.text for c in ".eE")
            return Literal(tok.offset, float(tok.text) if is_float else int(tok.text))
        if tok.kind == "str":
            self.advance()
            return Literal(tok.offset, unquote(tok.text))
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            self.enter(tok.offset)
            node = self.expr()
            self.depth -= 1
            if not self.at(")"):
                self.fail(
                    f"expected ')' to close the '(' at character {tok.offset + 1}, "
                    f"found {describe(self.tok)}"
                )
            self.advance()
            return node
        if tok.kind == "op" and tok.text == "[":
            return self.list_expr()
        if tok.kind == "name":
            return self.name()
        if tok.kind == "end":
            self.fail("unexpected end of the condition: a value is missing")
        self.fail(f"expected a value, found {describe(tok)}")

    def list_expr(self) -> Node:
        start = self.advance().offset
        self.enter(start)
        items: list[Node] = []
        while not self.at("]"):
            if self.tok.kind == "end":
                self.fail(f"expected ']' to close the '[' at character {start + 1}")
            items.append(self.expr())
            if not self.at(","):
                if self.tok.kind == "end":
                    self.fail(f"expected ']' to close the '[' at character {start + 1}")
                if not self.at("]"):
                    self.fail(f"expected ',' or ']' in the list, found {describe(self.tok)}")
                break
            self.advance()
        self.advance()
        self.depth -= 1
        return ListExpr(start, tuple(items))

    def name(self) -> Node:
        tok = self.advance()
        word = tok.text
        if word in KEYWORDS:
            return Literal(tok.offset, KEYWORDS[word])
        if word in OPERATOR_WORDS:
            self.fail(f"'{word}' needs a value before it", tok.offset)
        if self.at("("):
            return self.call(tok)
        if word in LAST_RESULT_NAMES:
            return LastResult(tok.offset, word)
        if word in MAPPINGS:
            return self.member(tok)
        if word in FUNCTIONS:
            what = FUNCTIONS[word].refers_to
            self.fail(f"{word} needs a {what} id: {word}('{what}-id')", tok.offset)
        known = sorted({*LAST_RESULT_NAMES, *FUNCTIONS, *MAPPINGS, *KEYWORDS, *OPERATOR_WORDS})
        hint = suggest(word, known) or " (quote text: 'like this')"
        self.fail(f"unknown name '{word}'{hint}", tok.offset)

    def member(self, tok: Token) -> Node:
        if self.at("."):
            self.advance()
            field = self.advance()
            if field.kind not in ("field", "name", "num"):
                self.fail(f"expected a name after '{tok.text}.'", field.offset)
            return Member(tok.offset, tok.text, field.text, field.offset)
        if self.at("["):
            self.advance()
            key = self.tok
            if key.kind != "str":
                self.fail(f"expected a quoted name in {tok.text}[...], e.g. {tok.text}['my-id']")
            self.advance()
            self.expect("]", f"after {tok.text}[{key.text}")
            return Member(tok.offset, tok.text, unquote(key.text), key.offset)
        example = "profile.interest" if tok.text == "profile" else "choices.pick_topic"
        self.fail(f"'{tok.text}' needs a name after it, e.g. {example}", tok.offset)

    def call(self, tok: Token) -> Node:
        name = tok.text
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name in LAST_RESULT_NAMES or name in MAPPINGS:
                self.fail(f"'{name}' is not a function", tok.offset)
            hint = suggest(name, sorted(FUNCTIONS))
            if not hint:
                hint = f"; functions are: {', '.join(sorted(FUNCTIONS))}"
            self.fail(f"unknown function '{name}'{hint}", tok.offset)
        self.advance()  # "("
        args: list[str] = []
        offsets: list[int] = []
        while not self.at(")"):
            arg = self.tok
            if arg.kind == "str":
                args.append(unquote(arg.text))
                offsets.append(arg.offset)
                self.advance()
            elif arg.kind == "end":
                self.fail(f"expected ')' to close {name}(")
            else:
                example = arg.text if arg.kind in ("name", "num") else f"{spec.refers_to}-id"
                self.fail(
                    f"{name}() takes {spec.refers_to} ids in quotes, e.g. {name}('{example}')"
                )
            if not self.at(","):
                if not self.at(")"):
                    self.fail(f"expected ',' or ')' in {name}(...), found {describe(self.tok)}")
                break
            self.advance()
        self.advance()  # ")"
        count = len(args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            wanted = (
                f"exactly {spec.min_args}"
                if spec.max_args == spec.min_args
                else f"at least {spec.min_args}"
            )
            ids = "id" if spec.min_args == 1 and spec.max_args in (1, None) else "ids"
            self.fail(f"{name}() takes {wanted} {spec.refers_to} {ids}, got {count}", tok.offset)
        return Call(tok.offset, name, tuple(args), tuple(offsets))


def parse_tree(text: str) -> Node:
    """The syntax tree of ``text``; raises :class:`ConditionSyntaxError`."""
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(
            f"condition is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
            MAX_LENGTH,
        )
    return _Parser(text).parse()
