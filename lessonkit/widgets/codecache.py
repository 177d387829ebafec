"""Highlighted code blocks kept in the user's cache folder, for the next kernel.

Pygments compiles a lexer's hundred-odd regular expressions the first time a process uses it:
about 30 ms for Python on a quiet 2-core machine, 60-100 ms under load. In Voilà every page
load is a fresh kernel, and a lesson's first screen often shows code, so each page paid it.
The HTML of each block highlighted once is kept in one JSON file per Pygments version in the
private cache folder (see :mod:`lessonkit.lesson.usercache`): later kernels read it back and
never build the lexer for blocks they have seen. The file is read only when it is the user's
own and writable by no one else, and only text values are taken from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

from ..lesson.usercache import is_private, private_folder, write_private

__all__ = ["CodeCache", "code_cache"]

_FORMAT = 1
"""Version of the highlighting options (the formatter's CSS class...): part of the name."""
_MAX_ENTRIES = 2000
"""Blocks kept (the oldest are dropped): enough for many lessons, small to read."""


def _key(code: str, lang: str) -> str:
    return hashlib.sha256(f"{lang}\0{code}".encode()).hexdigest()[:32]


class CodeCache:
    """HTML of highlighted blocks by (code, language), read from and written to ``path``
    (``None``: kept in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        if self.path is None or not is_private(self.path):
            return {}
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _load(self) -> dict[str, str]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def get(self, code: str, lang: str) -> str | None:
        """The block's HTML, if a process highlighted it before."""
        with self._lock:
            return self._load().get(_key(code, lang))

    def put(self, code: str, lang: str, html: str) -> None:
        """Keep the block's HTML (and write the file, if there is one)."""
        with self._lock:
            entries = self._load()
            entries[_key(code, lang)] = html
            if self.path is None:
                return
            merged = {**self._read(), **entries}  # what other kernels added meanwhile
            while len(merged) > _MAX_ENTRIES:
                del merged[next(iter(merged))]
            with contextlib.suppress(OSError):
                write_private(self.path, json.dumps(merged))


@cache
def code_cache() -> CodeCache:
    """This process's cache of highlighted blocks (its file found on first use)."""
    import pygments

    folder = private_folder("highlight")
    name = f"pygments-{pygments.__version__}-v{_FORMAT}.json"
    return CodeCache(folder / name if folder is not None else None)
