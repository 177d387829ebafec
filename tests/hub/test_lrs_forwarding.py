"""Forwarding to a real Ralph LRS: at least once, idempotent ids, nothing doubled in the LRS."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.statements import event_to_statement
from lessonkit.hub import lrs
from lessonkit.hub.config import LrsConfig, load_config
from lessonkit.hub.ingest import ingest
from lessonkit.hub.ledger import Ledger
from lessonkit.hub.roles import Membership
from lessonkit.lesson.loader import load_lesson

from .conftest import unavailable
from .harness import GROUPS, NOTES, ThreadedService, write_config
from .ralph import Ralph

pytestmark = pytest.mark.integration

MEMBERS = Membership({g: frozenset(u) for g, u in GROUPS.items()})


@pytest.fixture
def ralph(tmp_path: Path) -> Iterator[Ralph]:
    folder = tmp_path / "lrs"
    folder.mkdir()
    try:
        running = Ralph(folder).start()
    except RuntimeError as exc:
        unavailable(f"Ralph LRS cannot be started: {exc}")
    try:
        yield running
    finally:
        running.stop()


def lrs_settings(ralph: Ralph, **extra: Any) -> dict[str, Any]:
    return {"url": ralph.url, "username": ralph.user, "password": ralph.password, **extra}


def walk(learner: str, steps: int) -> list[dict[str, Any]]:
    """Statements of a learner reading through the notes lesson."""
    session = LessonSession(load_lesson(NOTES), learner=learner)
    session.start()
    for _ in range(steps):
        session.advance()
    return [event_to_statement(e) for e in session.events]


def test_a_crash_after_delivery_resends_and_the_lrs_keeps_one_copy(
    tmp_path: Path, ralph: Ralph, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", lrs=lrs_settings(ralph))
    ledger = Ledger(load_config(config))
    try:
        sent = walk("alice", 2)
        assert ingest(ledger, "alice", sent, MEMBERS).as_json()["accepted"] == len(sent)
        assert lrs.pending(ledger)["pending"] == len(sent)
        real_mark = lrs._mark
        calls = {"n": 0}

        def crash_once(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise ConnectionError("the service died after the LRS took the batch")
            real_mark(*args, **kwargs)

        monkeypatch.setattr(lrs, "_mark", crash_once)
        settings = ledger.config.lrs
        assert settings is not None
        with pytest.raises(ConnectionError):
            lrs.forward_once(ledger, settings)
        assert sorted(ralph.statement_ids()) == sorted(s["id"] for s in sent)  # delivered ...
        assert lrs.pending(ledger)["pending"] == len(sent)  # ... but not marked
        assert lrs.forward_once(ledger, settings) == (len(sent), 0)  # sent again
        assert lrs.pending(ledger) == {"delivered": len(sent)}
        assert sorted(ralph.statement_ids()) == sorted(s["id"] for s in sent)  # one copy each
        stored = ralph.get(sent[0]["id"])["statements"][0]
        assert stored["actor"]["account"]["name"] == "alice"
    finally:
        ledger.close()


def test_an_lrs_outage_delays_and_a_refused_statement_does_not_block(
    tmp_path: Path, ralph: Ralph, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", lrs=lrs_settings(ralph))
    ledger = Ledger(load_config(config))
    try:
        down = LrsConfig(url="http://127.0.0.1:9/xAPI/", username="x", password="y")
        sent = walk("bob", 3)
        ingest(ledger, "bob", sent, MEMBERS)
        with pytest.raises(ConnectionError):
            lrs.forward_once(ledger, down)
        assert lrs.pending(ledger)["pending"] == len(sent)
        # Someone put a different statement under one of our ids in the LRS: 409 for it alone.
        clash = {**sent[1], "timestamp": "2020-01-01T00:00:00Z"}
        clash["actor"] = {
            "objectType": "Agent",
            "account": {"homePage": "https://elsewhere.example.org/", "name": "bob"},
        }
        from lessonkit.hub.lrs import _post

        assert _post(ledger.config.lrs, [json.dumps(clash)])[0] == 200  # type: ignore[arg-type]
        settings = ledger.config.lrs
        assert settings is not None
        assert lrs.forward_once(ledger, settings) == (len(sent) - 1, 1)
        assert lrs.pending(ledger) == {"delivered": len(sent) - 1, "refused": 1}
        assert sorted(ralph.statement_ids()) == sorted(s["id"] for s in sent)
    finally:
        ledger.close()
    # Erasing bob: the service forgets him, and says what the LRS still holds and where.
    from lessonkit.cli import main

    capsys.readouterr()
    assert main(["hub", "delete-learner", "bob", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["complete"] and report["forwarded_to_lrs"] == len(sent) - 1
    assert f"{len(sent) - 1} of the deleted statements had been forwarded to the LRS" in err
    assert ralph.url in err


def test_the_service_forwards_what_learners_send(
    tmp_path: Path, ralph: Ralph, pg_server: Any
) -> None:
    """End to end on PostgreSQL: learner -> service -> Ralph, pseudonymised on request."""
    database = pg_server.url(f"lk_lrs_{uuid.uuid4().hex[:8]}")
    settings = lrs_settings(ralph, pseudonymise=True, interval=0.2)
    config = write_config(tmp_path, database, lrs=settings)
    service = ThreadedService.from_file(config).start()
    try:
        from lessonkit.evidence.stores.service import ServiceStore

        store = ServiceStore("hub+" + service.base, token="tok-alice", spool_dir=tmp_path / "s")
        sent = walk("alice", 3)
        for statement in sent:
            store.append([statement])
        assert store.flush(20)
        store.close()
        ledger = service.service.ledger  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while lrs.pending(ledger).get("pending", 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lrs.pending(ledger) == {"delivered": len(sent)}
        in_lrs = ralph.statement_ids()
        assert len(in_lrs) == len(set(in_lrs)) == len(sent)
        first = ralph.get(in_lrs[0])["statements"][0]
        assert first["actor"]["account"]["homePage"] == "urn:lessonkit:pseudonym"
        assert first["actor"]["account"]["name"] != "alice"
    finally:
        service.stop()
