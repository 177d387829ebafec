"""Statements sent to the lessonkit course service on JupyterHub (``hub+https://…``).

``hub+https://hub.example.org/services/lessonkit/`` (or ``hub+http://``) opens a
:class:`ServiceStore`: the learner's kernel posts its statements to the service, which
decides whose they are from the JupyterHub token (``$LESSONKIT_HUB_TOKEN``, else the kernel's
``$JUPYTERHUB_API_TOKEN``), stamps them and keeps them in the course database. A hub sets
``LESSONKIT_STORE`` to this URL for every learner (see ``docs/jupyterhub.md``).

The learner is never kept waiting: :meth:`ServiceStore.append` validates the statements and
puts them in a bounded queue; a background thread sends them in batches of at most
``batch_size`` statements and ``batch_bytes`` bytes (:mod:`.sender`). When the service cannot
be reached, or asks the learner to slow down (``429``), the batch goes to a local spool file
(:mod:`.spool`) and is sent again later (back-off, or ``Retry-After``), in order, until it is
taken. A batch the service refuses as too large is split; a statement it refuses for good is
kept aside in the spool folder and reported (:attr:`ServiceStore.rejected`, and a
:class:`StoreWarning` at the next call of the store), never retried, never in the way of the
statements behind it. Statement ids are deterministic and the service skips ids it already
has, so retries never duplicate anything. :meth:`~ServiceStore.close` (also run at exit)
waits briefly for the queue and spools what is left.

Durability: a statement is durable once sent or spooled. Those still in the queue when the
kernel is killed outright (``SIGKILL``) are lost: at most the last fraction of a second.

``?learner=NAME`` in the URL makes :meth:`~ServiceStore.read` read that learner's evidence
(an instructor's token is needed), e.g. for ``lessonkit nbgrader grade``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import queue
import threading
import time
import warnings
import weakref
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ...errors import StorageError
from ..index import index_statement
from ..statements import format_timestamp
from .base import BaseStore, Filter, Learner, Statement, StoreWarning, prepare
from .sender import Sender
from .spool import Spool
from .wire import call

__all__ = ["SCHEMES", "ServiceStore", "hub_token", "open_service_store", "request_json"]

SCHEMES = ("hub+http", "hub+https")
"""URL schemes of the course service."""
_OPEN: weakref.WeakSet[ServiceStore] = weakref.WeakSet()


def hub_token(env: Mapping[str, str] = os.environ) -> str:
    """The token that identifies this process to the service."""
    return env.get("LESSONKIT_HUB_TOKEN") or env.get("JUPYTERHUB_API_TOKEN") or ""


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """``(http(s) base URL ending in /, query parameters)`` of a ``hub+http(s)://`` URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower().removeprefix("hub+")
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        raise StorageError(f"{url!r}: expected hub+https://host/services/<name>/")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return f"{scheme}://{parts.netloc}{path}", query


def request_json(
    method: str, url: str, token: str, body: Any = None, *, timeout: float = 10.0
) -> tuple[int, Any]:
    """One JSON request; ``(status, parsed body or text)``. Network errors raise ``OSError``."""
    reply = call(method, url, token, body, timeout=timeout)
    return reply.status, reply.body


def open_service_store(url: str) -> ServiceStore:
    """The ``lessonkit.stores`` entry point for ``hub+http`` and ``hub+https``."""
    return ServiceStore(url)


class ServiceStore(BaseStore):
    """Evidence sent to the course service (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 200,
        batch_bytes: int = 1024 * 1024,
        batch_wait: float = 0.05,
        queue_size: int = 10_000,
        timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.url = url
        self.base, query = split_url(url)
        self.learner = query.get("learner")
        self.token = token if token is not None else hub_token()
        if not self.token:
            raise StorageError(
                f"{url}: no token for the course service: run under JupyterHub "
                "($JUPYTERHUB_API_TOKEN) or set $LESSONKIT_HUB_TOKEN"
            )
        if spool_dir is None:
            from ..identity import user_data_dir

            key = hashlib.sha256(self.base.encode()).hexdigest()[:16]
            spool_dir = user_data_dir() / "spool" / key
        self.spool = Spool(Path(spool_dir))
        self.sender = Sender(
            self.base,
            self.token,
            self.spool,
            batch_size=batch_size,
            batch_bytes=batch_bytes,
            timeout=timeout,
        )
        self.batch_wait = batch_wait
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._inflight: list[str] = []  # taken from the queue, not yet sent or spooled
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dirty = True  # look for spooled lines (ours or orphaned) before sending
        self._trouble: str | None = None  # an unexpected error of the sender, to report
        _OPEN.add(self)

    @property
    def sent(self) -> int:
        """Statements the service has taken (accepted or already had)."""
        return self.sender.sent

    @property
    def rejected(self) -> list[dict[str, str]]:
        """Statements refused for good (``{"id", "reason"}``), kept aside in the spool
        folder's ``refused/`` file."""
        with self.sender.lock:
            return list(self.sender.rejected)

    # ------------------------------------------------------------------ writing

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Queue statements for sending; returns at once (see the module docstring)."""
        self._check_open()
        self._report()
        lines = [text for _, text in prepare(statements)]
        overflow = []
        for line in lines:
            try:
                self._queue.put_nowait(line)
            except queue.Full:
                overflow.append(line)
        self.spool.add(overflow)  # a long outage filled the queue: straight to disk
        self._start()

    def _report(self) -> None:
        """Warn, in the caller's thread, about statements refused (or a failure of the
        sending thread) since the last call."""
        with self.sender.lock:
            refused, self.sender.unreported = self.sender.unreported, []
        if refused:
            warnings.warn(
                f"lessonkit: the course service refused {len(refused)} statement(s) for good "
                f"({refused[0]['reason']}); they are kept in {self.spool.folder / 'refused'}",
                StoreWarning,
                stacklevel=3,
            )
        trouble, self._trouble = self._trouble, None
        if trouble:
            warnings.warn(
                f"lessonkit: sending evidence to the course service failed ({trouble}); it "
                "is kept and sent again",
                StoreWarning,
                stacklevel=3,
            )

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="lessonkit-hub", daemon=True)
            self._thread.start()

    def _take(self) -> list[str]:
        """The next batch; each line counts as in flight from the moment it leaves the queue."""
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        with self._lock:
            self._inflight = [first]
        size = len(first)
        deadline = time.monotonic() + self.batch_wait
        while len(self._inflight) < self.sender.batch_size and size < self.sender.batch_bytes:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            size += len(line)
            with self._lock:
                self._inflight.append(line)
        with self._lock:
            return list(self._inflight)

    def _run(self) -> None:
        while True:
            try:
                self._round()
            except Exception as exc:  # never let the sender die: keep the lines, back off
                self._trouble = f"{type(exc).__name__}: {exc}"
                self._dirty = True
                self.sender.retry_at = time.monotonic() + 5.0
                self._keep(self._inflight)
            if self._stop.is_set() and self._queue.empty():
                return

    def _keep(self, lines: list[str]) -> None:
        """Lines a failed round was sending: to the spool, else back into the queue."""
        with self._lock:
            self._inflight = []
        try:
            self.spool.add(lines)
        except OSError:  # e.g. a full disk: keep them in memory, for the next round
            for line in lines:
                with contextlib.suppress(queue.Full):
                    self._queue.put_nowait(line)

    def _round(self) -> None:
        """Send spooled lines if any (when the back-off allows), then the next batch."""
        if self._dirty and self.sender.ready():
            self._dirty = not self._drain_spool()
        batch = self._take()
        if not batch:
            return
        # While older lines wait in the spool, newer ones queue up behind them.
        done = 0 if self._dirty else self.sender.deliver(batch)
        if done < len(batch):
            self.spool.add(batch[done:])
            self._dirty = True
        with self._lock:
            self._inflight = []

    def _drain_spool(self) -> bool:
        """Send this process's spooled lines, then orphaned files; ``True`` if all went.

        When sending has to stop half way through an orphan (an outage, a ``429``), what is
        left of it moves into this process's file: progress through a long spool is kept."""
        own = self.spool.own_lines()
        if own:
            done = self.sender.deliver(own)
            self.spool.drop_own(done)
            if done < len(own):
                return False
        for path, lines in self.spool.orphans():
            done = self.sender.deliver(lines)
            if done < len(lines):
                self.spool.add(lines[done:])
            self.spool.remove(path)
            if done < len(lines):
                return False
        return True

    def pending(self) -> int:
        """Statements not yet taken by the service (queued, being sent, or spooled)."""
        with self._lock:
            busy = len(self._inflight)
        return self._queue.qsize() + busy + self.spool.own_count()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything is delivered (``True``) or ``timeout`` passes (``False``).

        A back-off after a failure is cut short; a wait the service asked for is not."""
        self._report()
        self.sender.retry_at = 0.0
        self._start()
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                self._report()
                return False
            time.sleep(0.02)
        self._report()
        return True

    def close(self, timeout: float = 3.0) -> None:
        """Send what is queued (waiting at most ``timeout`` seconds), spool the rest."""
        if self._closed:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        left: list[str] = []
        while True:
            try:
                left.append(self._queue.get_nowait())
            except queue.Empty:
                break
        self.spool.add(left)
        self.spool.close()
        super().close()

    # ------------------------------------------------------------------ reading

    def read(
        self,
        learner: Learner | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Statement]:
        """The service's statements, plus this machine's not yet delivered ones."""
        self._check_open()
        name = getattr(learner, "id", learner) or self.learner
        query = {"learner": name, "lesson": lesson, "registration": registration}
        if since is not None:
            query["since"] = format_timestamp(since)
        params = urlencode({k: v for k, v in query.items() if v})
        try:
            status, answer = request_json(
                "GET", f"{self.base}api/statements?{params}", self.token, timeout=60
            )
        except OSError as exc:
            if self.learner is not None:  # reading for someone else (grading): no guessing
                raise StorageError(f"cannot read evidence from {self.base}: {exc}") from exc
            # A learner's own kernel goes on with what it has locally, and says so.
            warnings.warn(
                f"lessonkit: the course service at {self.base} cannot be reached ({exc}); "
                "only evidence not yet sent from this machine is available",
                StoreWarning,
                stacklevel=2,
            )
            status, answer = 200, {"statements": []}
        listed = answer.get("statements") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(listed, list):
            said = str(answer)[:300]
            raise StorageError(f"cannot read evidence from {self.base}: HTTP {status} {said}")
        found: list[Statement] = [s for s in listed if isinstance(s, dict)]
        ids = {s.get("id") for s in found}
        wanted = Filter(name, lesson, registration, since)
        with self._lock:
            local = [*self._inflight, *list(self._queue.queue)]
        local += self.spool.pending_lines()
        for line in local:
            try:
                statement = json.loads(line)
                index = index_statement(statement)
            except (ValueError, TypeError, RecursionError):
                continue
            if index.id not in ids and wanted.matches(index):
                ids.add(index.id)
                found.append(statement)
        yield from found

    def registrations(self, learner: Learner, lesson: str) -> list[str]:
        """Registrations of ``learner`` in ``lesson``, oldest first."""
        first: dict[str, str] = {}
        for statement in self.read(learner=learner, lesson=lesson):
            index = index_statement(statement)
            seen = first.get(index.registration)
            if seen is None or index.timestamp < seen:
                first[index.registration] = index.timestamp
        return sorted(first, key=lambda reg: (first[reg], reg))


@atexit.register
def _close_all() -> None:  # pragma: no cover - runs at interpreter exit
    for store in list(_OPEN):
        store.close(timeout=2.0)
