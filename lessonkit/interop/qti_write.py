"""Bank items as a QTI 1.2 package in Canvas's dialect (Settings > Import Course Content >
QTI .zip), the dialect text2qti writes too.

The zip holds ``imsmanifest.xml``, the assessment ``<id>/<id>.xml`` and Canvas's
``<id>/assessment_meta.xml`` (the quiz title), plus the images the texts use under
``web_resources/media/`` (referred to as ``$IMS-CC-FILEBASE$/media/name``). Canvas has no
ordering questions and no hints: such losses are the caller's to report.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

from .bank import BankItem
from .lesson_items import ExportItem
from .markup import Markup

__all__ = ["QTI_TYPES", "write_qti"]

QTI_TYPES = {
    "choice": "multiple_choice_question",
    "truefalse": "true_false_question",
    "shortanswer": "short_answer_question",
    "numerical": "numerical_question",
    "essay": "essay_question",
    "text": "text_only_question",
}
_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


class _Writer:
    def __init__(self, lesson_dir: Path | None) -> None:
        self.markup = Markup(lesson_dir, "$IMS-CC-FILEBASE$/media/")

    def material(self, parent: Element, markdown: str) -> None:
        SubElement(
            SubElement(parent, "material"), "mattext", texttype="text/html"
        ).text = self.markup.html(markdown)

    def item(self, section: Element, item: BankItem, n: int) -> None:
        ident = f"{item.ident or 'q'}-{n}"
        el = SubElement(section, "item", ident=ident, title=item.name)
        meta = SubElement(SubElement(el, "itemmetadata"), "qtimetadata")
        qtype = QTI_TYPES[item.kind]
        if item.kind == "choice" and item.multiple:
            qtype = "multiple_answers_question"
        for label, entry in (("question_type", qtype), ("points_possible", _num(item.points))):
            field = SubElement(meta, "qtimetadatafield")
            SubElement(field, "fieldlabel").text = label
            SubElement(field, "fieldentry").text = entry
        presentation = SubElement(el, "presentation")
        self.material(presentation, item.prompt)
        process = SubElement(el, "resprocessing")
        SubElement(
            SubElement(process, "outcomes"),
            "decvar",
            maxvalue="100",
            minvalue="0",
            varname="SCORE",
            vartype="Decimal",
        )
        feedback: dict[str, str] = {}
        if item.general_feedback:
            cond = SubElement(process, "respcondition", attrib={"continue": "Yes"})
            SubElement(SubElement(cond, "conditionvar"), "other")
            SubElement(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
            feedback["general_fb"] = item.general_feedback
        if item.kind in ("choice", "truefalse"):
            self._choice(presentation, process, item, ident, feedback)
        elif item.kind in ("shortanswer", "numerical", "essay"):
            self._fib(presentation, process, item, feedback)
        if item.correct_feedback:
            feedback["correct_fb"] = item.correct_feedback
        if item.incorrect_feedback:  # after the right answer's condition, which stops there
            cond = SubElement(process, "respcondition", attrib={"continue": "Yes"})
            SubElement(SubElement(cond, "conditionvar"), "other")
            SubElement(
                cond, "displayfeedback", feedbacktype="Response", linkrefid="general_incorrect_fb"
            )
            feedback["general_incorrect_fb"] = item.incorrect_feedback
        for name, text in feedback.items():
            fb = SubElement(el, "itemfeedback", ident=name)
            self.material(SubElement(fb, "flow_mat"), text)

    def _choice(
        self,
        presentation: Element,
        process: Element,
        item: BankItem,
        ident: str,
        feedback: dict[str, str],
    ) -> None:
        lid = SubElement(
            presentation,
            "response_lid",
            ident="response1",
            rcardinality="Multiple" if item.multiple else "Single",
        )
        render = SubElement(lid, "render_choice", shuffle="Yes" if item.shuffle else "No")
        ids = [f"{ident}-{i}" for i in range(1, len(item.answers) + 1)]
        for aid, answer in zip(ids, item.answers, strict=True):
            self.material(SubElement(render, "response_label", ident=aid), answer.text)
            if answer.feedback:
                cond = SubElement(process, "respcondition", attrib={"continue": "Yes"})
                SubElement(
                    SubElement(cond, "conditionvar"), "varequal", respident="response1"
                ).text = aid
                SubElement(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{aid}_fb")
                feedback[f"{aid}_fb"] = answer.feedback
        cond = SubElement(process, "respcondition", attrib={"continue": "No"})
        var = SubElement(cond, "conditionvar")
        right = [aid for aid, a in zip(ids, item.answers, strict=True) if a.fraction > 0]
        if item.multiple:
            both = SubElement(var, "and")
            for aid in ids:
                parent = both if aid in right else SubElement(both, "not")
                SubElement(parent, "varequal", respident="response1").text = aid
        else:
            SubElement(var, "varequal", respident="response1").text = right[0] if right else ""
        SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
        if item.correct_feedback:
            SubElement(cond, "displayfeedback", feedbacktype="Response", linkrefid="correct_fb")

    def _fib(
        self, presentation: Element, process: Element, item: BankItem, feedback: dict[str, str]
    ) -> None:
        response = SubElement(
            presentation, "response_str", ident="response1", rcardinality="Single"
        )
        fibtype = "Decimal" if item.kind == "numerical" else "String"
        render = SubElement(response, "render_fib", fibtype=fibtype)
        SubElement(render, "response_label", ident="answer1", rshuffle="No")
        if item.kind == "essay":
            return
        for answer in item.answers:
            if answer.fraction < 1:
                continue
            cond = SubElement(process, "respcondition", attrib={"continue": "No"})
            var = SubElement(cond, "conditionvar")
            if item.kind == "numerical":
                either = SubElement(var, "or")
                if answer.range is None:
                    SubElement(either, "varequal", respident="response1").text = answer.text
                    low = float(answer.text) - answer.tolerance
                    high = float(answer.text) + answer.tolerance
                else:
                    low, high = answer.range
                both = SubElement(either, "and")
                SubElement(both, "vargte", respident="response1").text = f"{low:.15g}"
                SubElement(both, "varlte", respident="response1").text = f"{high:.15g}"
            else:
                SubElement(var, "varequal", respident="response1").text = answer.text
            SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
            if item.correct_feedback:
                SubElement(cond, "displayfeedback", feedbacktype="Response", linkrefid="correct_fb")


def _manifest(ident: str, files: list[str]) -> bytes:
    manifest = Element(
        "manifest",
        identifier=f"{ident}-manifest",
        xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    )
    meta = SubElement(manifest, "metadata")
    SubElement(meta, "schema").text = "IMS Content"
    SubElement(meta, "schemaversion").text = "1.1.3"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    res = SubElement(
        resources, "resource", identifier=ident, type="imsqti_xmlv1p2", href=f"{ident}/{ident}.xml"
    )
    SubElement(res, "file", href=f"{ident}/{ident}.xml")
    SubElement(res, "file", href=f"{ident}/assessment_meta.xml")
    for name in files:
        r = SubElement(
            resources,
            "resource",
            identifier=hashlib.sha256(name.encode()).hexdigest()[:16],
            type="webcontent",
            href=name,
        )
        SubElement(r, "file", href=name)
    body: bytes = tostring(manifest, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_qti(
    items: list[ExportItem], lesson_dir: Path | None, *, ident: str, title: str
) -> tuple[bytes, list[str]]:
    """A QTI 1.2 zip for ``items``; also the image references that could not be carried."""
    writer = _Writer(lesson_dir)
    root = Element("questestinterop", xmlns=_NS)
    assessment = SubElement(root, "assessment", ident=ident, title=title)
    section = SubElement(assessment, "section", ident="root_section")
    for n, export in enumerate(items, 1):
        writer.item(section, export.item, n)
    meta = Element("quiz", identifier=ident, xmlns="http://canvas.instructure.com/xsd/cccv1p0")
    SubElement(meta, "title").text = title
    SubElement(meta, "description").text = ""
    SubElement(meta, "quiz_type").text = "practice_quiz"
    points = sum(e.item.points for e in items if e.item.kind != "text")
    SubElement(meta, "points_possible").text = _num(points)
    buffer = io.BytesIO()
    media = [f"web_resources/media/{name}" for name in writer.markup.files]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", _manifest(ident, media))
        declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
        zf.writestr(
            f"{ident}/{ident}.xml",
            declaration + tostring(root, encoding="utf-8", xml_declaration=False),
        )
        zf.writestr(
            f"{ident}/assessment_meta.xml",
            declaration + tostring(meta, encoding="utf-8", xml_declaration=False),
        )
        for name, data in writer.markup.files.items():
            zf.writestr(f"web_resources/media/{name}", data)
    return buffer.getvalue(), writer.markup.missing
