"""Markdown to safe HTML, rendered in the kernel: math, highlighted code, tables, images.

Lesson text is Markdown with LaTeX math (``$x^2$``, ``$$...$$``). It is rendered here, in
Python, with mistune (already installed with nbconvert, which Voilà and JupyterLab use), so
the browser receives finished HTML and the ``HTMLMath`` widget typesets the math:

- raw HTML in the Markdown is escaped, never passed through (lesson files can be shared, and
  feedback messages may quote what a learner typed);
- links and images with harmful protocols (``javascript:``...) are neutralised;
- fenced code is highlighted with Pygments (CSS classes under ``.lk-code``; see ``styles``);
- an image with a relative path is read from the lesson's folder and inlined as a
  ``data:`` URL, so it shows in JupyterLab and Voilà alike.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

import mistune
from mistune.renderers.html import HTMLRenderer

__all__ = ["escape", "render_markdown"]

_MAX_IMAGE_BYTES = 2_000_000
"""Larger images are linked, not inlined."""


def escape(text: object) -> str:
    """HTML-escape any value for display (quotes included)."""
    return html.escape(str(text), quote=True)


class _LessonRenderer(HTMLRenderer):
    """mistune's HTML renderer with Pygments code blocks and inlined local images."""

    def __init__(self, base_dir: Path | None) -> None:
        super().__init__(escape=True)
        self.base_dir = base_dir

    def block_code(self, code: str, info: str | None = None) -> str:
        lang = (info or "").strip().split(None, 1)[0] if info else ""
        return highlight_code(code, lang)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        inlined = _inline_image(url, self.base_dir)
        if inlined is None:
            return super().image(text, url, title)
        alt = escape(mistune.util.striptags(text))
        extra = f' title="{escape(title)}"' if title else ""
        return f'<img src="{inlined}" alt="{alt}"{extra} />'


def _inline_image(url: str, base_dir: Path | None) -> str | None:
    if base_dir is None or ":" in url or url.startswith(("/", "\\")):
        return None
    path = (base_dir / url).resolve()
    try:
        path.relative_to(base_dir.resolve())
    except ValueError:
        return None  # no reading outside the lesson's folder
    kind = mimetypes.guess_type(path.name)[0]
    if kind not in ("image/png", "image/jpeg", "image/gif", "image/webp"):
        return None
    try:
        if path.stat().st_size > _MAX_IMAGE_BYTES:
            return None
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return None
    return f"data:{kind};base64,{data}"


@lru_cache(maxsize=256)
def highlight_code(code: str, lang: str = "") -> str:
    """``code`` as a Pygments-highlighted ``<pre>`` block (plain, escaped, if unknown).

    Kept in the user's cache folder for the next kernel (see :mod:`.codecache`): building
    the lexer is most of the cost of a lesson's first screen that shows code.
    """
    from .codecache import code_cache

    cache = code_cache()
    html = cache.get(code, lang)
    if html is None:
        html = _highlight(code, lang)
        cache.put(code, lang, html)
    return html


def _highlight(code: str, lang: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang or "python")
    except ClassNotFound:
        return f'<div class="lk-code"><pre dir="ltr"><code>{escape(code)}</code></pre></div>\n'
    # Code reads left to right in every language (the player may be right to left).
    html = highlight(code, lexer, HtmlFormatter(cssclass="lk-code"))
    return str(html).replace("<pre>", '<pre dir="ltr">', 1)


@lru_cache(maxsize=8)
def _markdown(base_dir: Path | None) -> Any:
    return mistune.create_markdown(
        renderer=_LessonRenderer(base_dir), plugins=["table", "math", "strikethrough"]
    )


@lru_cache(maxsize=1024)
def _render(text: str, base_dir: Path | None) -> str:
    return str(_markdown(base_dir)(text)).strip()


def render_markdown(text: str, base_dir: str | Path | None = None, *, inline: bool = False) -> str:
    """Safe HTML for a Markdown ``text``; ``inline`` drops a lone wrapping ``<p>``.

    Parameters
    ----------
    text
        Markdown with optional ``$...$`` / ``$$...$$`` math.
    base_dir
        Folder that relative image paths are read from (the lesson file's folder).
    inline
        For short labels (options, buttons): no paragraph wrapper.
    """
    out = _render(text or "", Path(base_dir) if base_dir is not None else None)
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out
