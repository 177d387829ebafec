"""One check of a learner's answer to a question at a time, in every replica together.

Two checks of the same learner's question may arrive at once (a double click, a retry after a
timeout that reached the service after all, two replicas behind a balancer). Each would read
the attempts recorded so far, grade its answer as the next attempt and try to record it; the
database's unique index on (learner, lesson, question, attempt) lets one win, and the other
had graded for nothing — for a code exercise, seconds of sandbox time — and grades again as the
attempt after. :func:`one_at_a_time` makes the second wait for the first instead, so that an
answer is graded once, as the attempt it is recorded as:

- on PostgreSQL, with a transaction-level advisory lock on the question's key
  (``pg_advisory_xact_lock``), held while reading the attempts, grading and recording: every
  replica on the database waits for it, and it is released when the transaction ends, even if
  the replica dies;
- in each process, with a lock per key (striped), so that waiting threads hold no database
  connection; on SQLite (one host) this is the only lock, and reading and recording are two
  short transactions around the grading, which never holds SQLite's write lock.

The unique index stays as the last guard (a replica of an older lessonkit during a rolling
upgrade takes no lock): :data:`COUNTS` counts answers graded, recorded, and graded for nothing
(``discarded``); the service logs them when it stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from . import db
from .ledger import Ledger

__all__ = ["COUNTS", "Counts", "Turn", "one_at_a_time"]

_STRIPES = [threading.Lock() for _ in range(256)]


class Counts:
    """Thread-safe event counts of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, name: str, n: int = 1) -> None:
        """Count ``n`` more ``name``."""
        with self._lock:
            self._counts[name] += n

    def get(self, name: str) -> int:
        """How many ``name`` so far."""
        with self._lock:
            return self._counts[name]


COUNTS = Counts()
"""Answer checks of this process: ``graded``, ``recorded``, ``discarded``."""


class Turn:
    """Reading and recording one question's attempts while holding its lock."""

    def __init__(self, ledger: Ledger, conn: sa.Connection | None) -> None:
        self.ledger, self.conn = ledger, conn

    def rows(self, query: Any) -> list[Any]:
        """The rows of ``query``."""
        if self.conn is not None:
            return list(self.conn.execute(query).all())
        with self.ledger.engine.connect() as conn:
            return list(conn.execute(query).all())

    def record(self, row: dict[str, Any]) -> bool:
        """Insert a check row; ``False`` when its attempt number is taken already."""
        try:
            if self.conn is not None:
                with self.conn.begin_nested():  # a savepoint: a conflict keeps the lock
                    self.conn.execute(db.checks.insert().values(**row))
            else:
                with db.write(self.ledger.engine) as conn:
                    conn.execute(db.checks.insert().values(**row))
        except sa.exc.IntegrityError:
            return False
        return True


@contextlib.contextmanager
def one_at_a_time(ledger: Ledger, learner: str, lesson: str, question: str) -> Iterator[Turn]:
    """Hold the lock of one learner's question (see the module docstring)."""
    digest = hashlib.sha256(f"{learner}\0{lesson}\0{question}".encode()).digest()
    with _STRIPES[digest[0]]:
        if ledger.engine.dialect.name != "postgresql":
            yield Turn(ledger, None)
            return
        with ledger.engine.begin() as conn:
            key = int.from_bytes(digest[1:9], "big", signed=True)
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
            yield Turn(ledger, conn)
