"""QTI question banks: zip packages (Canvas, Blackboard, text2qti...) or bare XML files.

A package is read entry by entry through :class:`~.untrusted.SafeZip`, in the order its
``imsmanifest.xml`` lists resources (then any other XML entry). QTI 1.2 documents
(``questestinterop``, what Canvas exports) are read by :mod:`.qti12`, QTI 2.1 items
(``assessmentItem``) by :mod:`.qti21`; other XML (Canvas's ``assessment_meta.xml``, tests
that only reference items) is passed over. Items inside a package are named by identifier,
``bank.zip[item-id]``; in a bare XML file by line.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from .bank import BankItem, Where
from .htmltext import TextContext
from .media import zip_resolver
from .qti_xml import children, findall, local
from .untrusted import BankFileError, SafeZip, XmlDocument, parse_xml

__all__ = ["read_qti"]

_CANVAS_FILES = "$IMS-CC-FILEBASE$"


def _manifest_order(package: SafeZip) -> list[str]:
    names = package.names()
    ordered: list[str] = []
    if package.has("imsmanifest.xml"):
        manifest = parse_xml(package.read("imsmanifest.xml"))
        for resource in findall(manifest.root, "resource"):
            hrefs = [resource.get("href", "")] + [
                f.get("href", "") for f in children(resource, "file")
            ]
            for href in hrefs:
                norm = re.sub(r"^\./", "", href)
                if norm.endswith(".xml") and package.has(norm) and norm not in ordered:
                    ordered.append(norm)
    rest = [n for n in names if n.lower().endswith((".xml", ".qti")) and n not in ordered]
    return [n for n in ordered + rest if n.rsplit("/", 1)[-1].lower() != "imsmanifest.xml"]


def _read_document(
    doc: XmlDocument, source: str, entry: str | None, ctx: TextContext
) -> list[BankItem]:
    from . import qti12, qti21

    root = local(doc.root)

    def where(element: Element, ident: str) -> Where:
        if entry is None:
            return Where(source, line=doc.line(element))
        return Where(source, item=ident or f"{entry}:{doc.line(element)}")

    if root == "questestinterop":
        return qti12.read_items(doc.root, where, ctx)
    if root == "assessmentItem":
        return [qti21.read_item(doc.root, where, ctx)]
    return []


def read_qti(data: bytes, source: str, ctx: TextContext) -> list[BankItem]:
    """The questions of a QTI package (zip) or QTI XML file."""
    if not data.startswith(b"PK"):
        return _read_document(parse_xml(data), source, None, ctx)
    package = SafeZip(data)
    items: list[BankItem] = []
    base_resolve = ctx.resolve
    found_qti = False
    for entry in _manifest_order(package):
        try:
            doc = parse_xml(package.read(entry))
        except BankFileError as exc:
            raise BankFileError(f"{entry}: {exc}") from exc
        ctx.resolve = zip_resolver(package, entry, {_CANVAS_FILES: "web_resources"})
        try:
            found = _read_document(doc, source, entry, ctx)
        finally:
            ctx.resolve = base_resolve
        found_qti = found_qti or local(doc.root) in ("questestinterop", "assessmentItem")
        items.extend(found)
    if not found_qti:
        raise BankFileError("the package holds no QTI document (questestinterop or assessmentItem)")
    return items
