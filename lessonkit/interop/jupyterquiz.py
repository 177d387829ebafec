"""JupyterQuiz question files (a JSON list of questions) read into bank items.

Types: ``multiple_choice`` (one right answer), ``many_choice`` (several), ``numeric``
(``value`` and ``range`` answers, ``precision`` in significant digits, a ``default`` answer's
feedback) and ``string`` (answers, ``match_case``, ``fuzzy_threshold``). A question's
``code`` becomes a Python code block under the prompt. Texts are HTML with ``$...$`` math, as
JupyterQuiz shows them. Each question is named by its index in the list, ``file[3]``, and
its line.
"""

from __future__ import annotations

import json
from typing import Any

from .bank import BankAnswer, BankItem, Where
from .htmltext import TextContext, html_to_markdown
from .untrusted import BankFileError

__all__ = ["decode", "questions_of", "read_jupyterquiz", "reader_for"]


def _elements(text: str) -> list[tuple[int, Any]]:
    """(line, value) of each element of the top-level JSON list."""
    decoder = json.JSONDecoder()
    pos = len(text) - len(text.lstrip())
    if not text.startswith("[", pos):
        value = json.loads(text)  # a single question object
        return [(1, value)]
    pos += 1
    found: list[tuple[int, Any]] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return found
        value, end = decoder.raw_decode(text, pos)
        found.append((text.count("\n", 0, pos) + 1, value))
        pos = end


def _code(code: Any, inline: bool = False) -> str:
    text = str(code).strip() if code else ""
    if inline and text and "\n" not in text:
        return f"`` {text} ``" if "`" in text else f"`{text}`"
    return f"```python\n{text}\n```" if text else ""


class _Reader:
    def __init__(self, source: str, ctx: TextContext) -> None:
        self.source = source
        self.ctx = ctx

    def _md(self, text: Any) -> str:
        return html_to_markdown(str(text), self.ctx) if text else ""

    def item(self, where: Where, data: Any) -> BankItem:
        """The bank item for one JupyterQuiz question object."""
        if not isinstance(data, dict):
            return BankItem(
                where=where,
                kind="unsupported",
                source_type="?",
                skip_reason="not a question object",
            )
        qtype = str(data.get("type", ""))
        prompt = "\n\n".join(
            p for p in (self._md(data.get("question")), _code(data.get("code"))) if p
        )
        common: dict[str, Any] = {"where": where, "source_type": qtype or "?", "prompt": prompt}
        listed = data.get("answers")
        answers = [a for a in listed if isinstance(a, dict)] if isinstance(listed, list) else []
        if qtype in ("multiple_choice", "many_choice"):
            options = tuple(
                BankAnswer(
                    text="\n\n".join(
                        p
                        for p in (self._md(a.get("answer")), _code(a.get("code"), inline=True))
                        if p
                    ),
                    fraction=1.0 if a.get("correct") else 0.0,
                    feedback=self._md(a.get("feedback")),
                )
                for a in answers
            )
            if qtype == "many_choice":
                right = sum(1 for o in options if o.fraction > 0) or 1
                options = tuple(
                    BankAnswer(
                        text=o.text,
                        feedback=o.feedback,
                        fraction=(1 / right if o.fraction else -1 / right),
                    )
                    for o in options
                )
            item = BankItem(
                kind="choice", answers=options, multiple=qtype == "many_choice", **common
            )
        elif qtype == "numeric":
            item = BankItem(
                kind="numerical",
                answers=self._numeric(answers),
                sig_figs=_int(data.get("precision")),
                **common,
            )
        elif qtype == "string":
            item = self._string(answers, common)
        else:
            item = BankItem(
                kind="unsupported",
                skip_reason=f"JupyterQuiz type {qtype!r} is not known here",
                **common,
            )
        return BankItem(**{**_fields(item), "notes": item.notes + self.ctx.take_notes()})

    def _numeric(self, answers: list[dict[str, Any]]) -> tuple[BankAnswer, ...]:
        found = []
        for a in answers:
            fraction = 1.0 if a.get("correct") else 0.0
            feedback = self._md(a.get("feedback"))
            kind = a.get("type")
            if kind == "default":
                found.append(BankAnswer(feedback=feedback, catch_all=True))
            elif kind == "range" and isinstance(a.get("range"), list) and len(a["range"]) == 2:
                low, high = (float(v) for v in a["range"])
                found.append(
                    BankAnswer(
                        text=str(low), range=(low, high), fraction=fraction, feedback=feedback
                    )
                )
            elif kind == "value":
                found.append(
                    BankAnswer(text=str(a.get("value")), fraction=fraction, feedback=feedback)
                )
        return tuple(found)

    def _string(self, answers: list[dict[str, Any]], common: dict[str, Any]) -> BankItem:
        found = []
        case = False
        fuzzy: list[float] = []
        for a in answers:
            if a.get("type") == "default":
                found.append(
                    BankAnswer(text="*", feedback=self._md(a.get("feedback")), catch_all=True)
                )
                continue
            case = case or bool(a.get("match_case"))
            threshold = a.get("fuzzy_threshold")
            if isinstance(threshold, (int, float)) and 0 < threshold <= 1 and a.get("correct"):
                fuzzy.append(float(threshold))
            text = str(a.get("answer", "")).replace("*", "\\*")  # a literal star, not a wildcard
            found.append(
                BankAnswer(
                    text=text,
                    fraction=1.0 if a.get("correct") else 0.0,
                    feedback=self._md(a.get("feedback")),
                )
            )
        notes: tuple[str, ...] = ()
        if fuzzy:
            notes = ("typo tolerance is measured by similarity ratio, not edit distance",)
        return BankItem(
            kind="shortanswer",
            answers=tuple(found),
            case_sensitive=case,
            fuzzy=min(fuzzy) if fuzzy else None,
            notes=notes,
            **common,
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _fields(item: BankItem) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(item, f.name) for f in fields(item)}


def questions_of(text: str) -> list[tuple[int, Any]]:
    """(line, question) of each question of JupyterQuiz JSON text (a list or one object)."""
    try:
        return _elements(text)
    except (ValueError, RecursionError) as exc:
        raise BankFileError(f"not JupyterQuiz JSON: {exc}") from exc


def decode(data: bytes) -> str:
    """A JupyterQuiz file's text (JSON or a notebook: UTF-8, a BOM allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankFileError(f"not a JupyterQuiz JSON file: {exc}") from exc


def read_jupyterquiz(data: bytes, source: str, ctx: TextContext) -> list[BankItem]:
    """The questions of a JupyterQuiz JSON file, in file order.

    Notebooks are read by :func:`lessonkit.interop.jupyterquiz_notebook.read_quiz_file`, which
    dispatches on the file name and calls this for plain JSON.
    """
    text = decode(data)
    reader = _Reader(source, ctx)
    return [reader.item(Where(source, line=line), value) for line, value in questions_of(text)]


def reader_for(source: str, ctx: TextContext) -> _Reader:
    """A reader of questions that come from ``source``."""
    return _Reader(source, ctx)
