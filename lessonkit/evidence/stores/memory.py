"""An in-process store (``memory://``): for tests, demos and headless play.

Nothing survives the process, so "durable" here means only that a statement is stored when
:meth:`MemoryStore.append` returns. Statements are kept as JSON text, so what is read back is a
fresh copy that callers may change freely.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from ..index import StatementIndex
from .base import BaseStore, Filter, Learner, Statement, prepare

__all__ = ["MemoryStore"]


class MemoryStore(BaseStore):
    """Statements in a list, indexed by id; safe to share between threads."""

    def __init__(self) -> None:
        super().__init__()
        self.url = "memory://"
        self._rows: list[tuple[StatementIndex, str]] = []
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Store statements; ids already stored are skipped."""
        self._check_open()
        rows = prepare(statements)
        with self._lock:
            for index, text in rows:
                if index.id not in self._ids:
                    self._ids.add(index.id)
                    self._rows.append((index, text))

    def read(
        self,
        learner: Learner | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Statement]:
        """Matching statements, each registration's in ``seq`` order."""
        self._check_open()
        wanted = Filter(learner, lesson, registration, since)
        with self._lock:
            rows = [row for row in self._rows if wanted.matches(row[0])]
        rows.sort(key=lambda row: (row[0].registration, row[0].seq))
        for _, text in rows:
            statement: Statement = json.loads(text)
            yield statement

    def registrations(self, learner: Learner, lesson: str) -> list[str]:
        """Registrations of ``learner`` in ``lesson``, oldest first."""
        self._check_open()
        wanted = Filter(learner, lesson, None, None)
        first: dict[str, str] = {}
        with self._lock:
            for index, _ in self._rows:
                if wanted.matches(index):
                    seen = first.get(index.registration)
                    if seen is None or index.timestamp < seen:
                        first[index.registration] = index.timestamp
        return sorted(first, key=lambda reg: (first[reg], reg))

    def __len__(self) -> int:
        return len(self._rows)
