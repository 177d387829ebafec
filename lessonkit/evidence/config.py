"""lessonkit's configuration files: ``./lessonkit.toml`` (a course or project), then the user's.

The user's file is ``$XDG_CONFIG_HOME/lessonkit/config.toml`` (default
``~/.config/lessonkit/config.toml``; ``%APPDATA%\\lessonkit\\config.toml`` on Windows). Both are
TOML; the keys lessonkit reads are ``store`` (the evidence store URL, see
:func:`lessonkit.evidence.stores.configured_store_url`) and ``secret_file`` (see
:mod:`lessonkit.evidence.secret`). A relative path in a file is relative to that file's folder.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

from ..errors import StorageError

__all__ = ["CONFIG_NAME", "config_value", "user_config"]

CONFIG_NAME = "lessonkit.toml"
"""Name of a project's or course's config file, looked up in the current folder."""


def user_config(env: Mapping[str, str] = os.environ) -> Path:
    """The user's config file (which may not exist)."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        base = Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or Path.home()) / ".config")
    return base / "lessonkit" / "config.toml"


def config_value(
    key: str,
    env: Mapping[str, str] = os.environ,
    cwd: str | os.PathLike[str] | None = None,
    *,
    expected: str = "a non-empty string",
) -> tuple[str, Path] | None:
    """The first ``key`` found in ``./lessonkit.toml`` then the user's config file, with the
    file it came from; ``None`` if neither sets it.

    Raises
    ------
    StorageError
        A config file exists but cannot be parsed, or ``key`` is not a non-empty string there
        (the message says it must be ``expected``).
    """
    for path in (Path(cwd or os.getcwd()) / CONFIG_NAME, user_config(env)):
        if not path.is_file():
            continue
        try:
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StorageError(f"{path}: cannot read the lessonkit config: {exc}") from exc
        value = config.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise StorageError(f"{path}: {key} must be {expected}")
        return value, path
    return None
