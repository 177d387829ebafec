"""A three-learner class written event by event, so every table value is known exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lessonkit.analytics.frame import statements_frame
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import Event, LearnerRef

T0 = datetime(2025, 5, 1, 10, tzinfo=UTC)


class Script:
    def __init__(self, learner: str, start: datetime) -> None:
        self.learner = LearnerRef(id=learner)
        self.registration = f"00000000-0000-4000-8000-{abs(hash(learner)) % 10**12:012d}"
        self.seq = 0
        self.when = start
        self.statements: list[dict[str, Any]] = []

    def __call__(self, kind: str, step: str | None = None, **data: Any) -> Script:
        event = Event(
            kind=kind,
            learner=self.learner,
            lesson_id="L",
            lesson_version="1",
            content_hash="0" * 64,
            registration=self.registration,
            seq=self.seq,
            timestamp=self.when,
            step_id=step,
            data=data,
        )
        self.statements.append(event_to_statement(event))
        self.seq += 1
        self.when += timedelta(seconds=10)
        return self

    def answer(
        self,
        step: str,
        response: str,
        correct: bool,
        attempt: int,
        duration: float,
        *,
        hints: int = 0,
    ) -> Script:
        return self(
            "answered",
            step,
            response=response,
            correct=correct,
            attempt=attempt,
            hints_used=hints,
            competencies=["c"],
            duration=duration,
        )

    def mastery(self, step: str, before: float, after: float) -> Script:
        return self(
            "mastery", step, competency="c", before=before, after=after, mastered=after >= 0.95
        )


def handbuilt_statements() -> list[dict[str, Any]]:
    a = Script("alice", T0)
    a("started")("experienced", "s1", visit=1).answer("s1", "4", False, 1, 10.0)
    a("hint", "s1", index=0, attempt=1).answer("s1", "5", True, 2, 20.0, hints=1)
    a.mastery("s1", 0.3, 0.6)("navigated", "s1", to="s2", reason="default")
    a("experienced", "s2", visit=1).answer("s2", "x", True, 1, 30.0).mastery("s2", 0.6, 0.96)
    a("navigated", "s2", to="s3a", reason="correct")("experienced", "s3a", visit=1)
    a("completed", "s3a", score=2, max_score=2, scaled=1.0, path=["s1", "s2", "s3a"])

    b = Script("bob", T0 + timedelta(hours=1))
    b("started")("experienced", "s1", visit=1).answer("s1", "4", False, 1, 50.0)
    b.mastery("s1", 0.3, 0.2).answer("s1", "6", False, 2, 60.0).mastery("s1", 0.2, 0.1)
    b("navigated", "s1", to="s2", reason="default")("experienced", "s2", visit=1)

    c = Script("carol", T0 + timedelta(hours=2))
    c("started")("experienced", "s1", visit=1).answer("s1", "5", True, 1, 40.0)
    c.mastery("s1", 0.3, 0.7)("navigated", "s1", to="s2", reason="default")
    c("experienced", "s2", visit=1).answer("s2", "x", True, 1, 25.0).mastery("s2", 0.7, 0.97)
    c("navigated", "s2", to="s3b", reason="default")("experienced", "s3b", visit=1)
    c("completed", "s3b", score=2, max_score=2, scaled=1.0, path=["s1", "s2", "s3b"])
    return a.statements + b.statements + c.statements


def handbuilt_frame() -> Any:
    return statements_frame(handbuilt_statements())
