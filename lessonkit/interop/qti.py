"""QTI question banks: zip packages (Canvas, Blackboard, text2qti...) or bare XML files.

A package is read entry by entry through :class:`~.untrusted.SafeZip`, in the order its
``imsmanifest.xml`` lists resources (then any other XML entry). QTI 1.2 documents
(``questestinterop``, what Canvas exports) are read by :mod:`.qti12`, QTI 2.1 items
(``assessmentItem``) by :mod:`.qti21`; other XML (Canvas's ``assessment_meta.xml``, tests
that only reference items) is passed over. Items inside a package are named by identifier,
``bank.zip[item-id]``; in a bare XML file by line.
"""

from __future__ import annotations

import html
import re
from xml.etree.ElementTree import Element

from .bank import BankItem, Where
from .htmltext import TextContext
from .media import zip_resolver
from .untrusted import BankFileError, SafeZip, XmlDocument, parse_xml

__all__ = ["find", "findall", "inner_html", "local", "read_qti", "text_of"]

_CANVAS_FILES = "$IMS-CC-FILEBASE$"


def local(element: Element) -> str:
    """The tag without its namespace."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def findall(element: Element | None, name: str) -> list[Element]:
    """Descendants (not the element itself) with this local name, in document order."""
    if element is None:
        return []
    return [e for e in element.iter() if e is not element and local(e) == name]


def find(element: Element | None, name: str) -> Element | None:
    """The first descendant with this local name."""
    found = findall(element, name)
    return found[0] if found else None


def children(element: Element | None, name: str) -> list[Element]:
    """Direct children with this local name."""
    return [] if element is None else [e for e in element if local(e) == name]


def text_of(element: Element | None) -> str:
    """All the text inside an element, stripped."""
    return "".join(element.itertext()).strip() if element is not None else ""


def inner_html(element: Element, skip: frozenset[str] = frozenset()) -> str:
    """The XHTML inside ``element`` as HTML text (namespaces dropped; ``skip`` tags left out)."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        name = local(child)
        if name not in skip:
            attrs = "".join(
                f' {k.rsplit("}", 1)[-1]}="{html.escape(v)}"' for k, v in child.attrib.items()
            )
            parts.append(f"<{name}{attrs}>{inner_html(child, skip)}</{name}>")
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


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
