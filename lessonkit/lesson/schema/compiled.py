"""The compiled "valid or not" schema check, kept as a module in the user's cache folder.

fastjsonschema turns the lesson schema into about 110 KB of Python, and compiling that text
takes 40-60 ms — paid by every process that loads a lesson, which in Voilà is every page load
(each page starts a fresh kernel). Written once as a ``.py`` file in a private cache folder,
the code is byte-compiled there once (explicitly, so also where ``PYTHONDONTWRITEBYTECODE`` is
set) and later processes load that bytecode in a few milliseconds. The bytecode records a hash
of the source, which Python checks at every import.

The file's name is a digest of everything the code is generated from (the schema, the
fastjsonschema version, the options, this module's format), so a changed schema or library
never reuses old code. Only a folder and a file owned by the current user and writable by no
one else are imported from; anything else (another owner, loose permissions, a symbolic link,
no writable home, Windows, a file that does not load) falls back to compiling in memory, as
before.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import py_compile
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "compiled_check"]

_FORMAT = 1
"""Version of the cached module's layout (bumped if what is written here changes)."""
_ENTRY = "lessonkit_validate"
"""Name the cached module gives the root validator."""
_ROOT_DEF = re.compile(r"^def (validate\w*)\(", re.MULTILINE)


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """lessonkit's per-user cache folder (not created here): ``$LESSONKIT_HOME/cache`` when
    ``LESSONKIT_HOME`` is set, else ``$XDG_CACHE_HOME/lessonkit`` (``~/.cache/lessonkit``)."""
    if env.get("LESSONKIT_HOME"):
        return Path(env["LESSONKIT_HOME"]).expanduser() / "cache"
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "lessonkit"


def _private(path: Path, *, folder: bool) -> bool:
    """Whether ``path`` is the current user's own folder (or regular file), not a link, and
    writable by no one else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    return kind and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _folder(env: Mapping[str, str]) -> Path | None:
    if sys.platform == "win32" or not hasattr(os, "geteuid"):
        return None
    folder = cache_dir(env) / "schema"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if _private(folder, folder=True) else None


def _generate(schema: dict[str, Any]) -> str:
    import fastjsonschema

    code = fastjsonschema.compile_to_code(schema, detailed_exceptions=False)
    root = _ROOT_DEF.search(code)  # the root validator is generated first
    if root is None:  # pragma: no cover - a fastjsonschema that writes code differently
        raise ValueError("fastjsonschema's code has no validator function")
    return f"{code}\n\n{_ENTRY} = {root.group(1)}\n"


def _write(path: Path, code: str) -> None:
    """Write ``code`` to ``path`` atomically (another kernel may be reading it), then its
    bytecode (checked against the source's hash when imported)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(code)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    py_compile.compile(
        str(path), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )


def _load(path: Path, name: str) -> Callable[[Any], Any] | None:
    spec = importlib.util.spec_from_file_location(f"lessonkit_schema_cache_{name}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has one
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    check = getattr(module, _ENTRY, None)
    return check if callable(check) else None


def compiled_check(
    schema: dict[str, Any], env: Mapping[str, str] = os.environ
) -> Callable[[Any], Any]:
    """fastjsonschema's validator for ``schema`` (without detailed exceptions), imported from
    the cache folder when it is there and private, written there first when it is not."""
    import fastjsonschema

    folder = _folder(env)
    if folder is None:
        return fastjsonschema.compile(schema, detailed_exceptions=False)
    text = json.dumps(schema, sort_keys=True)
    digest = hashlib.sha256(
        f"{_FORMAT}\0{fastjsonschema.VERSION}\0{sys.version}\0{text}".encode()
    ).hexdigest()[:32]
    path = folder / f"lesson_{digest}.py"
    try:
        if not _private(path, folder=False):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # not ours, or not private: never imported; written afresh
            _write(path, _generate(schema))
        check = _load(path, digest)
    except Exception:  # a cache that fails must not stop a lesson loading
        check = None
    if check is None:
        with contextlib.suppress(OSError):
            path.unlink()  # written afresh by the next process
        return fastjsonschema.compile(schema, detailed_exceptions=False)
    return check
