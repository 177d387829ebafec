"""The service's limits and the learner's store against them: bodies over the limit get a
JSON 413, deep JSON a 400, large statements never get stuck, per-learner rates give a 429
with ``Retry-After`` that the store and the check client honour."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.errors import StorageError
from lessonkit.evidence.statements import EXT
from lessonkit.evidence.stores import StoreWarning
from lessonkit.evidence.stores.service import ServiceStore, request_json
from lessonkit.evidence.stores.spool import Spool
from lessonkit.hub import remote_check
from lessonkit.hub.config import HubConfigError, load_config
from lessonkit.hub.keys import service_copy

from .harness import PREFIX, ThreadedService, write_config
from .test_service_api import KEY, LOOPS
from .test_service_store import statements, stored_ids

MiB = 1024 * 1024


def padded(learner: str, count: int, registration: str, size: int) -> list[dict[str, Any]]:
    """``count`` real statements of one session, each carrying ``size`` characters more."""
    batch = statements(learner, count, registration)
    for statement in batch:
        statement["context"]["extensions"][EXT + "event"]["data"]["note"] = "x" * size
    return batch


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[ThreadedService]:
    """The service with small limits: 1 MiB bodies, 1000 statements then 100 per second, 3
    checks then one every 5 s."""
    limits = {
        "body_bytes": MiB,
        "statements": {"rate": 100, "burst": 1000},
        "checks": {"rate": 0.2, "burst": 3},
    }
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'small.db'}", limits=limits)
    running = ThreadedService.from_file(config).start()
    try:
        yield running
    finally:
        running.stop()


def post_raw(service: ThreadedService, path: str, body: Any, headers: dict[str, str]) -> Any:
    """POST ``body`` (bytes, or an iterable of chunks sent chunked); ``(status, json)``."""
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
    try:
        conn.request(
            "POST",
            PREFIX + path,
            body=body,
            headers={"Authorization": "token tok-alice", **headers},
            encode_chunked=not isinstance(body, bytes),
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_a_body_over_the_limit_gets_a_json_413(service: ThreadedService) -> None:
    """Tornado alone drops the connection; the service reads the body, drops it, and says why,
    with or without a Content-Length; a declared length too large to read is answered at once.
    Nothing of it is stored, and the service goes on serving."""
    limit = 8 * MiB  # the default
    over = b"[" + b" " * limit + b"]"
    status, body = post_raw(service, "api/statements", over, {})
    assert status == 413 and body["limit_bytes"] == limit and "larger than" in body["error"]
    chunks = (over[i : i + 65536] for i in range(0, len(over), 65536))
    status, body = post_raw(service, "api/statements", chunks, {})
    assert status == 413 and body["status"] == 413
    status, body = post_raw(service, "api/check", over, {})
    assert status == 413
    # A declared length beyond what the service reads to the end: answered before the body.
    from lessonkit.hub.limits import DRAIN_BYTES

    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    conn.putrequest("POST", PREFIX + "api/statements")
    conn.putheader("Authorization", "token tok-alice")
    conn.putheader("Content-Length", str(limit + DRAIN_BYTES + 1))
    conn.endheaders()
    conn.send(b"[" * 1000)
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["limit_bytes"] == limit
    conn.close()
    assert request_json("GET", service.base + "api/statements", "tok-alice") == (
        200,
        {"statements": []},
    )


@pytest.mark.parametrize("path", ["api/statements", "api/check"])
def test_deeply_nested_json_is_a_400_and_nothing_is_stored(
    service: ThreadedService, path: str
) -> None:
    """``[`` a hundred thousand deep made the parser raise RecursionError (a 500); 500 deep
    parsed, was stored, and then broke whatever read it back recursively."""
    for body in (b"[" * 100_000, b"[" * 500 + b"]" * 500):
        status, answer = request_json("POST", service.base + path, "tok-alice", body)
        assert status == 400 and "nested more than 64 levels" in answer["error"]
    deep = statements("alice", 1, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b01")[0]
    deep["context"]["extensions"][EXT + "event"]["data"]["x"] = json.loads("[" * 500 + "]" * 500)
    status, answer = request_json("POST", service.base + path, "tok-alice", [deep])
    assert status == 400
    assert request_json("GET", service.base + "api/statements", "tok-alice")[1] == {
        "statements": []
    }


def test_forty_large_statements_all_arrive(
    service: ThreadedService, hub_config: Path, tmp_path: Path
) -> None:
    """40 statements of 240 KiB (each within the 256 KiB a statement may take) made one
    9.6 MB batch: over the body limit, refused, resent forever, and nothing behind it went.
    A statement too large to send at all (9 MiB) is kept aside; those behind it arrive."""
    batch = padded("alice", 40, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b02", 240 * 1024)
    huge = padded("alice", 41, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b02", 9 * MiB)[40]
    later = statements("alice", 3, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b03")
    store = ServiceStore("hub+" + service.base, token="tok-alice", spool_dir=tmp_path / "spool")
    try:
        store.append(batch)
        store.append([huge])
        store.append(later)
        with pytest.warns(StoreWarning, match="refused 1 statement"):
            assert store.flush(60)
        assert store.sent == 43 and [r["id"] for r in store.rejected] == [huge["id"]]
    finally:
        store.close()
    assert sorted(stored_ids(hub_config)) == sorted(s["id"] for s in batch + later)


def test_a_batch_too_large_is_split_and_one_too_large_statement_is_kept_aside(
    limited: ThreadedService, tmp_path: Path
) -> None:
    """A store whose batches are larger than the service takes (an older client, a proxy with
    a lower limit): the batch is split until it fits; a statement that cannot fit alone is
    kept aside with the reason and reported, and the statements behind it arrive."""
    batch = padded("alice", 8, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b04", 200 * 1024)
    batch[3]["context"]["extensions"][EXT + "event"]["data"]["note"] = "x" * (MiB + 1)
    spool = tmp_path / "spool"
    store = ServiceStore(
        "hub+" + limited.base, token="tok-alice", spool_dir=spool, batch_bytes=64 * MiB
    )
    try:
        store.append(batch)
        with pytest.warns(StoreWarning, match="refused 1 statement"):
            assert store.flush(30)
        assert [r["id"] for r in store.rejected] == [batch[3]["id"]]
        assert "413" in store.rejected[0]["reason"]
    finally:
        store.close()
    ids = [s["id"] for s in limited.service.ledger.read()]  # type: ignore[union-attr]
    assert sorted(ids) == sorted(s["id"] for i, s in enumerate(batch) if i != 3)
    (kept,) = (spool / "refused").glob("*.jsonl")
    entry = json.loads(kept.read_text())
    assert entry["statement"] == batch[3] and "413" in entry["reason"]


def test_statements_refused_for_good_are_kept_aside_not_retried(
    service: ThreadedService, tmp_path: Path
) -> None:
    """A statement the service cannot take (nested too deeply: the whole request is a 400; or
    of a lesson in no course: listed as rejected) goes aside once; the others arrive."""
    batch = statements("alice", 6, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b05")
    deep = batch[2]["context"]["extensions"][EXT + "event"]["data"]
    deep["x"] = json.loads("[" * 100 + "]" * 100)
    batch[4]["context"]["extensions"][EXT + "event"]["lesson"] = "in-no-course"
    spool = tmp_path / "spool"
    store = ServiceStore("hub+" + service.base, token="tok-alice", spool_dir=spool)
    try:
        store.append(batch)
        with pytest.warns(StoreWarning):
            assert store.flush(30)
        reasons = {r["id"]: r["reason"] for r in store.rejected}
        assert set(reasons) == {batch[2]["id"], batch[4]["id"]}
        assert "nested more than 64" in reasons[batch[2]["id"]]
        assert store.flush(1) and len(store.rejected) == 2  # not sent again
    finally:
        store.close()
    ids = [s["id"] for s in service.service.ledger.read()]  # type: ignore[union-attr]
    assert sorted(ids) == sorted(s["id"] for i, s in enumerate(batch) if i not in (2, 4))
    kept = [
        json.loads(x)
        for f in (spool / "refused").glob("*.jsonl")
        for x in f.read_text().splitlines()
    ]
    assert {k["statement"]["id"] for k in kept} == set(reasons)


def test_a_spool_line_no_parser_can_read_does_not_stop_sending(
    service: ThreadedService, hub_config: Path, tmp_path: Path
) -> None:
    """An edited spool file with a line nested a hundred thousand deep killed the sending
    thread (RecursionError): nothing was sent again, ever."""
    batch = statements("bob", 4, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b06")
    spool = tmp_path / "spool"
    spool.mkdir()
    lines = [json.dumps(s) for s in batch]
    (spool / "1-1-edited.jsonl").write_text(
        "\n".join([lines[0], "[" * 100_000, *lines[1:]]) + "\n", encoding="utf-8"
    )
    store = ServiceStore("hub+" + service.base, token="tok-bob", spool_dir=spool)
    try:
        store.append(statements("bob", 5, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b06")[4:])
        deadline = time.monotonic() + 20
        while list(spool.glob("*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.flush(20) and list(spool.glob("*.jsonl")) == []
    finally:
        store.close()
    assert len(stored_ids(hub_config)) == 5


def test_statements_over_the_rate_wait_in_the_spool_and_all_arrive(
    limited: ThreadedService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """1000 statements at once, then 100 per second: 1300 cannot arrive in under 3 s.
    Appending never waits; the store honours Retry-After rather than hammering the service."""
    batch = statements("alice", 1300, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b07")
    store = ServiceStore("hub+" + limited.base, token="tok-alice", spool_dir=tmp_path / "sp")
    caplog.set_level("INFO", logger="tornado.access")
    try:
        started = time.monotonic()
        for start in range(0, len(batch), 5):  # a learner's actions: a few statements each
            store.append(batch[start : start + 5])
        assert time.monotonic() - started < 2.0  # the learner is not kept waiting
        assert store.flush(60)
        assert time.monotonic() - started >= 2.9
    finally:
        store.close()
    assert sorted(s["id"] for s in limited.service.ledger.read()) == sorted(  # type: ignore[union-attr]
        s["id"] for s in batch
    )
    refused = [r for r in caplog.records if r.getMessage().startswith("429 POST")]
    assert 1 <= len(refused) <= 6  # one per wait, not one per retry loop turn


def test_checks_over_the_rate_get_429_with_retry_after_per_learner(
    limited: ThreadedService,
) -> None:
    body = {"lesson": KEY.id, "question": "q-even", "response": "3"}
    url = limited.base + "api/check"
    for _ in range(3):
        assert request_json("POST", url, "tok-alice", body)[0] == 200
    conn = http.client.HTTPConnection("127.0.0.1", limited.port, timeout=30)
    conn.request(
        "POST", PREFIX + "api/check", json.dumps(body), {"Authorization": "token tok-alice"}
    )
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    # one check every 5 s: the next is due within 5 s, however long the first three took
    assert response.status == 429 and response.getheader("Retry-After") in ("1", "2", "3", "4", "5")
    assert answer["retry_after"] == int(response.getheader("Retry-After") or 0)
    assert "too many checks" in answer["error"]
    assert request_json("POST", url, "tok-bob", body)[0] == 200  # per learner
    assert (
        request_json("POST", url, "tok-alice", body)[0] == 429
    )  # refused requests took nothing, but the bucket has not refilled


def test_a_learner_told_to_slow_down_gets_feedback_not_a_crash(
    limited: ThreadedService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A learner clicking Check again and again, on the service's lesson copy: after the
    bucket is spent the answer is "too many checks, try again in N s", not counted as an
    attempt, and the next tries are answered so without asking the service."""
    monkeypatch.setenv("LESSONKIT_SERVICE_URL", limited.base)
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "tok-alice")
    monkeypatch.setattr(remote_check, "_blocked_until", {}, raising=False)
    session = LessonSession(service_copy(KEY), learner="alice")
    session.start()
    session.advance()
    results = [session.submit(answer).result for answer in ("3", "five", "six", "4")]
    assert [r.understood for r in results] == [True, False, False, False]  # type: ignore[union-attr]
    assert "pick one of the options" in results[1].feedback  # type: ignore[union-attr]
    told = results[3].feedback  # type: ignore[union-attr]
    assert "Too many checks" in told and re.search(r"try again in [1-5] s\.", told)
    assert "not counted" in told
    again = session.submit("4").result
    assert again is not None and "Too many checks" in again.feedback
    assert session.record("q-even").attempts == 1  # only "3" was an attempt


def test_a_short_wait_is_waited_out_by_the_check_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One check per second: a second check right after the first is told to wait 1 s; the
    learner's checker waits that second and asks again, and gets the verdict."""
    limits = {"checks": {"rate": 1, "burst": 1}}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", limits=limits)
    running = ThreadedService.from_file(config).start()
    monkeypatch.setenv("LESSONKIT_SERVICE_URL", running.base)
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "tok-alice")
    monkeypatch.setattr(remote_check, "_blocked_until", {}, raising=False)
    question = {"lesson": KEY.id, "question": "q-even"}
    try:
        assert remote_check.check_service("3", question).understood
        began = time.monotonic()
        second = remote_check.check_service("4", question)
        assert second.understood and second.correct  # the verdict, not a refusal
        assert time.monotonic() - began >= 0.9  # it waited as the service asked
        status, _ = request_json("POST", running.base + "api/check", "tok-alice", question)
        assert status == 429  # the service did refuse checks that came this fast
    finally:
        running.stop()


def test_one_learner_cannot_occupy_the_code_checkers(tmp_path: Path, sandbox: Any) -> None:
    """Code checks take seconds (this one runs into its 2 s time limit): with the default of 2
    checks of one learner at a time, a third is refused at once (429, Retry-After 1) while
    another learner is still served."""
    courses = {"algebra": {"lessons": [str(LOOPS)], "code_checks": "service"}}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", courses=courses)
    running = ThreadedService.from_file(config).start()
    endless = "def total(numbers):\n    while True:\n        pass\n"
    results: dict[str, list[int]] = {"alice": [], "bob": []}

    def check(user: str, source: str) -> None:
        body = {"lesson": "python-loops", "question": "ex-sum", "response": source}
        status, _ = request_json(
            "POST", running.base + "api/check", f"tok-{user}", body, timeout=60
        )
        results[user].append(status)

    try:
        threads = [threading.Thread(target=check, args=("alice", endless)) for _ in range(2)]
        for thread in threads:
            thread.start()
        limiter = running.service.limiter  # type: ignore[union-attr]
        deadline = time.monotonic() + 20
        while limiter.running("alice") < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # until both of alice's checks run (each for about 2.7 s)
        began = time.monotonic()
        check("alice", endless)
        assert results["alice"] == [429] and time.monotonic() - began < 2.0  # not queued
        check("bob", "def total(numbers):\n    return sum(numbers)\n")
        assert results["bob"] == [200]
        for thread in threads:
            thread.join(30)
        assert sorted(results["alice"]) == [200, 200, 429]
        check("alice", endless)  # the slots are free again
        assert results["alice"][-1] == 200
    finally:
        running.stop()


class _Answers(BaseHTTPRequestHandler):
    """A stand-in at the service's address answering a fixed body (a broken or hostile one)."""

    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def do_GET(self) -> None:
        self.do_POST()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    "answer",
    [b"[" * 100_000, b'{"correct": true, "score": "' + b"[" * 10 + b'"}', b'{"x":' * 5000],
    ids=["deep", "not-a-number", "deep-object"],
)
def test_a_broken_answer_from_the_service_is_feedback_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answer: bytes
) -> None:
    """The learner's side parses what the service (or whatever answers at its address) says:
    the check client and the store go on, with feedback and the statements kept."""
    handler = type("Answers", (_Answers,), {"body": answer})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/services/lessonkit/"
    monkeypatch.setenv("LESSONKIT_SERVICE_URL", base)
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "tok-alice")
    try:
        result = remote_check.check_service("4", {"lesson": KEY.id, "question": "q-even"})
        assert not result.understood and result.feedback == remote_check.UNREACHABLE
        store = ServiceStore("hub+" + base, token="tok-alice", spool_dir=tmp_path / "sp")
        store.append(statements("alice", 2, "6c0b9e52-3c57-4a0e-9f57-6b0a6b8e0b08"))
        assert not store.flush(1.5)  # not taken: kept, to be sent again
        assert store.pending() == 2 and store.rejected == []
        with pytest.raises(StorageError, match="cannot read evidence"):
            list(store.read(lesson=KEY.id))  # not taken for "no evidence on the service"
        store.close()
        with pytest.raises(StorageError, match="has no lesson"):
            remote_check.fetch_lesson(KEY.id)
        assert len(Spool(tmp_path / "sp").pending_lines()) == 2
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"body_bytes": 1000}, "body_bytes must be at least"),
        ({"checks": {"rate": -1}}, "limits.checks: rate must be a number >= 0"),
        ({"checks": {"burst": "many"}}, "limits.checks.burst: expected a number"),
        ({"statements": 5}, "limits.statements: expected {rate: N, burst: N}"),
        ({"statements": {"burst": 999}}, "statements.burst must be at least 1000"),
        ({"per_minute": 5}, "unknown key(s) per_minute"),
        ({"concurrent_checks": 1.5}, "whole numbers"),
    ],
)
def test_limits_in_the_config_are_checked(tmp_path: Path, limits: Any, message: str) -> None:
    path = write_config(tmp_path, "sqlite:///x.db", limits=limits)
    with pytest.raises(HubConfigError, match=re.escape(message)):
        load_config(path)
    path = write_config(tmp_path, "sqlite:///x.db", limits={"checks": {"rate": 0}})
    assert load_config(path).limits.checks.rate == 0  # 0 turns a limit off
