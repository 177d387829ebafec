"""The :class:`Store` protocol every evidence store follows, and shared helpers.

A store keeps xAPI statements (plain ``dict`` s, see :mod:`lessonkit.evidence`). Its promises:

- :meth:`Store.append` returns only once the statements are durable (what "durable" means is
  stated by each store); a statement whose id is already stored is skipped, so retrying a
  write is safe (the first copy wins).
- :meth:`Store.read` yields the statements of each registration in ``seq`` order; the order
  across registrations is unspecified. Damaged content is skipped with a
  :class:`StoreWarning`; reading never raises for it.
- Problems that stop a read or write raise :class:`~lessonkit.errors.StorageError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from ...errors import StorageError
from ..events import LearnerRef
from ..index import StatementIndex, index_statement
from ..statements import format_timestamp

__all__ = [
    "BaseStore",
    "Learner",
    "Statement",
    "Store",
    "StoreWarning",
    "prepare",
]

Statement = dict[str, Any]
"""An xAPI statement as a JSON-ready dict."""
Learner = str | LearnerRef
"""A learner filter: an account name (any home page), or an exact :class:`LearnerRef`."""


class StoreWarning(UserWarning):
    """Damaged evidence was skipped or repaired (a torn last line, garbage, unknown schema)."""


@runtime_checkable
class Store(Protocol):
    """Where statements are kept. Stores are context managers that :meth:`close` on exit."""

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Store a few statements (typically one learner action's events, which a session
        hands over in one call); durable when this returns."""

    def append_many(
        self, statements: Iterable[Mapping[str, Any]], *, batch_size: int = 1000
    ) -> int:
        """Store many statements (an import), in durable batches; returns how many were new
        or already present (i.e. how many were taken from ``statements``)."""

    def read(
        self,
        learner: Learner | None = None,
        lesson: str | None = None,
        registration: str | None = None,
        since: datetime | None = None,
    ) -> Iterator[Statement]:
        """Statements matching every filter given (``since`` is exclusive, on ``timestamp``)."""

    def registrations(self, learner: Learner, lesson: str) -> list[str]:
        """The registrations (sessions) of ``learner`` in ``lesson``, oldest first."""

    def close(self) -> None:
        """Release files and connections; idempotent."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def prepare(statements: Iterable[Mapping[str, Any]]) -> list[tuple[StatementIndex, str]]:
    """Index and serialise ``statements`` (compact JSON, one line each), checking them all first.

    Raises
    ------
    StorageError
        If any statement lacks an index field or is not JSON-serialisable; nothing is written.
    """
    out: list[tuple[StatementIndex, str]] = []
    for position, statement in enumerate(statements):
        try:
            index = index_statement(statement)
            text = json.dumps(statement, separators=(",", ":"), allow_nan=False)
        except (ValueError, TypeError) as exc:
            raise StorageError(f"statement {position} cannot be stored: {exc}") from exc
        out.append((index, text))
    return out


class Filter:
    """The filters of a :meth:`Store.read` call, testable against an index."""

    __slots__ = ("home", "learner", "lesson", "registration", "since")

    def __init__(
        self,
        learner: Learner | None,
        lesson: str | None,
        registration: str | None,
        since: datetime | str | None,
    ) -> None:
        self.learner: str | None = None
        self.home: str | None = None
        if isinstance(learner, LearnerRef):
            self.learner, self.home = learner.id, learner.home_page
        elif learner is not None:
            self.learner = learner
        self.lesson = lesson
        self.registration = registration
        if isinstance(since, datetime):
            self.since: str | None = format_timestamp(since)
        else:
            self.since = since

    def matches(self, index: StatementIndex) -> bool:
        """Whether a statement with ``index`` passes every filter."""
        return (
            (self.learner is None or index.learner == self.learner)
            and (self.home is None or index.learner_home == self.home)
            and (self.lesson is None or index.lesson == self.lesson)
            and (self.registration is None or index.registration == self.registration)
            and (self.since is None or index.timestamp > self.since)
        )


class BaseStore:
    """Shared behaviour: context management, a closed flag, batching for ``append_many``."""

    url: str = ""
    """Where this store lives (for messages)."""

    def __init__(self) -> None:
        self._closed = False

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        """Store statements durably; see :class:`Store`."""
        raise NotImplementedError

    def append_many(
        self, statements: Iterable[Mapping[str, Any]], *, batch_size: int = 1000
    ) -> int:
        """Store ``statements`` in durable batches of ``batch_size``; returns the count taken."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        count = 0
        batch: list[Mapping[str, Any]] = []
        for statement in statements:
            batch.append(statement)
            if len(batch) >= batch_size:
                self.append(batch)
                count += len(batch)
                batch = []
        if batch:
            self.append(batch)
            count += len(batch)
        return count

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"the store {self.url or type(self).__name__} is closed")

    def close(self) -> None:
        """Release resources; idempotent."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
