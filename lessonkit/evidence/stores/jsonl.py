"""The default store: append-only JSON-lines files, one per learner per session.

Layout under the root folder::

    <root>/<lesson>/<learner-key>/<registration>.jsonl

``<learner-key>`` is a readable slug of the learner's id plus 16 hex digits of a SHA-256 of
``(home page, id)``: safe on every file system, distinct for distinct learners even where
file names are case-insensitive. Each file starts with a header line
``{"lessonkit": "evidence", "schema": 1, ...}``; every other line is one statement.

Why files: JupyterHub homes are often on NFS, where SQLite's locking is unsafe. A session is
the only writer of its file, so no locking between learners is needed at all.

Locking
-------
A session's file is locked with ``flock(LOCK_EX | LOCK_NB)`` when this store first writes to
it, and stays locked until :meth:`JsonlStore.close` (or until the file is closed to keep at
most ``max_open`` files open). A store dropped without ``close()`` releases its files when it
is garbage-collected (a :func:`weakref.finalize`), so the same process can open the session
again; nothing is lost by that, since every ``append`` was complete in the file on return.
Taking the lock never blocks: a second writer — another process or another ``JsonlStore`` —
gets a :class:`~lessonkit.errors.StorageError` at once (``… is being written by another
process …``). The lock dies with its process; to take a session over, close the store holding
it (or let its process end) and write again. Readers take no lock.
(On Windows, without ``flock``, one writer per file is a convention.)

File security
-------------
Below the root, folders and files are opened relative to their parent with ``O_NOFOLLOW`` and
must belong to the current user, as must the root; folders are created ``0700`` and files
``0600`` whatever the umask, and looser modes are tightened (see
:mod:`lessonkit.evidence.safefs`). A planted link, FIFO or another user's folder is refused
with a :class:`~lessonkit.errors.StorageError`. Readers skip links inside the store.

Durability promise
------------------
When :meth:`JsonlStore.append` returns, each statement is one complete line in its file,
written with a single ``os.write`` call per file on an ``O_APPEND`` descriptor, and the data
was flushed with ``fdatasync`` (``F_FULLFSYNC`` on macOS; when a file or folder is created, the
folders holding the new names are fsynced too). It therefore survives a crash of the process
at any moment, and a power loss or OS crash as far as the disk honours flushes. With
``fsync=False`` it survives a process crash only. A crash *during* ``append`` may leave a torn
last line: readers skip it with a :class:`~lessonkit.evidence.stores.StoreWarning`, and the
next writer of that file cuts it off.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
import weakref
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...errors import StorageError
from ..events import LearnerRef
from ..safefs import PRIVATE_FILE, SECURE, open_private_file, open_root, open_subdir
from ..statements import format_timestamp
from .base import BaseStore, Filter, Learner, Statement, StoreWarning, prepare
from .jsonl_format import (
    SCHEMA_VERSION,
    SUFFIX,
    learner_key,
    lesson_dir,
    matches,
    read_file,
    session_files,
    statement_index,
)

try:  # POSIX only; on Windows one writer per file is a convention, not enforced.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["SCHEMA_VERSION", "JsonlStore", "learner_key"]


def _sync(fd: int) -> None:
    if sys.platform == "darwin" and fcntl is not None:  # pragma: no cover - macOS
        fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
    elif hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:  # pragma: no cover - Windows
        os.fsync(fd)


def _sync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover - folders cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_Session = tuple[Path, str, LearnerRef, str]
"""A session file and what it is for: (path, lesson, learner, registration)."""


class _Writer:
    """An open, locked file of one registration, and the ids already in it."""

    __slots__ = ("fd", "ids", "path", "size")

    def __init__(self, path: Path, fd: int, size: int, ids: set[str]) -> None:
        self.path, self.fd, self.size, self.ids = path, fd, size, ids

    def write(self, data: bytes, *, fsync: bool) -> None:
        start = self.size
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            if fsync:
                _sync(self.fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no partial line (we are the only writer)
                os.ftruncate(self.fd, start)
            raise StorageError(f"cannot write evidence to {self.path}: {exc}") from exc
        self.size = start + len(data)

    def close(self) -> None:
        os.close(self.fd)  # also releases the flock


class JsonlStore(BaseStore):
    """Statements in append-only JSON-lines files under ``root`` (see the module docstring).

    Parameters
    ----------
    root
        The folder; created on first write unless ``create`` is false.
    fsync
        Flush to stable storage on every :meth:`append` (default). ``False`` keeps data safe
        from a process crash only, and is much faster.
    create
        With ``False``, a missing ``root`` is a :class:`~lessonkit.errors.StorageError`.
    max_open
        Files kept open between appends (the oldest are closed beyond this).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        fsync: bool = True,
        create: bool = True,
        max_open: int = 64,
    ) -> None:
        super().__init__()
        self.root = Path(root).expanduser().absolute()
        self.url = self.root.as_uri()
        self.fsync = fsync
        self.max_open = max(1, max_open)
        self._writers: dict[Path, _Writer] = {}
        # Releases the files (and their locks) when the store is dropped without close(): the
        # finaliser holds the writers, never the store, so it cannot keep the store alive.
        self._release = weakref.finalize(self, _close_writers, self._writers)
        self._sessions: dict[tuple[str, str, str, str], _Session] = {}
        if self.root.exists() and not self.root.is_dir():
            raise StorageError(f"evidence store {self.root} is a file, not a folder")
        if not create and not self.root.is_dir():
            raise StorageError(f"no evidence store at {self.root} (the folder does not exist)")

    # ------------------------------------------------------------------ paths

    def path_for(self, lesson: str, learner: LearnerRef, registration: str) -> Path:
        """The file of one session."""
        return self.root / lesson_dir(lesson) / learner_key(learner) / f"{registration}{SUFFIX}"

    # ------------------------------------------------------------------ writing

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Append statements to their sessions' files; durable on return (see module doc).

        Statements whose id is already in their file are skipped.
        """
        self._check_open()
        groups: dict[Path, tuple[_Session, list[tuple[str, bytes]]]] = {}
        for index, text in prepare(statements):
            key = (index.lesson, index.learner_home, index.learner, index.registration)
            session = self._sessions.get(key)
            if session is None:
                learner = LearnerRef(id=index.learner, home_page=index.learner_home)
                path = self.path_for(index.lesson, learner, index.registration)
                session = (path, index.lesson, learner, index.registration)
                if len(self._sessions) >= 4096:
                    self._sessions.clear()
                self._sessions[key] = session
            groups.setdefault(session[0], (session, []))[1].append(
                (index.id, text.encode() + b"\n")
            )
        for session, lines in groups.values():
            writer = self._writer(*session)
            fresh: list[bytes] = []
            new_ids: set[str] = set()
            for sid, line in lines:
                if sid not in writer.ids and sid not in new_ids:
                    new_ids.add(sid)
                    fresh.append(line)
            if fresh:
                writer.write(b"".join(fresh), fsync=self.fsync)
                writer.ids |= new_ids

    def _writer(self, path: Path, lesson: str, learner: LearnerRef, registration: str) -> _Writer:
        writer = self._writers.get(path)
        if writer is not None:
            return writer
        while len(self._writers) >= self.max_open:
            self._writers.pop(next(iter(self._writers))).close()
        try:
            writer = self._open(path, lesson, learner, registration)
        except OSError as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"cannot open evidence file {path}: {exc}") from exc
        self._writers[path] = writer
        return writer

    def _open(self, path: Path, lesson: str, learner: LearnerRef, registration: str) -> _Writer:
        """Open (creating as needed) and lock a session's file; see "File security"."""
        if not SECURE:  # pragma: no cover - Windows: no O_NOFOLLOW, no dir_fd
            path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
            fd = os.open(path, flags, PRIVATE_FILE)
            try:
                return self._start(fd, path, lesson, learner, registration)
            except BaseException:
                os.close(fd)
                raise
        folders: list[int] = []
        try:
            root, root_new = open_root(self.root, create=True)
            folders.append(root)
            lesson_fd, lesson_new = open_subdir(
                root, path.parent.parent.name, path.parent.parent, create=True
            )
            folders.append(lesson_fd)
            learner_fd, learner_new = open_subdir(
                lesson_fd, path.parent.name, path.parent, create=True
            )
            folders.append(learner_fd)
            fd, created = open_private_file(learner_fd, path.name, path, os.O_RDWR | os.O_APPEND)
            try:
                writer = self._start(fd, path, lesson, learner, registration)
                if self.fsync:  # make the new names themselves durable
                    for new, folder in (
                        (created, learner_fd),
                        (learner_new, lesson_fd),
                        (lesson_new, root),
                    ):
                        if new:
                            os.fsync(folder)
                    if root_new:
                        _sync_dir(self.root.parent)
                return writer
            except BaseException:
                os.close(fd)
                raise
        finally:
            for folder in folders:
                os.close(folder)

    def _start(
        self, fd: int, path: Path, lesson: str, learner: LearnerRef, registration: str
    ) -> _Writer:
        """Lock an open session file, recover it, and write its header if it is empty."""
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageError(
                    f"{path} is being written by another process: a session's evidence "
                    "file takes one writer at a time (is the lesson open twice?)"
                ) from None
        size, ids = self._recover(path, fd)
        writer = _Writer(path, fd, size, ids)
        if size == 0:
            header = {
                "lessonkit": "evidence",
                "schema": SCHEMA_VERSION,
                "lesson": lesson,
                "learner": {"name": learner.id, "homePage": learner.home_page},
                "registration": registration,
                "created": format_timestamp(datetime.now(UTC)),
            }
            # Not synced on its own: the batch that follows at once is, and covers it.
            writer.write(json.dumps(header).encode() + b"\n", fsync=False)
        return writer

    def _recover(self, path: Path, fd: int) -> tuple[int, set[str]]:
        """Size and statement ids of an existing file, cutting off a torn last line."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, set()
        with open(fd, "rb", closefd=False) as handle:
            handle.seek(0)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            os.ftruncate(fd, end)
            _sync(fd)
            warnings.warn(
                f"{path}: cut off a torn last line ({len(data) - end} bytes) left by an "
                "interrupted write",
                StoreWarning,
                stacklevel=5,
            )
            data = data[:end]
        ids: set[str] = set()
        for line in data.splitlines():
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: nested beyond the parser
                continue
            if isinstance(item, dict):
                if "lessonkit" in item and item.get("schema") != SCHEMA_VERSION:
                    raise StorageError(
                        f"{path} uses evidence file schema {item.get('schema')!r}; this "
                        f"lessonkit writes schema {SCHEMA_VERSION} and will not append to it"
                    )
                if isinstance(item.get("id"), str):
                    ids.add(item["id"])
        return end, ids

    # ------------------------------------------------------------------ reading

    def read(
        self,
        learner: Learner | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Statement]:
        """Matching statements, file by file, each file in append order.

        Damaged lines (torn, not JSON, under an unknown schema header) are skipped with one
        :class:`~lessonkit.evidence.stores.StoreWarning` per file; a file that cannot be opened is
        skipped with a warning too.
        """
        self._check_open()
        wanted = Filter(learner, lesson, registration, since)
        unfiltered = learner is None and lesson is None and registration is None and since is None
        for path in session_files(self.root, wanted):
            for statement in read_file(path):
                if unfiltered or matches(wanted, statement):
                    yield statement

    def frame(
        self, learner: str | None = None, lesson: str | None = None, *, cache: bool = True
    ) -> Any:
        """The analysis frame of ``read(learner=..., lesson=...)``; with pyarrow and ``cache``
        through columnar copies of the files (:mod:`.jsonl_cache`): faster, the same frame."""
        self._check_open()
        from ..frame import statements_frame
        from .jsonl_cache import read_frame

        frame = read_frame(self.root, Filter(learner, lesson, None, None)) if cache else None
        return (
            statements_frame(self.read(learner=learner, lesson=lesson)) if frame is None else frame
        )

    def registrations(self, learner: Learner, lesson: str) -> list[str]:
        """Registrations of ``learner`` in ``lesson``, oldest first (by first statement)."""
        self._check_open()
        wanted = Filter(learner, lesson, None, None)
        first: dict[str, str] = {}
        for path in session_files(self.root, wanted):
            for statement in read_file(path):
                index = statement_index(statement)
                if index is not None and wanted.matches(index):
                    reg, stamp = index.registration, index.timestamp
                    if reg not in first or stamp < first[reg]:
                        first[reg] = stamp
        return sorted(first, key=lambda reg: (first[reg], reg))

    def close(self) -> None:
        """Close every open file (releasing their locks)."""
        _close_writers(self._writers)
        super().close()


def _close_writers(writers: dict[Path, _Writer]) -> None:
    """Close ``writers``' files, releasing their locks (each one once)."""
    while writers:
        writers.popitem()[1].close()
