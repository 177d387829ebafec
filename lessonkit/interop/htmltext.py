"""Bank HTML to the Markdown lessons use; text stays text.

Lesson texts are Markdown whose raw HTML is escaped when shown, so a bank's HTML is never
passed through: it is read with the standard library's HTML tokenizer and rewritten.

Kept: paragraphs and line breaks, headings, bold, italics, strike-through, inline code and
preformatted blocks, lists, block quotes, simple tables, links (``http``, ``https``,
``mailto``), images and other files the bank carries (copied under ``media/``), and math
(``\\(..\\)`` and ``\\[..\\]`` become ``$..$`` and ``$$..$$``; a lone ``$`` in text is
escaped so it stays a dollar). Dropped with a note in the report: scripts, frames, embedded
objects and forms, links with other protocols, images that cannot be found. Dropped without
one: presentation only (``style``, fonts, colours, underlining, ``span``).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .markdown_text import (
    TextContext,
    escape_markdown,
    html_to_text,
    plain_to_markdown,
    text_markdown,
)
from .media import IMAGE_TYPES

__all__ = [
    "TextContext",
    "escape_markdown",
    "html_to_markdown",
    "html_to_text",
    "plain_to_markdown",
]

_DROP = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "applet",
    "form",
    "select",
    "textarea",
    "button",
    "noscript",
    "template",
    "svg",
    "math",
    "canvas",
    "head",
    "title",
}
_VOID = {"br", "img", "hr", "input", "source", "meta", "link", "area", "col", "wbr", "param"}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "center",
    "address",
    "dl",
    "dt",
    "dd",
    "main",
    "aside",
    "nav",
    "details",
    "summary",
}
_WRAP = {"b": "**", "strong": "**", "i": "*", "em": "*", "s": "~~", "strike": "~~", "del": "~~"}
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.I)
_SUP = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


def html_to_markdown(markup: str, ctx: TextContext) -> str:
    """Sanitised Markdown for a bank's HTML (see the module docstring)."""
    if "<" not in markup and "&" not in markup:
        return plain_to_markdown(markup, ctx) if "\n" not in markup.strip() else _paras(markup, ctx)
    converter = _Converter(ctx)
    converter.feed(markup)
    converter.close()
    return converter.result()


def _paras(text: str, ctx: TextContext) -> str:
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(text_markdown(p, ctx) for p in parts if p)


class _Converter(HTMLParser):
    """A single pass over the tokens; inline wrappers are applied when their tag closes."""

    def __init__(self, ctx: TextContext) -> None:
        super().__init__(convert_charrefs=True)
        self.ctx = ctx
        self.out: list[str] = []
        self.marks: list[tuple[str, int, dict[str, str]]] = []
        self.lists: list[list[int]] = []  # [counter] per open list; -1 for unordered
        self.drop = 0
        self.pre = 0
        self.table: list[list[str]] | None = None
        self.cell: int | None = None

    # -- tokens
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag in _DROP and not self.drop:
            self.ctx.note(f"dropped HTML <{tag}> and what it held (not allowed in lessons)")
        if self.drop or tag in _DROP:
            if tag not in _VOID:
                self.drop += 1
            return
        if tag == "br":
            self.out.append("\n" if self.pre else "  \n")
        elif tag == "hr":
            self._block("---")
        elif tag == "img":
            self._image(attr)
        elif tag in ("audio", "video", "source") and attr.get("src"):
            self._file_link(attr["src"], attr.get("title", ""))
        elif tag in _BLOCK or re.fullmatch(r"h[1-6]", tag) or tag in ("blockquote", "pre"):
            self._block("")
            if tag == "pre":
                self.pre += 1
            self.marks.append((tag, len(self.out), attr))
        elif tag in ("ul", "ol"):
            self._block("")
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            self._list_item()
        elif tag == "table":
            self._block("")
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = len(self.out)
        elif tag not in _VOID:
            self.marks.append((tag, len(self.out), attr))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.drop:
            if tag not in _VOID:
                self.drop -= 1
            return
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._block("")
        elif tag in ("td", "th") and self.table is not None and self.cell is not None:
            text = " ".join("".join(self.out[self.cell :]).split())
            del self.out[self.cell :]
            if self.table:
                self.table[-1].append(text)
            self.cell = None
        elif tag == "table" and self.table is not None:
            self._flush_table()
        else:
            self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.drop:
            return
        if self.pre:
            self.out.append(data)
            return
        data = re.sub(r"\s+", " ", data)
        code = any(m[0] in ("code", "tt", "kbd", "samp") for m in self.marks)
        self.out.append(data if code else text_markdown(data, self.ctx))

    # -- helpers
    def _close(self, tag: str) -> None:
        for i in range(len(self.marks) - 1, -1, -1):
            if self.marks[i][0] == tag:
                break
        else:
            return  # a stray end tag
        while len(self.marks) > i:
            self._apply(*self.marks.pop())

    def _apply(self, tag: str, start: int, attr: dict[str, str]) -> None:
        inner = "".join(self.out[start:])
        del self.out[start:]
        self.out.append(self._wrapped(tag, inner, attr))

    def _wrapped(self, tag: str, inner: str, attr: dict[str, str]) -> str:
        if tag == "pre":
            self.pre -= 1
            code = inner.strip("\n")
            return f"\n\n```\n{code}\n```\n\n"
        if tag in _WRAP or tag in ("code", "tt", "kbd", "samp", "sup", "sub", "a"):
            lead = inner[: len(inner) - len(inner.lstrip())]
            trail = inner[len(inner.rstrip()) :]
            core = inner.strip()
            if not core:
                return inner
            return lead + self._inline(tag, core, attr) + trail
        if re.fullmatch(r"h[1-6]", tag):
            return f"\n\n{'#' * int(tag[1])} {' '.join(inner.split())}\n\n"
        if tag == "blockquote":
            body = _tidy(inner)
            return "\n\n" + "\n".join(f"> {line}".rstrip() for line in body.splitlines()) + "\n\n"
        if tag in _BLOCK:
            return f"\n\n{inner}\n\n"
        return inner

    def _inline(self, tag: str, core: str, attr: dict[str, str]) -> str:
        if tag in _WRAP:
            return f"{_WRAP[tag]}{core}{_WRAP[tag]}"
        if tag in ("code", "tt", "kbd", "samp"):
            if self.pre:
                return core  # the fenced block around it already says it is code
            fence = "``" if "`" in core else "`"
            return f"{fence}{core}{fence}"
        if tag in ("sup", "sub"):
            plain = html.unescape(core.replace("\\", ""))
            table = _SUP if tag == "sup" else _SUB
            if all(c in "0123456789+-=()" or (tag == "sup" and c in "ni") for c in plain):
                return plain.translate(table)
            self.ctx.note(f"<{tag}> text written as {'^' if tag == 'sup' else '_'}(…)")
            return f"{'^' if tag == 'sup' else '_'}({core})"
        return self._link(core, attr.get("href", ""))

    def _link(self, text: str, href: str) -> str:
        href = href.strip()
        if _SAFE_LINK.match(href):
            return f"[{text}]({href.replace(' ', '%20').replace(')', '%29')})"
        found = self.ctx.resolve(href) if href else None
        if found is not None:
            path = self.ctx.media.add(*found)
            return f"[{text}]({path})"
        if href:
            self.ctx.note(f"link to {href[:80]!r} dropped (not a web link or a file of the bank)")
        return text

    def _image(self, attr: dict[str, str]) -> None:
        alt = " ".join((attr.get("alt") or attr.get("title") or "").split())
        latex = attr.get("data-equation-content") or (
            attr.get("title", "") if "equation_image" in attr.get("class", "") else ""
        )
        if latex:
            self.out.append(f"${latex.strip()}$")
            return
        src = attr.get("src", "").strip()
        found = self.ctx.resolve(src) if src else None
        if found is None:
            self.ctx.note(f"image {src[:80]!r} not found in the bank; its description was kept")
            self.out.append(f"[image: {escape_markdown(alt)}]" if alt else "[image]")
            return
        path = self.ctx.media.add(*found)
        if path.rsplit(".", 1)[-1] not in IMAGE_TYPES:
            self.ctx.note(f"{src[:80]!r} is not an image lessons show; it is linked")
            self.out.append(f"[{escape_markdown(alt or found[0])}]({path})")
            return
        self.out.append(f"![{escape_markdown(alt)}]({path})")

    def _file_link(self, src: str, title: str) -> None:
        found = self.ctx.resolve(src)
        if found is None:
            self.ctx.note(f"media file {src[:80]!r} not found in the bank")
            return
        path = self.ctx.media.add(*found)
        self.ctx.note(f"{found[0]!r} is linked, not played in the lesson")
        self.out.append(f" [{escape_markdown(title or found[0])}]({path}) ")

    def _block(self, text: str) -> None:
        self.out.append(f"\n\n{text}\n\n" if text else "\n\n")

    def _list_item(self) -> None:
        if not self.lists:
            self.lists.append([-1])
        counter = self.lists[-1]
        indent = "   " * (len(self.lists) - 1)
        if counter[0] >= 0:
            counter[0] += 1
            self.out.append(f"\n{indent}{counter[0]}. ")
        else:
            self.out.append(f"\n{indent}- ")

    def _flush_table(self) -> None:
        rows = [r for r in (self.table or []) if r]
        self.table = None
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = [
            "| " + " | ".join(rows[0]) + " |",
            "|" + "---|" * width,
            *("| " + " | ".join(r) + " |" for r in rows[1:]),
        ]
        self._block("\n".join(lines))

    def result(self) -> str:
        """The Markdown, with tags left open closed."""
        while self.marks:
            self._apply(*self.marks.pop())
        if self.table is not None:
            self._flush_table()
        return _tidy("".join(self.out))


def _tidy(text: str) -> str:
    lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
    text = "\n".join(line if line.strip() else "" for line in lines)
    text = re.sub(r"[ \t]*\n[ \t]*\n\s*", "\n\n", text)
    text = re.sub(r"(?m)^ (?=\S)", "", text)
    return text.strip()
