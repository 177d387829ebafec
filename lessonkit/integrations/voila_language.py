"""The language of a Voilà page, and the words of lessonkit's page template.

The page speaks the learner's language. The prelaunch hook picks the page's (``?lang=``, then
``LESSONKIT_LANGUAGE`` — ``lessonkit serve --lang`` — then the browser's ``Accept-Language``)
and gives the template its ``lang``, ``dir`` and translated words (the loading text, the
"did not finish loading" page), from the same catalog as everything else: the template marks
its words ``_("...")``. The kernel decides the player's language itself, from the same sources
plus the learner's own choice (:mod:`lessonkit.i18n.choice`): Voilà hands it the query
(``QUERY_STRING``) and, configured with ``http_header_envs = ["Accept-Language"]`` (the
``voila.py`` that ``lessonkit serve`` writes does), the header (``HTTP_ACCEPT_LANGUAGE``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["page_language", "template_messages"]

_TEMPLATE_MARKED = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"\)')


def template_messages(template: Path | None) -> tuple[str, ...]:
    """The messages the page template (the folder ``template``) marks with ``_("...")``."""
    if template is None:
        return ()
    try:
        text = (template / "index.html.j2").read_text(encoding="utf-8")
    except OSError:
        return ()
    return tuple(dict.fromkeys(json.loads(f'"{raw}"') for raw in _TEMPLATE_MARKED.findall(text)))


def page_language(
    handler: Any, *, template: Path | None, seconds: float, env: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """The page's language for the template (the folder ``template``): ``language``, ``dir``,
    ``messages`` (msgid -> translation) and ``took_too_long`` (the stalled page's sentence,
    for a page that gives up after ``seconds``)."""
    from ..i18n import translator
    from ..i18n.choice import LANGUAGE_VAR, choose_language, jupyterlab_language
    from ..i18n.tags import parse_accept_language

    request = handler.request
    in_lab = "/voila/render/" in str(getattr(request, "path", ""))  # a Jupyter server's page
    chosen = choose_language(
        query=handler.get_argument("lang", None),
        server=env.get(LANGUAGE_VAR) or None,
        jupyterlab=jupyterlab_language(env) if in_lab else None,
        browser=parse_accept_language(request.headers.get("Accept-Language", "")),
    )
    t = translator(chosen.language)
    whole = round(seconds)
    took = t.ngettext(
        "It took longer than {n} second.", "It took longer than {n} seconds.", whole
    ).format(n=t.number(whole))
    return {
        "language": t.language,
        "dir": t.direction,
        "messages": t.messages(template_messages(template)),
        "took_too_long": took,
    }
