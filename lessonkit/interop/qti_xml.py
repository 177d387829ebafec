"""Reading QTI XML whatever its namespace: elements by local name, text, and inner XHTML.

QTI documents come with assorted namespaces (1.2, 2.1, Canvas's own, none at all); these
helpers match elements by their local name, so one reader serves them all.
"""

from __future__ import annotations

import html
from xml.etree.ElementTree import Element

__all__ = ["children", "find", "findall", "inner_html", "local", "text_of"]


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
