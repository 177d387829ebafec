"""The Store contract, run against every built-in store (memory, JSON lines, SQLite)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lessonkit.errors import StorageError
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import Store, open_store

from .samples import ADA, T0, make_event, session_statements

BOB = LearnerRef(id="bob", home_page="https://hub.example.org/")
ADA_ELSEWHERE = LearnerRef(id="ada", home_page="urn:lessonkit:anonymous")


@pytest.fixture(params=["memory", "jsonl", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = {
        "memory": "memory://",
        "jsonl": str(tmp_path / "evidence"),
        "sqlite": f"sqlite:///{tmp_path / 'evidence.db'}",
    }[request.param]
    with open_store(url) as opened:
        yield opened


def test_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


def test_statements_come_back_exactly(store: Store) -> None:
    statements = session_statements(12)
    for statement in statements:
        store.append([statement])
    assert list(store.read()) == json.loads(json.dumps(statements))


def test_appending_again_is_idempotent(store: Store) -> None:
    statements = session_statements(5)
    store.append(statements)
    store.append(statements[2:4])
    store.append([statements[4], statements[4]])
    assert [s["id"] for s in store.read()] == [s["id"] for s in statements]


def test_first_copy_wins(store: Store) -> None:
    statement = session_statements(1)[0]
    store.append([statement])
    changed = json.loads(json.dumps(statement))
    changed["result"] = {"response": "different"}
    store.append([changed])
    assert list(store.read()) == [statement]


def test_each_registration_reads_in_seq_order(store: Store) -> None:
    a, b = session_statements(6), session_statements(6, learner=BOB)
    store.append_many(reversed(a[3:]), batch_size=2)
    store.append(a[:3] + b)
    got = list(store.read())
    assert len(got) == 12
    for registration in {s["context"]["registration"] for s in got}:
        seqs = [
            s["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"]
            for s in got
            if s["context"]["registration"] == registration
        ]
        assert seqs == sorted(seqs)


def test_filters(store: Store) -> None:
    ada1 = session_statements(4)
    ada2 = session_statements(3, lesson="recursion")
    bob = session_statements(2, learner=BOB)
    other_ada = session_statements(2, learner=ADA_ELSEWHERE)
    store.append(ada1 + ada2 + bob + other_ada)

    def ids(**filters: object) -> set[str]:
        return {s["id"] for s in store.read(**filters)}  # type: ignore[arg-type]

    assert ids() == {s["id"] for s in ada1 + ada2 + bob + other_ada}
    assert ids(learner="ada") == {s["id"] for s in ada1 + ada2 + other_ada}
    assert ids(learner=ADA) == {s["id"] for s in ada1 + ada2}
    assert ids(learner=ADA, lesson="python-loops") == {s["id"] for s in ada1}
    assert ids(lesson="recursion") == {s["id"] for s in ada2}
    assert ids(registration=bob[0]["context"]["registration"]) == {s["id"] for s in bob}
    assert ids(learner="carol") == set()
    assert ids(lesson="nope") == set()
    # since is exclusive: T0 + 1 s is the second statement of each registration
    since = datetime(2025, 3, 1, 9, 30, 1, 123456, tzinfo=UTC)
    assert ids(learner=BOB, since=since) == set()
    assert ids(learner=ADA, lesson="python-loops", since=since) == {s["id"] for s in ada1[2:]}
    assert ids(since=T0.replace(year=2030)) == set()


def test_registrations_oldest_first(store: Store) -> None:
    regs = [str(uuid.uuid4()) for _ in range(3)]
    for day, reg in zip((3, 1, 2), regs, strict=True):
        event = make_event("started", registration=reg, when=T0.replace(day=day))
        store.append([event_to_statement(event)])
    store.append(session_statements(2, learner=BOB))
    assert store.registrations("ada", "python-loops") == [regs[1], regs[2], regs[0]]
    assert store.registrations(ADA, "python-loops") == [regs[1], regs[2], regs[0]]
    assert store.registrations(ADA_ELSEWHERE, "python-loops") == []
    assert store.registrations("ada", "other-lesson") == []


def test_a_bad_statement_fails_the_whole_append(store: Store) -> None:
    good = session_statements(2)
    bad = dict(good[1])
    del bad["context"]
    with pytest.raises(StorageError, match="statement 1 cannot be stored"):
        store.append([good[0], bad])
    with pytest.raises(StorageError):
        store.append([{**good[0], "result": {"score": {"raw": float("nan")}}}])
    with pytest.raises(StorageError):
        store.append([{**good[0], "result": {"response": object()}}])
    assert list(store.read()) == []


def test_append_many_counts_and_batches(store: Store) -> None:
    statements = session_statements(25)
    assert store.append_many(iter(statements), batch_size=7) == 25
    assert len(list(store.read())) == 25
    with pytest.raises(ValueError):
        store.append_many(statements, batch_size=0)


def test_closed_store_refuses_work(store: Store) -> None:
    store.append(session_statements(1))
    store.close()
    store.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        store.append(session_statements(1))
    with pytest.raises(StorageError, match="closed"):
        list(store.read())


def test_data_survives_reopening(tmp_path: Path) -> None:
    for url in (str(tmp_path / "ev"), f"sqlite:///{tmp_path / 'ev.db'}"):
        statements = session_statements(4)
        with open_store(url) as first:
            first.append(statements)
        with open_store(url, create=False) as second:
            second.append(statements)  # a retry after a restart: still no duplicates
            assert list(second.read()) == statements


def test_load_session_events_gives_the_latest_session_in_order(store: Store) -> None:
    from lessonkit.evidence import statement_to_event
    from lessonkit.evidence.stores import load_session_events

    assert load_session_events(store, ADA, "python-loops") == []
    old = [
        event_to_statement(
            make_event("started", registration=str(uuid.uuid4()), when=T0.replace(month=2))
        )
    ]
    new = session_statements(5)  # starts at T0, after `old`
    later = [
        event_to_statement(
            make_event("started", registration=str(uuid.uuid4()), when=T0.replace(year=2026))
        )
    ]
    store.append(old + list(reversed(new)) + session_statements(3, learner=BOB))
    assert load_session_events(store, ADA, "python-loops") == [statement_to_event(s) for s in new]
    store.append(later)
    assert [e.registration for e in load_session_events(store, "ada", "python-loops")] == [
        later[0]["context"]["registration"]
    ]
    chosen = load_session_events(store, ADA, "python-loops", old[0]["context"]["registration"])
    assert chosen == [statement_to_event(old[0])]
