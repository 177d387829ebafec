"""Evidence stores: where xAPI statements are kept, chosen by URL.

=====================================  ==============================================
URL                                    store
=====================================  ==============================================
``/some/folder``, ``file:///folder``   :class:`JsonlStore` (the default; NFS-safe)
``sqlite:///path/evidence.db``         :class:`SqlStore` on SQLite (WAL, FULL sync)
``postgresql://user@host/db``          :class:`SqlStore` on PostgreSQL (psycopg 3)
``memory://``                          :class:`MemoryStore` (this process only)
``<scheme>://…``                       a store registered in the ``lessonkit.stores``
                                       entry-point group under ``<scheme>``
=====================================  ==============================================

:func:`open_store` with no URL looks, in order, at ``LESSONKIT_STORE``, a ``store = "…"`` key
in ``./lessonkit.toml``, then in the user config file (``$XDG_CONFIG_HOME/lessonkit/config.toml``,
default ``~/.config/lessonkit/config.toml``), and finally uses a JSON-lines store in
``<user data dir>/evidence`` (see :func:`lessonkit.evidence.identity.user_data_dir`). Relative paths
in a config file are relative to that file's folder.

SQL support is imported only when a SQL URL is opened, so ``import lessonkit`` stays light.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ...errors import PluginError, StorageError
from ..config import config_value
from ..events import Event
from .base import BaseStore, Learner, Statement, Store, StoreWarning
from .jsonl import JsonlStore
from .memory import MemoryStore

if TYPE_CHECKING:
    from .sql import SqlStore

__all__ = [
    "ENTRY_POINT_GROUP",
    "BaseStore",
    "JsonlStore",
    "MemoryStore",
    "SqlStore",
    "Statement",
    "Store",
    "StoreWarning",
    "configured_store_url",
    "load_session_events",
    "open_store",
]

ENTRY_POINT_GROUP = "lessonkit.stores"
"""Entry-point group of third-party stores: ``scheme = "package.module:factory"``, where
``factory(url: str) -> Store``."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def __getattr__(name: str) -> Any:
    if name == "SqlStore":  # imports SQLAlchemy: only on demand
        from .sql import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def configured_store_url(
    env: Mapping[str, str] = os.environ, cwd: str | os.PathLike[str] | None = None
) -> str:
    """The store URL from the environment or a config file, else the default JSON-lines folder.

    Raises
    ------
    StorageError
        If a config file exists but cannot be parsed, or its ``store`` is not a string.
    """
    if env.get("LESSONKIT_STORE"):
        return env["LESSONKIT_STORE"]
    found = config_value("store", env, cwd, expected='a URL string, e.g. store = "sqlite:///x.db"')
    if found is not None:
        url, path = found
        return _relative_to(url, path.parent)
    from ..identity import user_data_dir

    return str(user_data_dir(env) / "evidence")


def _relative_to(url: str, folder: Path) -> str:
    """``url`` with a relative file or SQLite path made absolute against ``folder``."""
    scheme = _scheme(url)
    if scheme is None:
        return str(folder / Path(url).expanduser())
    if scheme == "file":
        path = _file_path(url)
        return (folder / path).as_uri() if not path.is_absolute() else url
    if scheme.startswith("sqlite"):
        prefix, _, rest = url.partition(":///")
        if rest and not rest.startswith("/") and not rest.startswith(":memory:"):
            return f"{prefix}:///{(folder / rest).as_posix()}"
    return url


def _scheme(url: str) -> str | None:
    """The URL scheme in lower case, or ``None`` for a plain path (``C:`` counts as a path)."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _file_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise StorageError(f"{url}: only local file URLs are supported (no host)")
    return Path(url2pathname(unquote(parts.path))).expanduser()


def open_store(url: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open the store at ``url`` (see the module docstring for URLs and defaults).

    Parameters
    ----------
    url
        Store URL or folder path; ``None`` for the configured store.
    create
        Create the store if missing (default). ``False`` is for readers such as
        ``lessonkit export``: a missing store is then a :class:`StorageError`.

    Raises
    ------
    StorageError
        Unknown scheme, unreachable database, missing store with ``create=False``.
    PluginError
        A store registered under the scheme failed to load.
    """
    text = configured_store_url() if url is None else os.fspath(url)
    scheme = _scheme(text)
    if scheme is None:
        return JsonlStore(text, create=create)
    if scheme == "file":
        return JsonlStore(_file_path(text), create=create)
    if scheme == "memory":
        return MemoryStore()
    if scheme in ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg"):
        from .sql import SqlStore

        if scheme in ("postgresql", "postgres"):
            text = "postgresql+psycopg:" + text.split(":", 1)[1]
        return SqlStore(text, create=create)
    return _plugin_store(scheme, text)


def _plugin_store(scheme: str, url: str) -> Store:
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == scheme]
    if not found:
        raise StorageError(
            f"unknown store URL scheme {scheme!r} in {url!r}: use a folder path, file://, "
            "sqlite:///, postgresql:// or memory://, or install a package that registers "
            f"{scheme!r} in the {ENTRY_POINT_GROUP!r} entry-point group"
        )
    try:
        factory = found[0].load()
        store = factory(url)
    except StorageError:
        raise
    except Exception as exc:
        raise PluginError(
            f"store plugin {scheme!r} ({found[0].value}) failed to open {url!r}: {exc}"
        ) from exc
    if not isinstance(store, Store):
        raise PluginError(
            f"store plugin {scheme!r} ({found[0].value}) returned {type(store).__name__}, "
            "which lacks the Store methods (append, append_many, read, registrations, close)"
        )
    return store


def load_session_events(
    store: Store, learner: Learner, lesson: str, registration: str | None = None
) -> list[Event]:
    """The events of one session of ``learner`` in ``lesson``, in ``seq`` order, ready for
    ``LessonSession.resume``: the given ``registration``, or the latest one (``[]`` if none).

    Statements not made by lessonkit are skipped.
    """
    from ..statements import statement_to_event

    if registration is None:
        found = store.registrations(learner, lesson)
        if not found:
            return []
        registration = found[-1]
    events = []
    for statement in store.read(learner=learner, lesson=lesson, registration=registration):
        try:
            events.append(statement_to_event(statement))
        except ValueError:
            continue
    events.sort(key=lambda event: event.seq)
    return events
