"""A session writes each learner action's events in one durable ``append``.

The guarantees (``lessonkit.engine.journal``): one ``append`` — one sync — per action; an
action returns only once its events are stored; listeners see each event, in order, once it is
stored; a failed write raises, keeps the events pending, and the next action writes them first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.evidence import statement_to_event
from lessonkit.evidence.events import Event
from lessonkit.evidence.stores import JsonlStore, MemoryStore

from .lessons import right_answer, variant_lesson

BRANCHING = lk.load_lesson(Path(__file__).parents[2] / "data" / "valid" / "branching.lesson.yaml")


class Recording(MemoryStore):
    """A memory store that remembers the event kinds of each ``append`` call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        batch = list(statements)
        self.calls.append([statement_to_event(s).kind for s in batch])
        super().append(batch)


class Failing(Recording):
    """Fails while ``broken`` is true, like a full or unreachable disk."""

    broken = False

    def append(self, statements: Iterable[Mapping[str, Any]]) -> None:
        if self.broken:
            raise lk.StorageError("the disk is full")
        super().append(statements)


def test_each_action_is_one_append_with_all_its_events() -> None:
    store = Recording()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    s.start()
    s.advance()
    s.choose("music")  # choose moves on through advance: still one batch
    s.hint()
    s.submit(6)
    s.submit(5)
    s.advance()
    assert store.calls == [
        ["started", "experienced"],
        ["navigated", "experienced"],
        ["chose", "navigated", "experienced"],
        ["hint"],
        ["answered", "mastery"],
        ["answered"],  # first_attempt_only: a second attempt does not move mastery
        ["navigated", "experienced"],
    ]
    assert [e.kind for e in s.events] == [k for call in store.calls for k in call]
    assert s.unwritten == ()
    stored = sorted((statement_to_event(st) for st in store.read()), key=lambda e: e.seq)
    assert stored == s.events


def test_an_action_that_writes_nothing_appends_nothing() -> None:
    store = Recording()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    s.start()
    with pytest.raises(lk.SessionStateError):
        s.submit(5)  # the intro takes no answer
    assert store.calls == [["started", "experienced"]]


def test_listeners_see_each_event_in_order_once_it_is_stored() -> None:
    store = Recording()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    seen: list[Event] = []

    def listener(event: Event) -> None:
        stored_ids = {st["id"] for st in store.read()}
        from lessonkit.evidence import event_to_statement

        assert event_to_statement(event)["id"] in stored_ids, "told before it was durable"
        seen.append(event)

    s.subscribe(listener)
    s.start()
    s.advance()
    s.choose("sports")
    assert seen == s.events
    assert [e.seq for e in seen] == list(range(len(seen)))


def test_a_failed_write_raises_keeps_the_events_and_the_next_action_writes_them() -> None:
    store = Failing()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    seen: list[str] = []
    s.subscribe(lambda event: seen.append(event.kind))
    s.start()
    store.broken = True
    with pytest.raises(lk.StorageError, match="disk is full"):
        s.advance()
    assert [e.kind for e in s.unwritten] == ["navigated", "experienced"]
    assert s.current.step.id == "theme"  # the move happened; only its record is late
    assert seen == ["started", "experienced"]  # listeners hear of stored events only
    with pytest.raises(lk.StorageError):
        s.flush()
    store.broken = False
    s.choose("music")
    assert store.calls[-1] == ["navigated", "experienced", "chose", "navigated", "experienced"]
    assert s.unwritten == ()
    assert seen == [e.kind for e in s.events]
    seqs = [
        st["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"] for st in store.read()
    ]
    assert seqs == list(range(len(s.events)))


def test_flush_retries_without_acting_again() -> None:
    store = Failing()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    store.broken = True
    with pytest.raises(lk.StorageError):
        s.start()
    store.broken = False
    s.flush()
    assert store.calls == [["started", "experienced"]] and s.unwritten == ()
    s.flush()  # nothing pending: no empty append
    assert len(store.calls) == 1


class ClockBrokeError(Exception):
    pass


def test_events_emitted_before_an_action_fails_are_still_written() -> None:
    """An error part way through an action (here the clock) does not lose what happened."""
    moments = [datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=i) for i in range(3)]

    def clock() -> datetime:
        if not moments:
            raise ClockBrokeError
        return moments.pop(0)

    store = Recording()
    s = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store, clock=clock)
    s.start()
    with pytest.raises(ClockBrokeError):
        s.advance()
    assert store.calls == [["started", "experienced"], ["navigated"]]


def test_resume_writes_its_event_at_once() -> None:
    store = Recording()
    first = lk.LessonSession(BRANCHING, learner="ada", seed=1, store=store)
    first.start()
    again = lk.LessonSession.resume(BRANCHING, list(first.events), store=store, seed=1)
    assert store.calls[-1] == ["resumed"] and again.unwritten == ()


def count_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every fsync/fdatasync call made from this thread from now on.

    The patch is process-wide, so a background thread left by another test in the same run (a
    spool's sender, say) would otherwise be counted as this session's write.
    """
    calls: list[str] = []
    here = threading.get_ident()
    for name in ("fsync", "fdatasync"):
        real = getattr(os, name)

        def wrapper(fd: int, _real: Any = real, _name: str = name) -> None:
            if threading.get_ident() == here:
                calls.append(_name)
            _real(fd)

        monkeypatch.setattr(os, name, wrapper)
    return calls


def test_one_data_sync_per_action_on_the_json_lines_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lesson = variant_lesson(3)
    with JsonlStore(tmp_path / "evidence") as store:
        s = lk.LessonSession(lesson, learner="ada", store=store, secret=b"course secret 0123")
        syncs = count_syncs(monkeypatch)
        s.start()
        # first write: the file's data, then the new file and folder names
        assert syncs.count("fdatasync") == 1
        assert syncs.count("fsync") == 4  # learner folder, lesson folder, root, root's parent
        for _ in range(2):
            syncs.clear()
            s.submit(right_answer(s))  # answered + mastery
            assert syncs == ["fdatasync"]
            syncs.clear()
            s.advance()  # navigated + experienced
            assert syncs == ["fdatasync"]
