"""lessonkit's per-user cache folder: work one process did that the next need not repeat.

In Voilà every page load starts a fresh kernel, so anything a kernel computes before the
lesson appears (the compiled schema check, highlighted code) is paid on every page unless it
is kept on disk. Only a folder and files owned by the current user and writable by no one
else are read back: a cache is never a way for another account to put code or HTML into a
learner's page. Where no such folder can be had (no writable home, another owner, loose
permissions, Windows), callers simply compute as before.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["cache_dir", "is_private", "private_folder", "write_private"]


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """lessonkit's per-user cache folder (not created here): ``$LESSONKIT_HOME/cache`` when
    ``LESSONKIT_HOME`` is set, else ``$XDG_CACHE_HOME/lessonkit`` (``~/.cache/lessonkit``)."""
    if env.get("LESSONKIT_HOME"):
        return Path(env["LESSONKIT_HOME"]).expanduser() / "cache"
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "lessonkit"


def is_private(path: Path, *, folder: bool = False) -> bool:
    """Whether ``path`` is the current user's own folder (or regular file), not a link, and
    writable by no one else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    return kind and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def private_folder(name: str, env: Mapping[str, str] = os.environ) -> Path | None:
    """``<cache folder>/<name>``, created ``0700`` if need be, or ``None`` when it cannot be
    had or is not private (see :func:`is_private`)."""
    if sys.platform == "win32" or not hasattr(os, "geteuid"):
        return None
    folder = cache_dir(env) / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if is_private(folder, folder=True) else None


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode ``0600``) atomically: a process reading it at the
    same moment sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
