"""Fixtures of the course tests: the example course, a ticking clock, scripted lesson runs.

The PostgreSQL fixtures of the integration tests are reused (a real server; skipped locally
where PostgreSQL cannot start, a failure in CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lessonkit.course import Course, load_course
from lessonkit.course.storage import read_record
from lessonkit.engine.play import PlayResult, play
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from tests.integration.conftest import pg_server, pg_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
COURSE_FILE = ROOT / "lessons" / "python-basics" / "python-basics.course.yaml"

# Right answers to the placement check, by step.
PLACEMENT_RIGHT: dict[str, Any] = {
    "l1": 8, "l2": 7, "l3": 3, "l4": 8, "l5": 5,
    "f1": 5, "f2": "0 1 2", "f3": 3, "f4": 4, "f5": 3,
    "a1": 12, "a2": 24, "a3": 3, "a4": 6, "a5": "cba",
    "w1": 3, "w2": "while", "w3": 6, "w4": 10, "w5": 5,
}  # fmt: skip


class Clock:
    """A UTC clock that moves on one second per reading; ``advance`` jumps ahead."""

    def __init__(self, start: datetime = datetime(2026, 9, 1, 9, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def course() -> Course:
    """The example course, loaded once."""
    return load_course(COURSE_FILE)


def with_placement(course: Course, *, optional: bool) -> Course:
    """The course with its placement check required first (``optional=False``) or offered."""
    lessons = tuple(
        replace(e, optional=optional) if e.kind == "placement" else e for e in course.lessons
    )
    return replace(course, lessons=lessons)


@pytest.fixture
def clock() -> Clock:
    """A fresh clock for one test."""
    return Clock()


def take(
    course: Course,
    store: Any,
    learner: LearnerRef,
    lesson_id: str,
    script: dict[str, Any],
    *,
    clock: Callable[[], datetime],
    seed: int | None = None,
) -> PlayResult:
    """One session of a course lesson, started from the learner's record as the player does."""
    lesson = course.lesson(lesson_id).lesson
    assert lesson is not None
    start = read_record(course, store, learner, as_of=clock()).session_start(course, lesson_id)
    session = LessonSession(lesson, learner=learner, store=store, clock=clock, seed=seed, **start)
    return play(lesson, script, session=session)


@pytest.fixture
def jsonl_store(tmp_path: Path) -> Iterator[Any]:
    """A JSON-lines store in a temporary folder."""
    from lessonkit.evidence.stores import open_store

    with open_store(tmp_path / "evidence") as store:
        yield store


def pool_script(lesson: Any, pool: str, learner: str, *, right: bool = True) -> dict[str, Any]:
    """Answers to every variant of every item of a practice pool (right, or all wrong)."""
    from lessonkit.evidence.secret import session_keys
    from lessonkit.lesson.model import Practice
    from lessonkit.lesson.variants import draw, render, variant_seed

    # the variant key a live session of this learner uses (keyed with the run's secret)
    key = session_keys(lesson.id, learner, seed=None, secret=None, variants=True).variant_key
    step = lesson.step(pool)
    assert isinstance(step, Practice)
    script: dict[str, Any] = {}
    for item in step.items:
        visits = []
        for n in range(step.max_items):
            shown = render(item, draw(item, variant_seed(learner, lesson.id, item.id, n, key=key)))
            answer = shown.check.answer
            visits.append([answer if right else float(answer) + 1000])
        script[item.id] = {"visits": visits}
    return script
