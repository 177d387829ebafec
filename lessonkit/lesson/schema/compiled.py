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
one else are imported from (see :mod:`lessonkit.lesson.usercache`); anything else (another
owner, loose permissions, a symbolic link, no writable home, Windows, a file that does not
load) falls back to compiling in memory, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import py_compile
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..usercache import is_private, private_folder, write_private

__all__ = ["compiled_check"]

_FORMAT = 1
"""Version of the cached module's layout (bumped if what is written here changes)."""
_ENTRY = "lessonkit_validate"
"""Name the cached module gives the root validator."""
_ROOT_DEF = re.compile(r"^def (validate\w*)\(", re.MULTILINE)


def _generate(schema: dict[str, Any]) -> str:
    import fastjsonschema

    code = fastjsonschema.compile_to_code(schema, detailed_exceptions=False)
    root = _ROOT_DEF.search(code)  # the root validator is generated first
    if root is None:  # pragma: no cover - a fastjsonschema that writes code differently
        raise ValueError("fastjsonschema's code has no validator function")
    return f"{code}\n\n{_ENTRY} = {root.group(1)}\n"


def _write(path: Path, code: str) -> None:
    """Write ``code`` to ``path``, then its bytecode (checked against the source's hash when
    imported)."""
    write_private(path, code)
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

    folder = private_folder("schema", env)
    if folder is None:
        return fastjsonschema.compile(schema, detailed_exceptions=False)
    text = json.dumps(schema, sort_keys=True)
    digest = hashlib.sha256(
        f"{_FORMAT}\0{fastjsonschema.VERSION}\0{sys.version}\0{text}".encode()
    ).hexdigest()[:32]
    path = folder / f"lesson_{digest}.py"
    try:
        if not is_private(path):
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
