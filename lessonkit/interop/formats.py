"""Which reader a bank file needs: named by the author, or told by its name and first bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .bank import BankItem
from .htmltext import TextContext

__all__ = ["FORMATS", "Reader", "detect", "reader"]

FORMATS = ("moodle-xml", "gift", "qti", "jupyterquiz")
"""Formats ``lessonkit import`` reads."""

Reader = Callable[[bytes, str, TextContext], list[BankItem]]
"""``read(data, source, ctx)``: the bank's items, each with its position in ``source``."""


def detect(path: Path, data: bytes) -> str | None:
    """The format of a bank file, or ``None`` when neither its name nor content tells."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    name = path.name.lower()
    if head.startswith(b"PK") or name.endswith(".zip"):
        return "qti"
    if head.startswith(b"<"):
        if b"<quiz" in head:
            return "moodle-xml"
        if any(m in head for m in (b"questestinterop", b"assessmentItem", b"manifest")):
            return "qti"
        return None
    if name.endswith((".json", ".ipynb")) or (
        head[:1] in (b"[", b"{") and not name.endswith((".gift", ".txt"))
    ):
        return "jupyterquiz"
    if name.endswith((".gift", ".txt")) or b"{" in head:
        return "gift"
    return None


def reader(fmt: str) -> Reader:
    """The reader of a format (imported only when needed)."""
    if fmt == "moodle-xml":
        from .moodle_xml import read_moodle_xml

        return read_moodle_xml
    if fmt == "gift":
        from .gift import read_gift

        return read_gift
    if fmt == "qti":
        from .qti import read_qti

        return read_qti
    if fmt == "jupyterquiz":
        from .jupyterquiz_notebook import read_quiz_file

        return read_quiz_file
    raise ValueError(f"unknown bank format {fmt!r} (one of {', '.join(FORMATS)})")
