"""Two replicas of the service behind HAProxy, on one PostgreSQL, under a real JupyterHub.

Learners post statements and get answers checked through configurable-http-proxy and HAProxy
(round robin: consecutive requests of a learner land on different replicas), some sending
several checks of one answer at once. Afterwards, in the database: nothing lost or stored
twice, each learner's server sequence numbers increasing in the order the learner sent, one
check row per attempt; in the replicas' logs: every answer graded once (none graded for
nothing), and both replicas served.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import unavailable
from .harness import write_config
from .hubrun import TestHub, find_chp
from .learners import Pace, run_async, run_learners, verify
from .replicas import PREFIX, Balancer, Replicas, find_haproxy

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COUNTS = re.compile(r"answer checks: (\d+) graded, (\d+) recorded, (\d+) graded for nothing")


def test_two_replicas_behind_a_balancer_lose_nothing_and_keep_order(
    tmp_path: Path, pg_server: Any
) -> None:
    chp, haproxy = find_chp(), find_haproxy()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    if haproxy is None:
        unavailable("haproxy is not installed (Debian's haproxy; ./dev.sh installs it)")
    database = pg_server.url("lessonkit_replicas")
    hub = TestHub(tmp_path, write_config(tmp_path, database), learners=24)
    replicas = Replicas(hub, 2)
    balancer = Balancer(tmp_path, hub.ports["external"], replicas.ports)
    try:
        replicas.start()
        balancer.start(haproxy)
        hub.start(chp)
        tokens = {f"learner-{i:03d}": hub.token(f"learner-{i:03d}") for i in range(24)}
        base = hub.public + PREFIX
        brisk = dict(list(tokens.items())[:18])
        clicking = dict(list(tokens.items())[18:])
        results = run_async(
            _both(
                run_learners(base, brisk, Pace(low=0.05, high=0.4, actions=8, answers=0.4)),
                run_learners(
                    base, clicking, Pace(low=0.2, high=0.6, actions=3, answers=1.0, together=2)
                ),
            )
        )
    finally:
        replicas.stop()
        balancer.stop()
        hub.stop()
    for result in results:
        assert result.failed() == []
    assert sum(len(lr.sent) for r in results for lr in r.learners) > 100
    assert verify(database, results) == {
        "lost": 0,
        "duplicated": 0,
        "out_of_order": 0,
        "attempts": 0,
    }
    counts = [COUNTS.search(log.read_text(errors="replace")) for log in replicas.logs()]
    assert all(counts), [log.read_text()[-2000:] for log in replicas.logs()]
    graded = [int(found.group(1)) for found in counts if found]
    recorded = [int(found.group(2)) for found in counts if found]
    nothing = [int(found.group(3)) for found in counts if found]
    assert all(n > 0 for n in graded)  # both replicas checked answers
    assert nothing == [0, 0] and graded == recorded
    checks = sum(1 for r in results for lr in r.learners for v in lr.checks if v["recorded"])
    assert sum(recorded) == checks


async def _both(*runs: Any) -> list[Any]:
    return list(await asyncio.gather(*runs))
