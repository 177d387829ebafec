"""Which language a learner sees, and why.

In order, the first that lessonkit speaks wins:

1. ``explicit``: the ``language=`` an author passed to ``lessonkit.show``;
2. ``profile``: the language the learner chose (their profile's ``language`` field);
3. ``query``: ``?lang=`` in the page's address (Voilà);
4. ``server``: ``LESSONKIT_LANGUAGE`` — ``lessonkit serve --lang`` sets it for every page;
5. ``jupyterlab``: JupyterLab's display language (its ``@jupyterlab/translation-extension``
   setting), in JupyterLab and Notebook, and in Voilà pages a Jupyter server serves;
6. ``browser``: the browser's ``Accept-Language`` (Voilà passes it to the kernel);
7. ``lesson``: the language the lesson is written in (its ``language:`` key, else English).

:func:`environment_preferences` reads 3-6 from a kernel's environment. Everything read there
is untrusted text: it is only ever matched against the languages lessonkit has.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import parse_qs

from .catalog import SOURCE_LANGUAGE, available
from .tags import negotiate, parse_accept_language

__all__ = [
    "LANGUAGE_VAR",
    "SOURCES",
    "LanguageChoice",
    "Preferences",
    "choose_language",
    "environment_preferences",
    "jupyterlab_language",
]

LANGUAGE_VAR = "LESSONKIT_LANGUAGE"
"""The server's language for its pages (``lessonkit serve --lang``)."""
SOURCES = ("explicit", "profile", "query", "server", "jupyterlab", "browser", "lesson")
"""Where a language can come from, strongest first."""
_SETTINGS = Path("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")
_MAX_SETTINGS = 64 * 1024


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """The language chosen for a learner and where it came from."""

    language: str
    """An available BCP 47 tag (``"es"``)."""
    source: str
    """One of :data:`SOURCES`, or ``"default"`` when nothing named a language lessonkit has."""


class Preferences(TypedDict):
    """What a kernel's environment says about the learner's language."""

    query: str | None
    server: str | None
    jupyterlab: str | None
    browser: list[str]


def choose_language(
    *,
    explicit: str | None = None,
    profile: str | None = None,
    query: str | None = None,
    server: str | None = None,
    jupyterlab: str | None = None,
    browser: Iterable[str] = (),
    lesson: str | None = None,
    offered: Iterable[str] | None = None,
) -> LanguageChoice:
    """The first source (see the module docstring) naming a language in ``offered``
    (default: every language lessonkit has a catalog for)."""
    have = tuple(offered) if offered is not None else available()
    candidates: list[tuple[str, list[str]]] = [
        ("explicit", [explicit] if explicit else []),
        ("profile", [profile] if profile else []),
        ("query", [query] if query else []),
        ("server", [server] if server else []),
        ("jupyterlab", [jupyterlab] if jupyterlab else []),
        ("browser", list(browser)),
        ("lesson", [lesson] if lesson else []),
    ]
    for source, tags in candidates:
        found = negotiate(tags, have)
        if found is not None:
            return LanguageChoice(found, source)
    return LanguageChoice(negotiate([SOURCE_LANGUAGE], have) or SOURCE_LANGUAGE, "default")


def environment_preferences(env: Mapping[str, str] = os.environ) -> Preferences:
    """The ``query``, ``server``, ``jupyterlab`` and ``browser`` preferences a kernel can see.

    Voilà gives each page's kernel ``QUERY_STRING`` and, configured with
    ``http_header_envs = ["Accept-Language"]`` (``lessonkit serve`` does), the header as
    ``HTTP_ACCEPT_LANGUAGE``. JupyterLab's setting counts outside Voilà, and in Voilà pages a
    Jupyter server serves (``/voila/render/...``), not on a public ``lessonkit serve`` page.
    """
    query = parse_qs(str(env.get("QUERY_STRING", ""))[:2_000]).get("lang", [])
    in_voila = any(key.startswith("VOILA_") for key in env)
    in_lab = not in_voila or "/voila/render/" in str(env.get("SCRIPT_NAME", ""))
    return {
        "query": query[0] if query else None,
        "server": env.get(LANGUAGE_VAR) or None,
        "jupyterlab": jupyterlab_language(env) if in_lab else None,
        "browser": parse_accept_language(env.get("HTTP_ACCEPT_LANGUAGE", "")),
    }


def _settings_dir(env: Mapping[str, str]) -> Path:
    configured = env.get("JUPYTERLAB_SETTINGS_DIR")
    if configured:
        return Path(configured)
    config = env.get("JUPYTER_CONFIG_DIR")
    if not config:
        from jupyter_core.paths import jupyter_config_dir

        config = jupyter_config_dir()
    return Path(config) / "lab" / "user-settings"


def jupyterlab_language(env: Mapping[str, str] = os.environ) -> str | None:
    """JupyterLab's display language (``"es_ES"``), or ``None`` where it is not set.

    JupyterLab keeps it in the user's settings folder (``JUPYTERLAB_SETTINGS_DIR``, default
    ``~/.jupyter/lab/user-settings``), in
    ``@jupyterlab/translation-extension/plugin.jupyterlab-settings`` (JSON with comments).
    """
    path = _settings_dir(env) / _SETTINGS
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_SETTINGS + 1)
    except OSError:
        return None
    if len(raw) > _MAX_SETTINGS:
        return None
    try:
        import json5

        data = json5.loads(raw.decode("utf-8"))
    except Exception:  # a hand-edited file JupyterLab itself would not read
        return None
    locale = data.get("locale") if isinstance(data, dict) else None
    return locale if isinstance(locale, str) and locale not in ("", "default") else None
