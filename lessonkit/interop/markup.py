"""Lesson Markdown as the HTML an LMS shows, with the images it refers to.

mistune renders the Markdown (raw HTML in it is escaped, as in the lesson player); math
stays ``\\(..\\)``/``\\[..\\]`` for the LMS's MathJax. Images and links to files beside the
lesson (never outside its folder) are collected so the writer can carry them: Moodle XML
embeds them in base64, a QTI package holds them as files.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from pathlib import Path
from typing import Any

__all__ = ["Markup"]


class Markup:
    """Converts lesson Markdown for one export; ``files`` collects what it refers to."""

    def __init__(self, lesson_dir: Path | None, prefix: str) -> None:
        self.lesson_dir = lesson_dir.resolve() if lesson_dir is not None else None
        self.prefix = prefix
        self.files: dict[str, bytes] = {}
        self.missing: list[str] = []
        self._md = self._make()

    def _make(self) -> Any:
        import mistune
        from mistune.renderers.html import HTMLRenderer

        owner = self

        class Renderer(HTMLRenderer):
            def image(self, text: str, url: str, title: str | None = None) -> str:
                return super().image(text, owner._url(url), title)

            def link(self, text: str, url: str, title: str | None = None) -> str:
                return super().link(text, owner._url(url), title)

        return mistune.create_markdown(
            renderer=Renderer(escape=True), plugins=["table", "math", "strikethrough"]
        )

    def _url(self, url: str) -> str:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) or self.lesson_dir is None:
            return url
        rel = posixpath.normpath(urllib.parse.unquote(url))
        if rel.startswith(("../", "/")) or rel == "..":
            self.missing.append(url)
            return url
        path = (self.lesson_dir / rel).resolve()
        if not path.is_relative_to(self.lesson_dir) or not path.is_file():
            self.missing.append(url)
            return url
        name = posixpath.basename(rel)
        self.files[name] = path.read_bytes()
        return self.prefix + urllib.parse.quote(name)

    def html(self, markdown: str) -> str:
        """The HTML for ``markdown`` (empty for empty text)."""
        if not markdown.strip():
            return ""
        out = str(self._md(markdown)).strip()
        # mistune marks math for its own renderer; LMSs read MathJax delimiters
        out = re.sub(r'<span class="math">(\\\(.*?\\\))</span>', r"\1", out, flags=re.S)
        return re.sub(r'<div class="math">(\$\$.*?\$\$)</div>', r"<p>\1</p>", out, flags=re.S)
