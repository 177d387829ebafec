"""One learner, one live session: the newest view of a lesson holds it, older views step back.

A learner may open the same lesson twice: a second browser tab (in Voilà each page has its own
kernel), or a launcher cell run again in JupyterLab (the same kernel). Both views resume the
*same* session from the evidence store — never a fork — and only one of them may write to it:

- a :class:`Lease` (a small JSON file per learner and lesson in the user data folder, next to
  the default evidence) names the view that holds the session. A new view claims it;
- the view that lost it notices — at once in the same kernel (:func:`register`), within
  :data:`POLL` seconds in another kernel (:class:`Watcher`), and before any action it takes —
  closes its evidence writer (so the new view gets the store's writer lock) and shows "This
  lesson continued in another tab" with a button to take it back, which resumes from the
  store again.

Nothing is lost: every action a view acknowledged was appended to the store before its
feedback was shown, and the view taking over replays all of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["POLL", "Lease", "Watcher", "lease_for", "register", "release_local"]

POLL = 0.25
"""Seconds between two looks at the lease by a view that holds it."""

_LIVE: dict[str, weakref.ReferenceType[Any]] = {}
_LIVE_LOCK = threading.Lock()


class Lease:
    """Which view holds the live session of one learner in one lesson.

    Parameters
    ----------
    path
        The lease file; ``None`` turns coordination off (every view holds its own).
    owner
        This view's id (a fresh UUID by default).
    """

    def __init__(self, path: Path | None, owner: str | None = None) -> None:
        self.path = path
        self.owner = owner or uuid.uuid4().hex
        self._seen: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """What identifies the learner and lesson (the file name), for in-kernel handover."""
        return str(self.path) if self.path is not None else f"unshared:{self.owner}"

    def claim(self) -> None:
        """Make this view the holder (atomically replacing any other holder's record)."""
        if self.path is None:
            return
        record = {"owner": self.owner, "pid": os.getpid(), "at": time.time()}
        tmp = self.path.with_name(f".{self.path.name}.{self.owner}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a read-only home: no coordination, as before leases existed
            with contextlib.suppress(OSError):
                tmp.unlink()
            self.path = None
            return
        self._seen = self._stamp()

    def holder(self) -> str | None:
        """The holder's id, or ``None`` when nobody has claimed the lease."""
        if self.path is None:
            return self.owner
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        owner = record.get("owner") if isinstance(record, dict) else None
        return owner if isinstance(owner, str) else None

    def held(self) -> bool:
        """Whether this view holds the session (a missing record counts as held)."""
        holder = self.holder()
        return holder is None or holder == self.owner

    def changed(self) -> bool:
        """Whether the lease file changed since this view last looked (a cheap ``stat``)."""
        stamp = self._stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        return True

    def _stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_ino)


def lease_for(store_url: str, lesson_id: str, learner: Any, folder: Path | None = None) -> Lease:
    """The lease of ``learner`` in ``lesson_id`` with the store at ``store_url``."""
    if folder is None:
        from ..evidence.identity import user_data_dir

        folder = user_data_dir() / "live"
    who = f"{store_url}|{lesson_id}|{learner.home_page}|{learner.id}"
    name = hashlib.sha256(who.encode("utf-8")).hexdigest()[:32]
    return Lease(folder / f"{name}.json")


def register(key: str, view: Any) -> None:
    """Record ``view`` as the live view for ``key`` in this kernel; a previous one steps back."""
    with _LIVE_LOCK:
        ref = _LIVE.get(key)
        _LIVE[key] = weakref.ref(view)
    old = ref() if ref is not None else None
    if old is not None and old is not view:
        old.hand_over()


def release_local(key: str) -> None:
    """Hand over the live view for ``key`` in this kernel (a launcher cell run again), so it
    releases the store before a new view resumes the session."""
    with _LIVE_LOCK:
        ref = _LIVE.pop(key, None)
    old = ref() if ref is not None else None
    if old is not None:
        old.hand_over()


class Watcher:
    """Calls ``on_lost()`` when the lease passes to another view (a light poll, daemon thread).

    Holds the view weakly through ``on_lost``'s owner: the thread ends when stopped, when the
    lease is lost, or when the view is garbage.
    """

    def __init__(self, lease: Lease, view: Any, on_lost: Callable[[Any], None]) -> None:
        self.lease = lease
        self._view = weakref.ref(view)
        self._on_lost = on_lost
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching (no thread when coordination is off)."""
        if self.lease.path is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="lessonkit-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            view = self._view()
            if view is None:
                return
            if self.lease.changed() and not self.lease.held():
                self._on_lost(view)
                return
            del view
