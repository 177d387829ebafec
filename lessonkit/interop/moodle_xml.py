"""Moodle XML question banks (``<quiz><question type="...">``) read into bank items.

The format is Moodle's own export (Question bank > Export > Moodle XML). Categories are
``<question type="category">`` entries that apply to the questions after them; files a text
uses are ``<file name=... encoding="base64">`` children of that text, referred to as
``@@PLUGINFILE@@/name``. Each item's position is the line of its ``<question>`` tag.
"""

from __future__ import annotations

import base64
import binascii
import math
import urllib.parse
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from .bank import BankAnswer, BankItem, Where, category_path
from .htmltext import TextContext, html_to_markdown, plain_to_markdown
from .media import Resolver
from .untrusted import XmlDocument, parse_xml

__all__ = ["read_moodle_xml", "sniff"]

_UNSUPPORTED = {
    "multianswer": "embedded answers (Cloze) have several blanks in one text",
    "cloze": "embedded answers (Cloze) have several blanks in one text",
    "coderunner": "CodeRunner questions run code with the question's own templates",
    "mtf": "multiple true/false has a verdict per statement in one question",
    "calculated": "calculated questions draw values from datasets with formulas",
    "calculatedsimple": "calculated questions draw values from datasets with formulas",
    "calculatedmulti": "calculated questions draw values from datasets with formulas",
    "ddwtos": "drag-and-drop into text has several blanks in one text",
    "gapselect": "select-missing-words has several blanks in one text",
    "ddimageortext": "drag-and-drop onto an image needs positions on the image",
    "ddmarker": "drag markers needs positions on the image",
    "randomsamatch": "random short-answer matching draws other questions at quiz time",
    "random": "a random question draws other questions at quiz time",
}
_PLUGINFILE = "@@PLUGINFILE@@/"


def sniff(head: bytes) -> bool:
    """Whether the start of a file looks like Moodle XML."""
    return b"<quiz" in head[:4096]


def _child(element: Element | None, tag: str) -> Element | None:
    return None if element is None else element.find(tag)


def _value(element: Element | None, tag: str, default: str = "") -> str:
    found = _child(element, tag)
    return (found.text or "").strip() if found is not None and found.text else default


def _float(text: str, default: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return default
    return value if math.isfinite(value) else default


class _Reader:
    def __init__(self, doc: XmlDocument, source: str, ctx: TextContext) -> None:
        self.doc = doc
        self.source = source
        self.ctx = ctx
        self.base_resolve = ctx.resolve
        self.category: tuple[str, ...] = ()
        self.category_id = ""
        self.category_info = ""

    def items(self) -> Iterator[BankItem]:
        for question in self.doc.root.iter("question"):
            qtype = question.get("type", "")
            if qtype == "category":
                self._category(question)
                continue
            yield self._item(question, qtype)

    def _category(self, question: Element) -> None:
        self.category = category_path(_value(_child(question, "category"), "text"))
        self.category_id = _value(question, "idnumber")
        info = _child(question, "info")
        self.category_info = self._text(info) if info is not None else ""

    def _where(self, element: Element) -> Where:
        return Where(self.source, line=self.doc.line(element))

    def _text(self, holder: Element | None) -> str:
        """A text holder (``questiontext``, ``feedback``...) as Markdown, its files resolved."""
        if holder is None:
            return ""
        raw = _value(holder, "text")
        files = {f.get("name", ""): f for f in holder.findall("file")}
        self.ctx.resolve = self._resolver(files)
        try:
            fmt = holder.get("format", "html")
            if fmt in ("plain_text", "moodle_auto_format") and "<" not in raw:
                return plain_to_markdown(raw, self.ctx)
            if fmt == "markdown":
                return raw.strip()  # already Markdown; lessons escape any raw HTML in it
            return html_to_markdown(raw, self.ctx)
        finally:
            self.ctx.resolve = self.base_resolve

    def _resolver(self, files: dict[str, Element]) -> Resolver:
        def resolve(ref: str) -> tuple[str, bytes] | None:
            if ref.startswith(_PLUGINFILE):
                name = urllib.parse.unquote(ref[len(_PLUGINFILE) :].split("?", maxsplit=1)[0])
                found = files.get(name) or files.get(name.rsplit("/", 1)[-1])
                if found is None or found.get("encoding", "base64") != "base64":
                    return None
                try:
                    return name, base64.b64decode("".join((found.text or "").split()))
                except (binascii.Error, ValueError):
                    return None
            return self.base_resolve(ref)

        return resolve

    def _old_image(self, question: Element) -> str:
        name = _value(question, "image")
        data = "".join((_value(question, "image_base64") or "").split())
        if not name:
            return ""
        try:
            path = self.ctx.media.add(name, base64.b64decode(data)) if data else ""
        except (binascii.Error, ValueError):
            path = ""
        if not path:
            self.ctx.note(f"image {name!r} not found in the bank")
            return ""
        return f"![]({path})"

    def _answers(self, question: Element) -> tuple[BankAnswer, ...]:
        found = []
        for answer in question.findall("answer"):
            fmt = answer.get("format", "moodle_auto_format")
            raw = _value(answer, "text")
            text = self._text(answer) if fmt in ("html", "markdown") else raw
            found.append(
                BankAnswer(
                    text=text if fmt in ("html", "markdown") else raw,
                    fraction=_float(answer.get("fraction", "0"), 0.0) / 100,
                    feedback=self._text(_child(answer, "feedback")),
                    tolerance=abs(_float(_value(answer, "tolerance", "0"), 0.0)),
                )
            )
        return tuple(found)

    def _item(self, question: Element, qtype: str) -> BankItem:
        penalty_text = _value(question, "penalty")
        common: dict[str, object] = {
            "where": self._where(question),
            "source_type": qtype or "?",
            "name": _value(_child(question, "name"), "text"),
            "ident": _value(question, "idnumber"),
            "prompt": self._text(_child(question, "questiontext")),
            "general_feedback": self._text(_child(question, "generalfeedback")),
            "correct_feedback": self._text(_child(question, "correctfeedback")),
            "incorrect_feedback": self._text(_child(question, "incorrectfeedback")),
            "partial_feedback": self._text(_child(question, "partiallycorrectfeedback")),
            "hints": tuple(h for h in (self._text(e) for e in question.findall("hint")) if h),
            "penalty": _float(penalty_text, 0.0) if penalty_text else None,
            "points": max(0.0, _float(_value(question, "defaultgrade", "1"), 1.0)),
            "category": self.category,
            "category_id": self.category_id,
            "category_info": self.category_info,
            "tags": tuple(
                t for t in (_value(e, "text") for e in question.findall("tags/tag")) if t
            ),
            "shuffle": _value(question, "shuffleanswers", "0").lower() in ("1", "true"),
        }
        old_image = self._old_image(question)  # Moodle 1.9's <image>, still in old exports
        if old_image:
            common["prompt"] = f"{common['prompt']}\n\n{old_image}".strip()
        kind, extra = self._kind(question, qtype)
        notes = self.ctx.take_notes()
        return BankItem(kind=kind, notes=notes, **common, **extra)  # type: ignore[arg-type]

    def _kind(self, question: Element, qtype: str) -> tuple[str, dict[str, object]]:
        if qtype in ("multichoice", "multichoiceset"):
            single = _value(question, "single", "true").lower() in ("true", "1")
            answers = self._answers(question)
            if qtype == "multichoiceset":
                answers = tuple(
                    BankAnswer(text=a.text, feedback=a.feedback, fraction=1.0 if a.fraction else 0)
                    for a in answers
                )
            return "choice", {
                "answers": answers,
                "multiple": qtype == "multichoiceset" or not single,
                "all_or_nothing": qtype == "multichoiceset",
            }
        if qtype == "truefalse":
            return "truefalse", {"answers": self._answers(question)}
        if qtype == "shortanswer":
            usecase = _value(question, "usecase", "0") in ("1", "true")
            return "shortanswer", {"answers": self._answers(question), "case_sensitive": usecase}
        if qtype == "numerical":
            return "numerical", self._numerical(question)
        if qtype == "essay":
            words = int(_float(_value(question, "minwordlimit", "0"), 0.0))
            return "essay", {"min_words": max(0, words)}
        if qtype == "matching":
            pairs = []
            for sub in question.findall("subquestion"):
                pairs.append(
                    BankAnswer(text=self._text(sub), match=_value(_child(sub, "answer"), "text"))
                )
            return "matching", {"answers": tuple(pairs)}
        if qtype == "ordering":
            return "ordering", {"answers": self._answers(question)}
        if qtype == "description":
            return "text", {}
        reason = _UNSUPPORTED.get(qtype, f"Moodle question type {qtype!r} is not known here")
        return "unsupported", {"skip_reason": f"lessonkit has no equivalent: {reason}"}

    def _numerical(self, question: Element) -> dict[str, object]:
        units = []
        for unit in question.findall("units/unit"):
            name = _value(unit, "unit_name")
            if name:
                units.append((name, _float(_value(unit, "multiplier", "1"), 1.0)))
        grading = _value(question, "unitgradingtype", "0")
        shown = _value(question, "showunits", "3")
        answers = tuple(
            BankAnswer(
                text=a.text.strip(),
                fraction=a.fraction,
                feedback=a.feedback,
                tolerance=a.tolerance,
                catch_all=a.text.strip() == "*",
            )
            for a in self._answers(question)
        )
        return {
            "answers": answers,
            "units": tuple(units),
            "units_required": bool(units) and grading not in ("0", "") and shown != "3",
        }


def read_moodle_xml(data: bytes, source: str, ctx: TextContext) -> list[BankItem]:
    """The questions of a Moodle XML file, in file order."""
    return list(_Reader(parse_xml(data), source, ctx).items())
