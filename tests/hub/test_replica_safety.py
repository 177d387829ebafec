"""What several replicas of the service need besides a shared database.

- Answers from the hub (who a token is, who is in a course) renewed in the background: a
  request waits for the hub only when nothing usable is cached, and concurrent requests for the
  same answer share one reading.
- One check of a learner's question at a time across threads (and, on PostgreSQL, across
  processes): concurrent checks of the same question are each graded once, as the attempt
  they are recorded as.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lessonkit.hub import checking, db
from lessonkit.hub.config import load_config
from lessonkit.hub.freshness import Refreshing
from lessonkit.hub.ledger import Ledger
from lessonkit.hub.roles import Membership

from .harness import GROUPS, write_config
from .learners import run_async


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_stale_reading_answers_at_once_while_the_hub_is_asked_again() -> None:
    async def scenario() -> None:
        clock = Clock()
        cache = Refreshing(60, 240, clock=clock)
        reads: list[int] = []
        gate = asyncio.Event()

        async def read() -> int:
            reads.append(len(reads) + 1)
            await gate.wait()
            return len(reads)

        gate.set()
        assert await cache.get("k", read) == 1
        clock.now = 59
        assert await cache.get("k", read) == 1 and reads == [1]  # fresh: no reading
        gate.clear()
        clock.now = 100
        assert await cache.get("k", read) == 1  # stale: answered at once...
        assert await cache.get("k", read) == 1
        await asyncio.sleep(0)
        assert reads == [1, 2]  # ...and one reading started for both
        gate.set()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert await cache.get("k", read) == 2  # the new reading is in
        clock.now = 100 + 60 + 240  # too old to use: the request waits for a reading
        assert await cache.get("k", read) == 3

    run_async(scenario())


def test_concurrent_misses_share_one_reading_and_a_failed_one_keeps_the_old() -> None:
    async def scenario() -> None:
        clock = Clock()
        cache = Refreshing(60, 240, clock=clock)
        calls = 0

        async def read() -> str:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            return "ada"

        assert await asyncio.gather(*(cache.get("t", read) for _ in range(50))) == ["ada"] * 50
        assert calls == 1

        async def broken() -> str:
            raise ConnectionError("the hub is restarting")

        clock.now = 100
        assert await cache.get("t", broken) == "ada"  # the stale reading is used
        await asyncio.sleep(0.01)
        assert await cache.get("t", broken) == "ada"  # the failed renewal changed nothing
        clock.now = 1000
        with pytest.raises(ConnectionError):
            await cache.get("t", broken)

    run_async(scenario())


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_checks_of_one_question_are_each_graded_once(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    if database == "postgresql":
        url = request.getfixturevalue("pg_server").url(f"lessonkit_checks_{tmp_path.name[-8:]}")
    else:
        url = f"sqlite:///{tmp_path / 'course.db'}"
    ledger = Ledger(load_config(write_config(tmp_path, url)))
    membership = Membership({g: frozenset(u) for g, u in GROUPS.items()})
    graded: list[int] = []
    real = checking.grade
    barrier = threading.Barrier(8)

    def counting(*args: Any, **kwargs: Any) -> Any:
        graded.append(kwargs["attempt"])
        return real(*args, **kwargs)

    monkeypatch.setattr(checking, "grade", counting)

    def check(_: int) -> dict[str, Any]:
        barrier.wait()  # all at once: a double click, a retry, several replicas
        return checking.check_answer(
            ledger,
            "alice",
            lesson_id="hub-course",
            question_id="q-sum",
            response=-1,
            membership=membership,
        )

    try:
        with ThreadPoolExecutor(8) as pool:
            verdicts = list(pool.map(check, range(8)))
        with ledger.engine.connect() as conn:
            attempts = sorted(
                conn.execute(sa.select(db.checks.c.attempt).where(db.checks.c.learner == "alice"))
                .scalars()
                .all()
            )
    finally:
        ledger.close()
    assert sorted(v["attempt"] for v in verdicts) == list(range(1, 9))
    assert attempts == list(range(1, 9))
    assert sorted(graded) == list(range(1, 9))  # each answer graded once, as its attempt
