"""Synthetic evidence with known ground truth, for tests and benchmarks.

:func:`bkt_statements` draws learners from the BKT model directly (no lesson session): fast
enough for thousands of learners, and the generating parameters are the ground truth a
calibration must recover.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..evidence.events import Event, LearnerRef
from ..evidence.statements import event_to_statement
from ..lesson.model import MasteryParams
from ..policies.mastery import bkt_update

__all__ = ["bkt_statements"]


def bkt_statements(
    params: Mapping[str, MasteryParams],
    *,
    learners: int,
    opportunities: int,
    seed: int = 0,
    lesson: str = "synthetic",
    mastery_events: bool = True,
) -> Iterator[dict[str, Any]]:
    """Statements of ``learners`` answering ``opportunities`` questions per competency.

    Each learner knows a competency with probability ``prior``, answers right with ``1 - slip``
    or ``guess``, then learns with probability ``learn``. Every answer is a first attempt
    at its own step (``<competency>-<n>``) and, with ``mastery_events``, is followed by the
    tracker's ``mastery`` event (estimated with the same parameters).
    """
    rng = random.Random(seed)
    start = datetime(2025, 1, 6, 8, tzinfo=UTC)
    # a content hash looks like one: hex digits (a run of zeros would look like a number)
    content_hash = hashlib.sha256(f"synthetic:{lesson}".encode()).hexdigest()
    for i in range(learners):
        learner = LearnerRef(id=f"learner-{i}")
        registration = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        seq = 0
        when = start + timedelta(minutes=i)

        def event(kind: str, step: str | None, data: dict[str, Any]) -> dict[str, Any]:
            nonlocal seq, when
            ev = Event(
                kind=kind,
                learner=learner,  # noqa: B023 (used immediately)
                lesson_id=lesson,
                lesson_version="1",
                content_hash=content_hash,
                registration=registration,  # noqa: B023
                seq=seq,
                timestamp=when,
                step_id=step,
                data=data,
            )
            seq += 1
            when += timedelta(seconds=7)
            return event_to_statement(ev)

        for comp, p in params.items():
            known = rng.random() < p.prior
            estimate = p.prior
            for n in range(opportunities):
                step = f"{comp}-{n}"
                right = rng.random() < ((1.0 - p.slip) if known else p.guess)
                yield event("experienced", step, {"visit": 1})
                yield event(
                    "answered",
                    step,
                    {
                        "response": "right" if right else "wrong",
                        "correct": right,
                        "attempt": 1,
                        "hints_used": 0,
                        "competencies": [comp],
                        "duration": 10.0,
                    },
                )
                if mastery_events:
                    after = bkt_update(estimate, right, p)
                    yield event(
                        "mastery",
                        step,
                        {
                            "competency": comp,
                            "before": estimate,
                            "after": after,
                            "mastered": after >= p.threshold,
                        },
                    )
                    estimate = after
                if not known:
                    known = rng.random() < p.learn
