"""Bank items as Moodle XML (Question bank > Import > Moodle XML format).

Each competency a question is filed under becomes a category (its id as the category's
idnumber, so an import gives the same competency back); further competencies become tags.
Images the texts use are embedded as base64 ``<file>`` elements (``@@PLUGINFILE@@/name``).
"""

from __future__ import annotations

import base64
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

from .bank import BankItem
from .lesson_items import ExportItem
from .markup import Markup

__all__ = ["write_moodle_xml"]

_TYPES = {
    "choice": "multichoice",
    "truefalse": "truefalse",
    "shortanswer": "shortanswer",
    "numerical": "numerical",
    "essay": "essay",
    "ordering": "ordering",
    "text": "description",
}


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.15g}"


class _Writer:
    def __init__(self, lesson_dir: Path | None) -> None:
        self.markup = Markup(lesson_dir, "@@PLUGINFILE@@/")

    def text(self, parent: Element, tag: str, markdown: str, *, plain: bool = False) -> Element:
        holder = SubElement(parent, tag, format="plain_text" if plain else "html")
        before = set(self.markup.files)
        SubElement(holder, "text").text = markdown if plain else self.markup.html(markdown)
        for name in set(self.markup.files) - before:
            data = base64.b64encode(self.markup.files[name]).decode("ascii")
            SubElement(holder, "file", name=name, path="/", encoding="base64").text = data
        return holder

    def question(self, quiz: Element, item: BankItem) -> None:
        q = SubElement(quiz, "question", type=_TYPES[item.kind])
        SubElement(SubElement(q, "name"), "text").text = item.name
        self.text(q, "questiontext", item.prompt)
        self.text(q, "generalfeedback", item.general_feedback)
        SubElement(q, "defaultgrade").text = _num(item.points)
        SubElement(q, "penalty").text = _num(item.penalty or 0.0)
        SubElement(q, "hidden").text = "0"
        SubElement(q, "idnumber").text = item.ident
        getattr(self, f"_{item.kind}")(q, item)
        for hint in item.hints:
            self.text(q, "hint", hint)
        if item.tags:
            tags = SubElement(q, "tags")
            for tag in item.tags:
                SubElement(SubElement(tags, "tag"), "text").text = tag

    def _answer(
        self, q: Element, text: str, fraction: float, feedback: str, *, html: bool
    ) -> Element:
        answer = SubElement(
            q,
            "answer",
            fraction=_num(round(fraction * 100, 7)),
            format="html" if html else "moodle_auto_format",
        )
        SubElement(answer, "text").text = self.markup.html(text) if html else text
        self.text(answer, "feedback", feedback)
        return answer

    def _combined(self, q: Element, item: BankItem) -> None:
        self.text(q, "correctfeedback", item.correct_feedback)
        self.text(q, "partiallycorrectfeedback", "")
        self.text(q, "incorrectfeedback", item.incorrect_feedback)

    def _choice(self, q: Element, item: BankItem) -> None:
        SubElement(q, "single").text = "false" if item.multiple else "true"
        SubElement(q, "shuffleanswers").text = "true" if item.shuffle else "false"
        SubElement(q, "answernumbering").text = "abc"
        self._combined(q, item)
        for a in item.answers:
            self._answer(q, a.text, a.fraction, a.feedback, html=True)

    def _truefalse(self, q: Element, item: BankItem) -> None:
        for a in item.answers:
            word = "true" if a.text.strip().lower() == "true" else "false"
            fb = "\n\n".join(
                t
                for t in (
                    a.feedback,
                    item.correct_feedback if a.fraction else item.incorrect_feedback,
                )
                if t
            )
            self._answer(q, word, a.fraction, fb, html=False)

    def _shortanswer(self, q: Element, item: BankItem) -> None:
        SubElement(q, "usecase").text = "1" if item.case_sensitive else "0"
        for a in item.answers:
            fb = a.feedback or (item.correct_feedback if a.fraction >= 1 else "")
            self._answer(q, a.text, a.fraction, fb, html=False)
        if item.incorrect_feedback:
            self._answer(q, "*", 0.0, item.incorrect_feedback, html=False)

    def _numerical(self, q: Element, item: BankItem) -> None:
        for a in item.answers:
            fb = a.feedback or (item.correct_feedback if a.fraction >= 1 else "")
            answer = self._answer(q, a.text, a.fraction, fb, html=False)
            SubElement(answer, "tolerance").text = _num(a.tolerance)
        if item.incorrect_feedback:
            answer = self._answer(q, "*", 0.0, item.incorrect_feedback, html=False)
            SubElement(answer, "tolerance").text = "0"
        if item.units:
            units = SubElement(q, "units")
            for name, mult in item.units:
                unit = SubElement(units, "unit")
                SubElement(unit, "multiplier").text = _num(mult)
                SubElement(unit, "unit_name").text = name
        SubElement(q, "unitgradingtype").text = "1" if item.units_required else "0"
        SubElement(q, "unitpenalty").text = "1"
        SubElement(q, "showunits").text = "0" if item.units else "3"
        SubElement(q, "unitsleft").text = "0"

    def _essay(self, q: Element, item: BankItem) -> None:
        SubElement(q, "responseformat").text = "editor"
        SubElement(q, "responserequired").text = "1"
        SubElement(q, "responsefieldlines").text = "10"
        if item.min_words:
            SubElement(q, "minwordlimit").text = str(item.min_words)

    def _ordering(self, q: Element, item: BankItem) -> None:
        SubElement(q, "layouttype").text = "VERTICAL"
        SubElement(q, "selecttype").text = "ALL"
        SubElement(q, "gradingtype").text = "ABSOLUTE_POSITION"
        self._combined(q, item)
        for i, a in enumerate(item.answers, 1):
            answer = SubElement(q, "answer", fraction=str(i), format="moodle_auto_format")
            SubElement(answer, "text").text = a.text

    def _text(self, q: Element, item: BankItem) -> None:
        return


def write_moodle_xml(
    items: list[ExportItem], lesson_dir: Path | None, title: str = "lessonkit"
) -> tuple[bytes, list[str]]:
    """Moodle XML for ``items``; also the image references that could not be carried."""
    writer = _Writer(lesson_dir)
    quiz = Element("quiz")
    current: tuple[tuple[str, ...], str] | None = None
    for export in items:
        item = export.item
        key = (item.category, item.category_id)
        if key != current and (item.category or current is not None):
            # a question without competencies goes to the course's default category
            names = item.category or (f"Default for {title}",)
            cat = SubElement(quiz, "question", type="category")
            SubElement(SubElement(cat, "category"), "text").text = "$course$/top/" + "/".join(
                c.replace("/", "//") for c in names
            )
            SubElement(cat, "idnumber").text = item.category_id
            current = key
        writer.question(quiz, item)
    body = tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode(
        "utf-8"
    ), writer.markup.missing
