"""A local spool for statements the course service could not take yet.

Each process writes its own append-only JSON-lines file (one statement per line, flushed and
``fsync``-ed per batch) in a spool folder in the learner's home, and holds an exclusive
``flock`` on it while it lives. A file whose lock can be taken belongs to a process that has
gone (a killed kernel): any process may adopt it (move its lines into its own file) and
delete it. Sending twice is harmless: statement ids are deterministic and the service skips ids
it already has.

Statements the service refuses for good (invalid, or too large for it) are kept aside in
``refused/`` below the spool folder, one JSON object per line with the service's reason, and
never sent again: nothing is thrown away, and nothing blocks the statements behind them.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["Spool"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no adoption of other processes' files
    fcntl = None  # type: ignore[assignment]


def _lock(handle: IO[bytes], *, wait: bool) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def _lines(data: bytes) -> list[str]:
    """Complete JSON lines (a torn last line of a killed writer is dropped, and so is a line
    no parser can read, e.g. nested a hundred thousand deep in an edited file)."""
    out = []
    for line in data.split(b"\n"):
        try:
            text = line.decode("utf-8")
            json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        out.append(text)
    return out


class Spool:
    """This process's spool file in ``folder``, and adoption of orphaned ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._handle: IO[bytes] | None = None
        self.path: Path | None = None
        self._count = 0  # lines in this process's file (only this process writes it)
        self.refused_path: Path | None = None
        """This process's file of statements kept aside (created on first use)."""

    def _own(self) -> IO[bytes]:
        if self._handle is None:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            name = f"{int(time.time())}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            # Locked before it gets the name adopters look for, so no one adopts it early.
            tmp = self.folder / (name + ".new")
            handle = open(tmp, "a+b")  # noqa: SIM115 - held for the process's life
            _lock(handle, wait=True)
            self.path = self.folder / (name + ".jsonl")
            os.replace(tmp, self.path)
            self._handle = handle
        return self._handle

    def add(self, lines: list[str]) -> None:
        """Append ``lines`` durably (fsync) to this process's file."""
        if not lines:
            return
        with self._lock:
            handle = self._own()
            handle.seek(0, os.SEEK_END)
            handle.write("".join(line + "\n" for line in lines).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
            self._count += len(lines)

    def own_count(self) -> int:
        """How many lines this process's file holds (without reading it)."""
        with self._lock:
            return self._count

    def set_aside(self, refused: list[tuple[str, str]]) -> None:
        """Keep ``(line, reason)`` pairs in this process's file under ``refused/`` (fsync)."""
        if not refused:
            return
        stamp = json.dumps(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        text = "".join(
            f'{{"refused":{stamp},"reason":{json.dumps(reason)},"statement":{line}}}\n'
            for line, reason in refused
        )
        with self._lock:
            if self.refused_path is None:
                folder = self.folder / "refused"
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                name = f"{int(time.time())}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
                self.refused_path = folder / name
            with open(self.refused_path, "ab") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())

    def own_lines(self) -> list[str]:
        """The lines in this process's file."""
        with self._lock:
            if self._handle is None:
                return []
            self._handle.seek(0)
            return _lines(self._handle.read())

    def drop_own(self, count: int) -> None:
        """Forget the first ``count`` lines of this process's file (they were delivered)."""
        with self._lock:
            if self._handle is None:
                return
            self._handle.seek(0)
            rest = _lines(self._handle.read())[count:]
            self._count = len(rest)
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.write("".join(line + "\n" for line in rest).encode("utf-8"))
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def orphans(self) -> Iterator[tuple[Path, list[str]]]:
        """Files of processes that have gone, each locked while the caller handles it; the
        caller deletes a delivered file with :meth:`remove` before moving on."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.jsonl")):
            if path == self.path:
                continue
            try:
                handle = open(path, "rb")  # noqa: SIM115 - closed below
            except OSError:
                continue
            try:
                if _lock(handle, wait=False):
                    yield path, _lines(handle.read())
            finally:
                handle.close()

    def pending_lines(self) -> list[str]:
        """Every line waiting in the folder (this process's and orphaned files), for reads."""
        found = self.own_lines()
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.jsonl")):
                if path != self.path:
                    try:
                        found.extend(_lines(path.read_bytes()))
                    except OSError:
                        continue
        return found

    @staticmethod
    def remove(path: Path) -> None:
        """Delete a delivered orphan file."""
        path.unlink(missing_ok=True)

    def close(self) -> None:
        """Release this process's file; delete it if everything in it was delivered."""
        with self._lock:
            if self._handle is None:
                return
            self._handle.seek(0, os.SEEK_END)
            empty = self._handle.tell() == 0
            self._handle.close()
            self._handle = None
            if empty and self.path is not None:
                self.path.unlink(missing_ok=True)
