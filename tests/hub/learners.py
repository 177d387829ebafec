"""Simulated learners of the course service: statements and answer checks at a human pace.

Each learner works through the test course's lesson in one session: every few seconds (a pace
drawn between ``low`` and ``high`` seconds) it either moves on (one POST of two statements: the
step seen and the move) or answers the variant question ``q-sum`` (a POST to ``api/check``,
then a POST of the answer's statement, which the service binds to its own record of the
check). Learners start spread over one pace interval, act a bounded number of times, and wait
for each answer before their next action, as a learner's kernel does. Every request, its kind,
status and latency, and every statement id in the order sent are recorded, for the caller to
check against the database: nothing lost or doubled, server sequence numbers increasing with
each learner's own, one check row per attempt.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from lessonkit.evidence.events import Event, LearnerRef
from lessonkit.evidence.statements import event_to_statement

from .wireclient import Connection

_T = TypeVar("_T")

__all__ = ["LESSON", "Learner", "Pace", "Result", "run_async", "run_learners"]

LESSON = "hub-course"
STEPS = ("intro", "q-even", "q-times", "done")


@dataclass(frozen=True)
class Pace:
    """How learners act."""

    low: float = 5.0
    """Fewest seconds between two actions of one learner."""
    high: float = 20.0
    """Most seconds between two actions of one learner."""
    actions: int = 6
    """Actions per learner (then it stops)."""
    answers: float = 0.3
    """Share of actions that answer a question (a check, then its statement)."""
    together: int = 1
    """Checks sent at once for one answer (more than one: a double click, an impatient
    retry); each recorded verdict then gets its statement."""


@dataclass
class Learner:
    """One simulated learner and what it sent."""

    name: str
    token: str
    registration: str = field(default_factory=lambda: str(uuid.uuid4()))
    seq: int = 0
    sent: list[str] = field(default_factory=list)
    """Statement ids in the order sent (each POST waited for before the next)."""
    checks: list[dict[str, Any]] = field(default_factory=list)
    """The service's verdicts, in order."""

    def statement(self, kind: str, step: str | None, data: dict[str, Any]) -> dict[str, Any]:
        event = Event(
            kind=kind,
            learner=LearnerRef(id=self.name),
            lesson_id=LESSON,
            lesson_version="1.0",
            content_hash="ab" * 32,
            registration=self.registration,
            seq=self.seq,
            timestamp=datetime.now(UTC),
            step_id=step,
            data=data,
        )
        self.seq += 1
        return event_to_statement(event)


@dataclass
class Result:
    """Every request made: ``(kind, status, seconds)``, and the learners."""

    requests: list[tuple[str, int, float]] = field(default_factory=list)
    learners: list[Learner] = field(default_factory=list)
    elapsed: float = 0.0

    def latencies(self, kind: str) -> list[float]:
        """Seconds of the answered (200) requests of ``kind``."""
        return [s for k, status, s in self.requests if k == kind and status == 200]

    def failed(self) -> list[tuple[str, int, float]]:
        """The requests not answered 200."""
        return [r for r in self.requests if r[1] != 200]


async def run_learners(
    base: str,
    tokens: dict[str, str],
    pace: Pace,
    *,
    seed: int = 1,
    time_limit: float = 600.0,
) -> Result:
    """Run one learner per token against the service at ``base`` (ending in ``/``)."""
    rng = random.Random(seed)
    result = Result(learners=[Learner(name, token) for name, token in tokens.items()])
    links = {lr.name: Connection(base, lr.token) for lr in result.learners}
    deadline = time.monotonic() + time_limit

    async def post(
        learner: Learner, kind: str, path: str, body: Any, link: Connection | None = None
    ) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            link = link or links[learner.name]
            status, data = await link.request("POST", path, json.dumps(body).encode())
        except OSError:
            status, data = 599, b""
        result.requests.append((kind, status, time.perf_counter() - started))
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, None

    async def send(learner: Learner, statements: list[dict[str, Any]]) -> None:
        status, _ = await post(learner, "statements", "api/statements", statements)
        if status == 200:
            learner.sent.extend(s["id"] for s in statements)

    async def learn(learner: Learner, waits: list[float], answering: list[bool]) -> None:
        await asyncio.sleep(waits[0] * rng.random())  # learners do not start in step
        step = 0
        for wait, answer in zip(waits, answering, strict=True):
            if time.monotonic() > deadline:
                return
            began = time.monotonic()
            if answer:
                response = rng.randint(0, 9)  # q-sum asks for two 2-digit numbers: wrong
                body = {"lesson": LESSON, "question": "q-sum", "response": response}
                extra = [Connection(base, learner.token) for _ in range(pace.together - 1)]
                replies = await asyncio.gather(
                    *(post(learner, "check", "api/check", body, link) for link in [None, *extra])
                )
                for link in extra:
                    await link.aclose()
                for status, verdict in replies:
                    if status != 200:
                        continue
                    learner.checks.append(verdict)
                    data = {"response": str(response), "raw": response, "correct": False,
                            "score": 0.0, "points": 0.0, "max_points": 1,
                            "attempt": verdict.get("attempt"), "checker": "numeric"}  # fmt: skip
                    await send(learner, [learner.statement("answered", "q-sum", data)])
            else:
                here, there = STEPS[step % len(STEPS)], STEPS[(step + 1) % len(STEPS)]
                step += 1
                await send(
                    learner,
                    [
                        learner.statement("experienced", here, {"visit": 1, "title": ""}),
                        learner.statement("navigated", here, {"to": there, "reason": "next"}),
                    ],
                )
            await asyncio.sleep(max(0.0, wait - (time.monotonic() - began)))

    plans = [
        (
            [rng.uniform(pace.low, pace.high) for _ in range(pace.actions)],
            [rng.random() < pace.answers for _ in range(pace.actions)],
        )
        for _ in result.learners
    ]
    started = time.perf_counter()
    await asyncio.gather(
        *(learn(lr, w, a) for lr, (w, a) in zip(result.learners, plans, strict=True))
    )
    result.elapsed = time.perf_counter() - started
    for link in links.values():
        await link.aclose()
    return result


def verify(database: str, results: list[Result]) -> dict[str, int]:
    """Check the database against what the learners of ``results`` (runs one after another)
    sent; counts of each kind of problem.

    ``lost``: statements answered 200 but not stored; ``duplicated``: stored events (a
    registration and sequence number) beyond one each; ``out_of_order``: a learner's statement
    whose server sequence number is not above that of the statement the learner sent before it
    (each POST was answered before the next was sent); ``attempts``: learners whose checked
    attempts are not exactly 1, 2, ... n, one row each, n being the checks the service answered
    as recorded.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            seqs = {
                sid: int(seq)
                for sid, seq in conn.execute(
                    sa.text(
                        "SELECT r.statement_id, r.server_seq FROM lessonkit_hub_receipts r "
                        "JOIN lessonkit_statements s ON s.id = r.statement_id "
                        "WHERE s.lesson = :lesson"
                    ),
                    {"lesson": LESSON},
                )
            }
            stored, events = conn.execute(
                sa.text(
                    "SELECT count(*), count(DISTINCT registration || '/' || seq) "
                    "FROM lessonkit_statements WHERE lesson = :lesson"
                ),
                {"lesson": LESSON},
            ).one()
            attempts: dict[str, list[int]] = {}
            for learner, attempt in conn.execute(
                sa.text(
                    "SELECT learner, attempt FROM lessonkit_hub_checks "
                    "WHERE lesson = :lesson ORDER BY learner, attempt"
                ),
                {"lesson": LESSON},
            ):
                attempts.setdefault(str(learner), []).append(int(attempt))
    finally:
        engine.dispose()
    everyone = [lr for result in results for lr in result.learners]
    lost = sum(1 for lr in everyone for sid in lr.sent if sid not in seqs)
    out_of_order = 0
    recorded: dict[str, int] = {}
    for lr in everyone:
        got = [seqs[sid] for sid in lr.sent if sid in seqs]
        out_of_order += sum(1 for a, b in itertools.pairwise(got) if b <= a)
        recorded[lr.name] = recorded.get(lr.name, 0) + sum(1 for v in lr.checks if v["recorded"])
    bad_attempts = sum(
        1 for name, n in recorded.items() if attempts.get(name, []) != list(range(1, n + 1))
    )
    return {
        "lost": lost,
        "duplicated": int(stored) - int(events),
        "out_of_order": out_of_order,
        "attempts": bad_attempts,
    }


def run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(coro)`` in a thread of its own: the run's one Playwright browser keeps an
    event loop running in the main thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
