"""``export_bank``: a lesson's questions as a question bank an LMS imports.

Formats: ``qti`` (a QTI 1.2 zip in Canvas's dialect) and ``moodle-xml``. The report lists
what the target cannot express: branching, mastery-driven practice, learner choices, code,
frame and custom checks (skipped), and per question the approximations (relative tolerance,
all-or-nothing scoring, hints in QTI, ordering in QTI...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..lesson.loader import load_lesson
from .bank import Finding, Status, Where
from .lesson_items import ExportItem, lesson_items

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_bank"]

EXPORT_FORMATS = ("qti", "moodle-xml")
"""Formats ``lessonkit export LESSON --format`` writes."""


@dataclass
class ExportResult:
    """The bank's bytes and a finding per question (and per lesson-wide loss)."""

    data: bytes = b""
    findings: list[Finding] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many findings have ``status``."""
        return sum(1 for f in self.findings if f.status == status)


def _qti_losses(export: ExportItem) -> None:
    item = export.item
    if item.hints:
        export.losses.append("hints are not part of a QTI 1.2 question")
    if item.penalty:
        export.losses.append("the penalty per attempt is the quiz's to set in Canvas")
    if item.kind == "numerical" and item.units:
        export.losses.append("units are not part of a QTI numerical question")
    if item.kind == "shortanswer" and item.case_sensitive:
        export.losses.append("Canvas compares short answers without case")
    if any(a.fraction < 1 and a.feedback for a in item.answers) and item.kind in (
        "shortanswer",
        "numerical",
    ):
        export.losses.append("messages for particular wrong answers are not kept")
    if item.kind == "shortanswer" and any("*" in a.text for a in item.answers):
        export.losses.append("wildcards are compared literally by Canvas")


def export_bank(lesson_path: str | os.PathLike[str], fmt: str) -> ExportResult:
    """Export the lesson file at ``lesson_path`` as ``fmt`` (see the module docstring)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown bank format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")
    path = Path(lesson_path)
    lesson = load_lesson(path)
    source = os.fspath(lesson_path)
    items, findings = lesson_items(lesson, source)
    kept: list[ExportItem] = []
    for export in items:
        if fmt == "qti" and export.item.kind == "ordering":
            findings.append(
                Finding(
                    export.item.where,
                    "skipped",
                    "Canvas quizzes (QTI 1.2) have no ordering question",
                    export.step,
                )
            )
            continue
        if fmt == "qti":
            _qti_losses(export)
        kept.append(export)
    if fmt == "qti":
        from .qti_write import write_qti

        data, missing = write_qti(kept, path.parent, ident=lesson.id, title=lesson.title)
    else:
        from .moodle_write import write_moodle_xml

        data, missing = write_moodle_xml(kept, path.parent, lesson.title)
    for export in kept:
        status: Status = "approximated" if export.losses else "exported"
        message = f"{export.item.kind} {export.step}" + (
            f": {'; '.join(export.losses)}" if export.losses else ""
        )
        findings.append(Finding(export.item.where, status, message, export.step))
    for ref in dict.fromkeys(missing):
        findings.append(
            Finding(
                Where(source),
                "approximated",
                f"file {ref!r} not found beside the lesson; left as a link",
            )
        )
    order = {e.step: i for i, e in enumerate(items)}
    findings.sort(key=lambda f: order.get(f.step, -1))
    return ExportResult(data=data, findings=findings)
