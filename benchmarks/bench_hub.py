"""The course service under load: 300 learners posting at once to one service instance.

A real JupyterHub (configurable-http-proxy, the service as a hub-managed service, tokens
checked by the hub) and a real PostgreSQL, as in ``tests/hub/test_hub_integration.py``. 300
simulated learners, each with their own hub token, post their events concurrently through
the proxy, one POST per event (what a kernel's store sends when a learner acts), as fast as
the service answers. Reported: latency per event (median, p99), throughput, and the count of
events lost or duplicated in the database (both must be 0). Baseline in the same run: an
authenticated ``GET api/whoami`` through the same proxy (no database), so the ratio is the
price of checking, stamping and storing an event.

A third phase posts batches of 200 events (what a learner's store sends when it drains its
spool after an outage) from 30 learners at once: the price of parsing and checking a large
body (its size, its nesting depth, the learner's statement rate) shows there first.

The load generator runs on the same 2-core machine as the hub, proxy, service and database,
so the numbers are an upper bound of what one service instance costs.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessonkit.evidence.events import Event, LearnerRef  # noqa: E402
from lessonkit.evidence.statements import event_to_statement  # noqa: E402

LEARNERS = 300
LESSON = "hub-notes"
BATCH = 200
"""Events per request in the batch phase (the learner's store sends at most 200)."""
BATCHERS = 30
"""Learners posting batches at once in the batch phase."""
PACE = 2.0
"""Seconds between two events of one learner in the paced phase (a learner acting every 2 s
is a brisk class: 150 events/s in all)."""


def _statements(learner: str, count: int) -> list[dict[str, Any]]:
    """``count`` events of one session of ``learner`` (visits of the notes lesson's steps)."""
    registration = str(uuid.uuid4())
    start = datetime.now(UTC)
    steps = ["n1", "n2", "n3", "n4"]
    return [
        event_to_statement(
            Event(
                kind="experienced",
                learner=LearnerRef(id=learner),
                lesson_id=LESSON,
                lesson_version="1.0",
                content_hash="0" * 64,
                registration=registration,
                seq=seq,
                timestamp=start + timedelta(milliseconds=seq),
                step_id=steps[seq % len(steps)],
                data={"visit": seq // len(steps) + 1, "title": ""},
            )
        )
        for seq in range(count)
    ]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _load(
    public: str, tokens: dict[str, str], paced: int, burst: int, batches: int
) -> dict[str, Any]:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    AsyncHTTPClient.configure(None, max_clients=LEARNERS + 10)
    client = AsyncHTTPClient()
    base = public + "/services/lessonkit/"

    async def call(method: str, path: str, token: str, body: Any = None) -> tuple[int, float]:
        started = time.perf_counter()
        request = HTTPRequest(
            base + path,
            method=method,
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
            body=None if body is None else json.dumps(body),
            request_timeout=120,
        )
        response = await client.fetch(request, raise_error=False)
        return response.code, time.perf_counter() - started

    # Warm up: each token is checked with the hub once, then cached by the service.
    cold = await asyncio.gather(*(call("GET", "api/whoami", t) for t in tokens.values()))
    whoami = await asyncio.gather(*(call("GET", "api/whoami", t) for t in tokens.values()))
    sent: dict[str, list[str]] = {}

    async def learner(
        name: str, token: str, count: int, pace: float, size: int = 1
    ) -> list[tuple[int, float]]:
        statements = _statements(name, count * size)
        sent.setdefault(name, []).extend(s["id"] for s in statements)
        out = []
        if pace:
            await asyncio.sleep(random.uniform(0, pace))  # learners do not act in lockstep
        for start in range(0, len(statements), size):
            began = time.perf_counter()
            out.append(
                await call("POST", "api/statements", token, statements[start : start + size])
            )
            if pace:
                await asyncio.sleep(max(0.0, pace - (time.perf_counter() - began)))
        return out

    phases = {}
    plan = {"paced": (paced, PACE, 1, LEARNERS), "burst": (burst, 0.0, 1, LEARNERS)}
    plan["batch"] = (batches, 0.0, BATCH, BATCHERS)
    for phase, (count, pace, size, many) in plan.items():
        started = time.perf_counter()
        who = list(tokens.items())[:many]
        results = await asyncio.gather(*(learner(n, t, count, pace, size) for n, t in who))
        posts = [r for per in results for r in per]
        phases[phase] = {
            "latency": [s for _, s in posts],
            "failed": sum(1 for c, _ in posts if c != 200),
            "elapsed": time.perf_counter() - started,
            "events": len(posts) * size,
        }
    client.close()
    return {
        "cold": [s for _, s in cold],
        "whoami": [s for c, s in whoami if c == 200],
        "phases": phases,
        "sent": sent,
    }


def _stored(database: str) -> tuple[int, int]:
    """(statements, distinct events) of the benchmark lesson in the database; an event is
    (registration, sequence number), whatever statement id it came under."""
    import sqlalchemy as sa

    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT count(*), count(DISTINCT registration || '/' || seq) "
                    "FROM lessonkit_statements WHERE lesson = :lesson"
                ),
                {"lesson": LESSON},
            ).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def _skip(why: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "hub: 300 learners posting events",
            "value": float("nan"),
            "unit": "",
            "target": why,
            "ok": None,
        }
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark rows (see ``benchmarks/run.py``)."""
    from tests.hub.harness import write_config
    from tests.hub.hubrun import TestHub, find_chp
    from tests.integration.pgserver import PgServer, PgUnavailableError

    chp = find_chp()
    if chp is None:
        return _skip("not run: configurable-http-proxy missing (./dev.sh installs it)")
    paced, burst, batches = (3, 3, 1) if quick else (10, 20, 3)
    folder = Path(tempfile.mkdtemp(prefix="lessonkit-bench-hub-"))
    try:
        pg = PgServer().start()
    except PgUnavailableError as exc:
        return _skip(f"not run: PostgreSQL unavailable ({exc})")
    hub = None
    try:
        database = pg.url("lessonkit_bench")
        hub = TestHub(folder, write_config(folder, database), learners=LEARNERS)
        hub.start(chp)
        tokens = {f"learner-{i:03d}": hub.token(f"learner-{i:03d}") for i in range(LEARNERS)}
        measured = asyncio.run(_load(hub.public, tokens, paced, burst, batches))
        expected = sum(len(ids) for ids in measured["sent"].values())
        deadline = time.monotonic() + 30
        stored, distinct = _stored(database)
        while stored < expected and time.monotonic() < deadline:
            time.sleep(0.2)
            stored, distinct = _stored(database)
    finally:
        if hub is not None:
            hub.stop()
        pg.stop()
    base = measured["whoami"]
    rows: list[dict[str, Any]] = [
        {
            "name": "hub: GET whoami, 300 at once [baseline]",
            "median_s": statistics.median(base),
            "p99_s": _percentile(base, 0.99),
        },
        {
            "name": "hub: first request per token (hub lookup)",
            "median_s": statistics.median(measured["cold"]),
            "p99_s": _percentile(measured["cold"], 0.99),
        },
    ]
    for phase, title, target in (
        ("paced", f"{LEARNERS} learners, 1 event each {PACE:g} s", 1.0),
        ("burst", f"{LEARNERS} learners back to back", 10.0),
        ("batch", f"{BATCHERS} learners, batches back to back", 20.0),
    ):
        found = measured["phases"][phase]
        p50, p99 = statistics.median(found["latency"]), _percentile(found["latency"], 0.99)
        size = BATCH if phase == "batch" else 1
        rows.append(
            {
                "name": f"hub: POST {size} event{'s' if size > 1 else ''}, {title}",
                "median_s": p50,
                "p99_s": p99,
                "target": f"p99 < {target:g} s, none failed",
                "ok": p99 < target and found["failed"] == 0,
            }
        )
        rows.append(
            {
                "name": f"hub: events/s, {title}",
                "value": found["events"] / found["elapsed"],
                "unit": "events/s",
            }
        )
    lost, duplicated = expected - distinct, stored - distinct
    rows += [
        {
            "name": f"hub: events lost (of {expected})",
            "value": float(lost),
            "unit": "events",
            "target": "0",
            "ok": lost == 0,
        },
        {
            "name": f"hub: events duplicated (of {expected})",
            "value": float(duplicated),
            "unit": "events",
            "target": "0",
            "ok": duplicated == 0,
        },
    ]
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
