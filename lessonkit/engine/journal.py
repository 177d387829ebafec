"""Writing a session's events: one durable ``store.append`` per learner action.

A learner action (start, submit, hint, choose, advance, back, resume) emits several events:
an answer gives ``answered`` and one ``mastery`` per competency, moving on gives ``navigated``
and ``experienced``. Writing each on its own costs one durable sync per event (an ``fdatasync``
on the JSON-lines store, a ``synchronous=FULL`` commit on SQLite) — 20 to 40 ms each on the NFS
or cloud disks course home folders often live on. The :class:`Journal` collects the events of
one action and hands them to the store in a single ``append`` call when the outermost action
ends, so an action costs one sync.

The guarantees:

- **An action returns only after its events are durable.** The batch is written before the
  action returns; if the write fails, the action raises
  :class:`~lessonkit.errors.StorageError` and the events stay pending: the next action (or
  :meth:`Journal.flush`) writes them again first. Stores skip ids they already hold, so the
  retry cannot duplicate anything.
- **Listeners see every event, in order, once it is durable** — after the batch was written,
  never before; a listener never sees an event that a crash could still lose.
- **An action that fails part way** (say, a checker raising) still writes the events it emitted
  before failing: they describe state changes that did happen.

The journal knows a store only by its ``append`` method.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from ..errors import StorageError
from ..evidence.events import Event

__all__ = ["Journal", "Listener", "action"]

Listener = Callable[[Event], None]
"""Called with each event once it is durable."""


class Journal:
    """The events of a session that are emitted but not yet durable, and who to tell."""

    __slots__ = ("_depth", "listeners", "pending")

    def __init__(self) -> None:
        self.pending: list[Event] = []
        """Events emitted but not yet written (and not yet shown to listeners), in order."""
        self.listeners: list[Listener] = []
        """Called for each event once it is durable, in subscription order."""
        self._depth = 0

    @property
    def in_action(self) -> bool:
        """Whether an action is running (its events are being collected)."""
        return self._depth > 0

    def record(self, event: Event, store: Any) -> None:
        """Take ``event``; outside an action it is written at once."""
        self.pending.append(event)
        if self._depth == 0:
            self.flush(store)

    @contextlib.contextmanager
    def action(self, store: Callable[[], Any]) -> Iterator[None]:
        """Collect the events of the enclosed action and write them when it ends.

        ``store`` returns the store to write to (read when the action ends, so a store set on
        the session meanwhile is used). Nested actions (``choose`` moving on through
        ``advance``) write once, when the outermost one ends.
        """
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                # Keep the original error; unwritten events stay pending for the next action.
                with contextlib.suppress(StorageError):
                    self.flush(store())
            raise
        self._depth -= 1
        if self._depth == 0:
            self.flush(store())

    def flush(self, store: Any) -> None:
        """Write the pending events in one ``store.append`` (if there is a store), then tell
        the listeners.

        Raises
        ------
        StorageError
            The store could not write them; they stay pending and are written again by the
            next flush.
        """
        if not self.pending:
            return
        batch = list(self.pending)
        if store is not None:
            from ..evidence.statements import event_to_statement

            store.append([event_to_statement(event) for event in batch])
        del self.pending[: len(batch)]
        for event in batch:
            for listener in list(self.listeners):
                listener(event)


class _Journaled(Protocol):
    _journal: Journal
    store: Any


S = TypeVar("S", bound=_Journaled)
P = ParamSpec("P")
R = TypeVar("R")


def action(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Make ``method`` a learner action: its events are written in one durable batch (to
    ``self.store``, through ``self._journal``) before it returns."""

    @functools.wraps(method)
    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._journal.action(lambda: self.store):
            return method(self, *args, **kwargs)

    return run
