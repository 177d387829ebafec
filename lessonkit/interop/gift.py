"""GIFT files (Moodle's plain-text question format) read into bank items.

The grammar is ``gift.lark`` beside this module (Lark, LALR). As in Moodle, a file is split
into questions at blank lines after dropping ``//`` comment lines; each question is parsed on
its own, so one malformed question is reported (with its line and column) and the rest are
still read. The question type follows Moodle's rules: ``{}`` is an essay, ``{T}``/``{F}``
true/false, ``{#...}`` numerical, ``=`` answers with ``->`` matching, only ``=`` answers short
answer, otherwise multiple choice (several right answers when none is marked ``=``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from .bank import BankAnswer, BankItem, Where, category_path
from .htmltext import TextContext, html_to_markdown, plain_to_markdown

__all__ = ["read_gift", "split_questions"]

_ESCAPE = re.compile(r"\\([~=#{}:\\n])")


@cache
def _parser() -> Any:
    from lark import Lark

    grammar = (Path(__file__).with_name("gift.lark")).read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start=["question", "tf_body", "numeric_body", "answers_body"],
        propagate_positions=True,
    )


def unescape(text: str) -> str:
    """GIFT text with its escapes decoded (``\\n`` is a line break)."""
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def split_questions(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each question: blank lines separate, ``//`` lines are dropped.

    A blank line inside an open answer block does not end the question (Moodle would split
    there and fail), unless the next line plainly starts a new question (``::title::``).
    """
    chunks: list[tuple[int, str]] = []
    lines: list[str] = []
    start = depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if lines and depth <= 0:
                chunks.append((start, "\n".join(lines)))
                lines, depth = [], 0
            continue
        if lines and depth > 0 and line.lstrip().startswith(("::", "$CATEGORY")):
            chunks.append((start, "\n".join(lines)))
            lines, depth = [], 0
        if not lines:
            start = number
        lines.append(line)
        bare = re.sub(r"\\.", "", line)
        depth += bare.count("{") - bare.count("}")
    if lines:
        chunks.append((start, "\n".join(lines)))
    return chunks


class _Reader:
    def __init__(self, source: str, ctx: TextContext) -> None:
        self.source = source
        self.ctx = ctx
        self.category: tuple[str, ...] = ()

    def chunk(self, line: int, text: str) -> BankItem | None:
        from lark.exceptions import LarkError, UnexpectedInput

        where = Where(self.source, line=line)
        try:
            tree = _parser().parse(text, start="question")
            if tree.data == "question":  # $CATEGORY: a/b
                self.category = category_path(str(tree.children[0]).split(":", 1)[1])
                return None
            return self._item(where, tree)
        except UnexpectedInput as exc:
            at = Where(self.source, line=line + exc.line - 1)
            return _broken(at, f"cannot read this GIFT question (column {exc.column})")
        except LarkError as exc:
            return _broken(where, f"cannot read this GIFT question: {exc}")

    def _text(self, raw: str, fmt: str) -> str:
        raw = raw.strip()
        if fmt == "markdown":
            return unescape(raw)
        if fmt == "plain":
            return plain_to_markdown(unescape(raw), self.ctx)
        return html_to_markdown(unescape(raw), self.ctx)

    def _item(self, where: Where, tree: Any) -> BankItem:
        parts = {t.type: str(t) for t in tree.children if hasattr(t, "type")}
        subtrees = {t.data: str(t.children[0]) for t in tree.children if hasattr(t, "data")}
        name = unescape(parts.get("TITLE", "::::")[2:-2]).strip()
        fmt = parts.get("FORMAT", "[moodle]")[1:-1]
        stem = subtrees.get("stem", "")
        tail = subtrees.get("tail", "")
        common: dict[str, Any] = {"where": where, "name": name, "category": self.category}
        if tree.data == "description":
            prompt = self._text(stem, fmt)
            return BankItem(kind="text", source_type="description", prompt=prompt, **common)
        block = parts["BLOCK"][1:-1]
        prompt = self._text(stem, fmt)
        if tail.strip():  # missing-word format: the answer block stands for a blank
            rest = self._text(tail, fmt)
            gap = "" if rest[:1] in tuple(".,;:!?)") else " "
            prompt = f"{prompt} \\_\\_\\_\\_\\_{gap}{rest}".strip()
        item = self._block(block.strip(), fmt, common | {"prompt": prompt})
        notes = self.ctx.take_notes()
        return BankItem(**{**_fields(item), "notes": notes})

    def _block(self, block: str, fmt: str, common: dict[str, Any]) -> BankItem:
        if not block or block.startswith("####"):
            general = self._text(block[4:], fmt) if block else ""
            return BankItem(kind="essay", source_type="essay", general_feedback=general, **common)
        if re.fullmatch(r"(?i:true|false|t|f)(?![^\s#]).*", block, re.S):
            return self._truefalse(block, fmt, common)
        if block.startswith("#") and not block.startswith("####"):
            return self._numeric(block[1:], fmt, common)
        tree = _parser().parse(block, start="answers_body")
        answers, general = self._answers(tree, fmt)
        marks = [a for a in tree.children if getattr(a, "data", "") == "answer"]
        right_marks = [str(a.children[0]) for a in marks]
        extra = {"general_feedback": general, **common}
        extra["shuffle"] = True  # Moodle shuffles GIFT choices and matches by default
        if any(a.match for a in answers):
            return BankItem(kind="matching", source_type="matching", answers=answers, **extra)
        if "~" not in right_marks:
            literal = tuple(replace(a, text=_literal(a.text)) for a in answers)
            return BankItem(kind="shortanswer", source_type="shortanswer", answers=literal, **extra)
        answers = tuple(replace(a, text=self._option(a.text, fmt)) for a in answers)
        return BankItem(
            kind="choice",
            source_type="multichoice",
            answers=answers,
            multiple="=" not in right_marks,
            **extra,
        )

    def _truefalse(self, block: str, fmt: str, common: dict[str, Any]) -> BankItem:
        tree = _parser().parse(block, start="tf_body")
        tokens = [t for t in tree.children]
        value = str(tokens[0]).lower().startswith("t")
        feedbacks = [self._text(str(t)[1:], fmt) for t in tokens if t.type == "FEEDBACK"]
        general = [self._text(str(t)[4:], fmt) for t in tokens if t.type == "GENERAL"]
        wrong = feedbacks[0] if feedbacks else ""
        right = feedbacks[1] if len(feedbacks) > 1 else ""
        answers = (
            BankAnswer(
                text="true", fraction=1.0 if value else 0.0, feedback=right if value else wrong
            ),
            BankAnswer(
                text="false", fraction=0.0 if value else 1.0, feedback=wrong if value else right
            ),
        )
        return BankItem(
            kind="truefalse",
            source_type="truefalse",
            answers=answers,
            general_feedback=general[0] if general else "",
            **common,
        )

    def _answers(
        self, tree: Any, fmt: str, numeric: bool = False
    ) -> tuple[tuple[BankAnswer, ...], str]:
        answers: list[BankAnswer] = []
        general = ""
        for node in tree.children:
            if getattr(node, "type", "") == "GENERAL":
                general = self._text(str(node)[4:], fmt)
            if getattr(node, "data", "") != "answer":
                continue
            tokens = {t.type: str(t) for t in node.children}
            types = [t.type for t in node.children]
            arrow = types.index("ARROW") if "ARROW" in types else len(types)
            before = [str(t) for t in node.children[:arrow] if t.type == "ATEXT"]
            after = [str(t) for t in node.children[arrow:] if t.type == "ATEXT"]
            mark = tokens["MARK"]
            weight = tokens.get("WEIGHT")
            fraction = float(weight[1:-1]) / 100 if weight else (1.0 if mark == "=" else 0.0)
            feedback = self._text(tokens.get("FEEDBACK", "#")[1:], fmt)
            left = before[0] if before else ""
            if "ARROW" in tokens:
                right = after[0] if after else ""
                answers.append(
                    BankAnswer(
                        text=self._option(left, fmt),
                        match=unescape(right).strip(),
                        fraction=fraction,
                    )
                )
                continue
            if numeric:
                answers.append(_number_answer(left, fraction, feedback))
            else:  # the raw text: a literal answer or Markdown, once the type is known
                answers.append(BankAnswer(text=left, fraction=fraction, feedback=feedback))
        return tuple(answers), general

    def _option(self, raw: str, fmt: str) -> str:
        match = re.match(r"\s*\[(html|moodle|plain|markdown)\]", raw)
        if match:
            fmt, raw = match.group(1), raw[match.end() :]
        return self._text(raw, fmt)

    def _numeric(self, body: str, fmt: str, common: dict[str, Any]) -> BankItem:
        tree = _parser().parse(body, start="numeric_body")
        answers: list[BankAnswer] = []
        simple = [t for t in tree.children if getattr(t, "type", "") == "ATEXT"]
        feedback = [t for t in tree.children if getattr(t, "type", "") == "FEEDBACK"]
        if simple:
            fb = self._text(str(feedback[0])[1:], fmt) if feedback else ""
            answers.append(_number_answer(str(simple[0]), 1.0, fb))
        more, general = self._answers(tree, fmt, numeric=True)
        answers.extend(more)
        return BankItem(
            kind="numerical",
            source_type="numerical",
            answers=tuple(answers),
            general_feedback=general,
            **common,
        )


def _number_answer(spec: str, fraction: float, feedback: str) -> BankAnswer:
    spec = unescape(spec).strip()
    if not spec:
        return BankAnswer(fraction=fraction, feedback=feedback, catch_all=True)
    if ".." in spec:
        low, _, high = spec.partition("..")
        try:
            bounds = (float(low), float(high))
        except ValueError:
            return BankAnswer(text=spec, fraction=fraction, feedback=feedback)
        return BankAnswer(text=low.strip(), range=bounds, fraction=fraction, feedback=feedback)
    value, _, tolerance = spec.partition(":")
    try:
        tol = abs(float(tolerance)) if tolerance.strip() else 0.0
    except ValueError:
        tol = 0.0
    return BankAnswer(text=value.strip(), tolerance=tol, fraction=fraction, feedback=feedback)


def _literal(raw: str) -> str:
    """A short answer as typed: escapes decoded, a leading [format] dropped."""
    return unescape(re.sub(r"^\s*\[(html|moodle|plain|markdown)\]", "", raw)).strip()


def _broken(where: Where, reason: str) -> BankItem:
    return BankItem(where=where, kind="unsupported", source_type="GIFT", skip_reason=reason)


def _fields(item: BankItem) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(item, f.name) for f in fields(item)}


def read_gift(data: bytes, source: str, ctx: TextContext) -> list[BankItem]:
    """The questions of a GIFT file, in file order."""
    from .untrusted import BankFileError

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankFileError(
            f"a GIFT file must be UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    reader = _Reader(source, ctx)
    items = []
    for line, chunk in split_questions(text):
        item = reader.chunk(line, chunk)
        if item is not None:
            items.append(item)
    return items
