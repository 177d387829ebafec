"""The ``hub+http`` store: never blocks the learner, spools while the service is away,
delivers everything exactly once when it is back, adopts spool files of dead kernels."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.statements import event_to_statement
from lessonkit.evidence.stores import StoreWarning, open_store
from lessonkit.evidence.stores.service import ServiceStore
from lessonkit.hub.config import load_config
from lessonkit.hub.ledger import Ledger
from lessonkit.lesson.loader import load_lesson

from .harness import LESSON, ThreadedService, free_port

LESSON_KEY = load_lesson(LESSON)


def statements(learner: str, count: int, registration: str) -> list[dict]:
    """``count`` real statements of one session (content steps visited back and forth)."""
    session = LessonSession(LESSON_KEY, learner=learner, registration=registration)
    session.start()
    while len(session.events) < count:
        session.advance() if session.current_id == "intro" else session.back()
    return [event_to_statement(e) for e in session.events[:count]]


def stored_ids(config_path: Path) -> list[str]:
    ledger = Ledger(load_config(config_path))
    try:
        return [s["id"] for s in ledger.read()]
    finally:
        ledger.close()


def test_the_url_opens_the_service_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "tok-alice")
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path))
    store = open_store("hub+http://127.0.0.1:9/services/lessonkit")
    assert isinstance(store, ServiceStore) and store.base.endswith("/services/lessonkit/")
    store.close()
    monkeypatch.delenv("LESSONKIT_HUB_TOKEN")
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    with pytest.raises(OSError, match="no token"):
        open_store("hub+https://hub.example.org/services/lessonkit/")


def test_an_outage_loses_and_duplicates_nothing(hub_config: Path, tmp_path: Path) -> None:
    """A hung service (connections accepted, never answered) costs the learner nothing:
    appends return at once, the sender times out and spools; when the service is back,
    everything arrives once."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)  # the kernel accepts connections for it; nobody ever answers
    port = hung.getsockname()[1]
    store = ServiceStore(
        f"hub+http://127.0.0.1:{port}/services/lessonkit/",
        token="tok-alice",
        spool_dir=tmp_path / "spool",
        timeout=1.0,
    )
    batch = statements("alice", 30, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0a01")
    try:
        started = time.monotonic()
        for statement in batch[:20]:
            store.append([statement])
        # A learner waiting on the service would have waited 20 timeouts here.
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 30
        while len(store.spool.own_lines()) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(store.spool.own_lines()) == 20 and store.sent == 0
    finally:
        hung.close()
    service = ThreadedService.from_file(hub_config, port=port).start()
    try:
        for statement in batch[20:]:
            store.append([statement])
        assert store.flush(30)
        assert store.spool.own_lines() == []
        store.append(batch[:5])  # a retry of already delivered statements
        assert store.flush(30)
    finally:
        store.close()
        service.stop()
    ids = stored_ids(hub_config)
    assert sorted(ids) == sorted(s["id"] for s in batch)


def test_a_dead_kernel_s_spool_is_adopted(hub_config: Path, tmp_path: Path) -> None:
    """Lines spooled by a process that died are sent by the next store that starts."""
    batch = statements("bob", 6, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0a02")
    spool = tmp_path / "spool"
    child = (
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "from lessonkit.evidence.stores.spool import Spool\n"
        "s = Spool(Path(sys.argv[1]))\n"
        "s.add([json.dumps(x) for x in json.loads(sys.stdin.read())])\n"
        "os._exit(0)  # killed: no clean-up\n"
    )
    import json

    subprocess.run(
        [sys.executable, "-c", child, str(spool)], input=json.dumps(batch), text=True, check=True
    )
    assert len(list(spool.glob("*.jsonl"))) == 1
    service = ThreadedService.from_file(hub_config).start()
    store = ServiceStore("hub+" + service.base, token="tok-bob", spool_dir=spool)
    try:
        assert len(list(store.read(lesson=LESSON_KEY.id))) == 6  # pending lines count too
        store.append(batch[:1])
        deadline = time.monotonic() + 20
        while list(spool.glob("*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.flush(20)
        assert list(spool.glob("*.jsonl")) == []
    finally:
        store.close()
        service.stop()
    assert sorted(stored_ids(hub_config)) == sorted(s["id"] for s in batch)


def test_close_spools_the_queue_and_reads_work_offline(tmp_path: Path) -> None:
    url = f"hub+http://127.0.0.1:{free_port()}/services/lessonkit/"
    batch = statements("alice", 4, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0a03")
    store = ServiceStore(url, token="tok-alice", spool_dir=tmp_path / "spool")
    store.append(batch)
    with pytest.warns(StoreWarning, match="cannot be reached"):
        offline = list(store.read(learner="alice", lesson=LESSON_KEY.id))
    assert {s["id"] for s in offline} == {s["id"] for s in batch}
    store.close(timeout=0.5)
    files = list((tmp_path / "spool").glob("*.jsonl"))
    assert sum(len(f.read_text().splitlines()) for f in files) == 4
    grader = ServiceStore(url + "?learner=alice", token="tok-teacher", spool_dir=tmp_path / "g")
    with pytest.raises(OSError, match="cannot read"):
        list(grader.read(lesson=LESSON_KEY.id))  # grading never guesses
    grader.close()
