"""A practice pool ends as soon as every competency it practises is mastered, so a learner who
arrives with all of them mastered (carried in from a course, or shown earlier in the lesson)
passes it without an item, and the event log says why. Live sessions, resumed sessions and the
simulation's fast engine agree."""

from __future__ import annotations

from pathlib import Path

import lessonkit as lk
from lessonkit.evidence.stores.memory import MemoryStore
from lessonkit.simulation.engines import FastEngine

ROOT = Path(__file__).resolve().parents[2]
CONDITIONAL = lk.load_lesson(ROOT / "tests" / "data" / "probability" / "conditional.lesson.yaml")

EARLIER_TEXT = """\
lessonkit: 1
id: earlier
title: Mastered earlier in the lesson
competencies:
  - {id: odds, mastery: {prior: 0.8, learn: 0.2, guess: 0.1, slip: 0.05}}
steps:
  - id: q
    kind: question
    prompt: Odds of heads?
    check: {type: numeric, answer: 1}
    competencies: [odds]
    next: pool
  - id: pool
    kind: practice
    competencies: [odds]
    items:
      - id: p1
        prompt: Odds of a six against?
        check: {type: numeric, answer: 5}
        competencies: [odds]
    next: done
  - id: done
    kind: end
"""
EARLIER = lk.loads_lesson(EARLIER_TEXT)


def _navigated_from(session: lk.LessonSession, step: str) -> list[dict[str, object]]:
    return [e.data for e in session.events if e.kind == "navigated" and e.step_id == step]


def test_a_pool_mastered_on_arrival_is_passed_without_an_item() -> None:
    session = lk.LessonSession(
        CONDITIONAL, learner="ada", seed=1, mastery_start={"conditional": 0.99}
    )
    session.start()
    session.submit(2)
    session.advance()
    session.advance()  # intro -> pool -> done, no item asked
    assert session.finished
    assert session.path == ["warmup", "intro", "pool", "done"]
    assert _navigated_from(session, "pool") == [
        {"to": "done", "reason": "default", "skipped": "mastered", "competencies": ["conditional"]}
    ]
    assert not [e for e in session.events if e.kind == "answered" and e.step_id == "p-die"]
    assert "p-die" not in session.records


def test_a_pool_mastered_earlier_in_the_lesson_is_passed() -> None:
    session = lk.LessonSession(EARLIER, learner="ada", seed=1)
    session.start()
    session.submit(1)  # 0.8 -> above 0.95
    assert session.mastery.mastered("odds")
    session.advance()
    assert session.finished
    assert session.path == ["q", "pool", "done"]
    assert _navigated_from(session, "pool")[0]["skipped"] == "mastered"


def test_a_pool_not_mastered_still_asks() -> None:
    session = lk.LessonSession(EARLIER, learner="ada", seed=1)
    session.start()
    session.submit(2)  # wrong: not mastered
    session.advance()
    assert session.current_id == "pool"
    assert session.current.question is not None and session.current.question.id == "p1"


def test_resume_and_the_fast_engine_agree() -> None:
    store = MemoryStore()
    session = lk.LessonSession(
        CONDITIONAL, learner="ada", seed=1, store=store, mastery_start={"conditional": 0.99}
    )
    session.start()
    session.submit(2)
    session.advance()
    session.advance()
    resumed = lk.LessonSession.resume(CONDITIONAL, session.events)
    assert resumed.path == session.path and resumed.finished
    engine = FastEngine(CONDITIONAL, seed=1, mastery_start={"conditional": 0.99})
    engine.submit(True)
    engine.advance()
    engine.advance()
    assert engine.path == ["warmup", "intro", "pool", "done"] and engine.finished


def test_going_back_to_a_mastered_pool_shows_it_without_an_item() -> None:
    text = EARLIER_TEXT.replace(
        "    next: done\n  - id: done",
        "    next: after\n  - id: after\n"
        "    kind: content\n    body: After the pool.\n    next: done\n  - id: done",
    )
    lesson = lk.loads_lesson(text)
    session = lk.LessonSession(lesson, learner="ada", seed=1)
    session.start()
    session.submit(1)
    session.advance()  # q -> pool (passed) -> after
    assert session.current_id == "after"
    session.back()  # the pool shows, with nothing left to ask, rather than passing again
    assert session.current_id == "pool"
    assert session.current.question is None and session.current.can_advance
    session.advance()
    assert session.current_id == "after"
    resumed = lk.LessonSession.resume(lesson, session.events)
    assert resumed.path == session.path and resumed.current_id == "after"
