"""Text for lessons: the context a bank's texts are converted in, and plain text as Markdown.

Lessons show Markdown with ``$...$`` math. A bank's plain text is escaped so that it shows
exactly as written; MathJax delimiters (``\\(..\\)``, ``\\[..\\]``, ``$$..$$``) become lesson
math; a lone ``$`` stays a dollar sign unless the bank writes math with dollars (JupyterQuiz).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .media import MediaStore, Resolver

__all__ = [
    "TextContext",
    "escape_markdown",
    "html_to_text",
    "plain_to_markdown",
    "text_markdown",
]

_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.S)


@dataclass
class TextContext:
    """What converting the texts of one bank needs: media, and where to note losses."""

    media: MediaStore
    """Carried files; images and linked files are added here."""
    resolve: Resolver
    """Finds a file the bank refers to."""
    dollars_are_math: bool = False
    """Whether ``$x$`` in the bank is math (JupyterQuiz) or a dollar sign (LMS banks)."""
    notes: list[str] = field(default_factory=list)
    """Losses noticed while converting; the reader moves them into the item's notes."""

    def note(self, message: str) -> None:
        """Record a loss once."""
        if message not in self.notes:
            self.notes.append(message)

    def take_notes(self) -> tuple[str, ...]:
        """The notes so far, emptying the list (one item's worth)."""
        found, self.notes = tuple(self.notes), []
        return found


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    text = re.sub(r"([\\`*\[\]<>~|])", r"\\\1", text)
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)
    return re.sub(r"(?m)^(\s*)([#+\-=>]|\d+[.)])(?=\s|$)", r"\1\\\2", text)


def text_markdown(text: str, ctx: TextContext) -> str:
    """A text run as Markdown: math kept raw, the rest escaped, lone dollars escaped."""
    out: list[str] = []
    pos = 0
    pattern = _MATH if not ctx.dollars_are_math else re.compile(_MATH.pattern + r"|\$(.+?)\$")
    for match in pattern.finditer(text):
        out.append(_plain_dollars(text[pos : match.start()], ctx))
        inline = match.group(1) or (match.group(4) if match.lastindex == 4 else None)
        body = inline if inline is not None else (match.group(2) or match.group(3) or "")
        out.append(f"${body.strip()}$" if inline is not None else f"\n\n$$\n{body.strip()}\n$$\n\n")
        pos = match.end()
    out.append(_plain_dollars(text[pos:], ctx))
    return "".join(out)


def _plain_dollars(text: str, ctx: TextContext) -> str:
    text = escape_markdown(text)
    return text.replace("$", "\\$")


def plain_to_markdown(text: str, ctx: TextContext) -> str:
    """Plain text (a bank's text format) as Markdown; line breaks kept."""
    lines = [text_markdown(line.strip(), ctx) for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "  \n".join(lines).replace("  \n  \n", "\n\n"))


def html_to_text(markup: str) -> str:
    """The text of some HTML, tags dropped and entities decoded (for literal answers)."""
    text = re.sub(r"<br\s*/?>|</p\s*>", "\n", markup or "", flags=re.I)
    text = re.sub(r"<[^>]*>", "", text)
    return " ".join(html.unescape(text).split())
