"""Mastery and profile carry over between the lessons of a course, for the same learner, in a
JSON-lines file store, SQLite and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.course import Course
from lessonkit.course.storage import read_record
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import load_session_events, open_store

from .conftest import PLACEMENT_RIGHT, Clock, pool_script, take

ADA = LearnerRef(id="ada", home_page="https://hub.example.org/")


@pytest.fixture(
    params=["jsonl", "sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "jsonl":
        url = str(tmp_path / "evidence")
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'evidence.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    with open_store(url) as opened:
        yield opened


def posterior(p: float, answers: list[bool], guess: float = 0.2, slip: float = 0.1) -> float:
    """P(known) after answers with no learning in between (written out, as an oracle)."""
    for right in answers:
        if right:
            p = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
        else:
            p = p * slip / (p * slip + (1 - p) * (1 - guess))
    return p


def placement_script(**overrides: Any) -> dict[str, Any]:
    script: dict[str, Any] = {"interest": "data", **PLACEMENT_RIGHT}
    script.update(overrides)
    return script


def test_mastery_and_profile_carry_from_the_placement_into_the_next_lesson(
    course: Course, store: Any, clock: Clock
) -> None:
    # Placement: lists right four times, the first for-loops question wrong (the check ends).
    out = take(course, store, ADA, "python-basics-placement", placement_script(f1=4), clock=clock)
    assert out.completed and out.session.path[-2:] == ["f1", "done"]
    placed = read_record(course, store, ADA, as_of=clock())
    assert placed.profile == {"interest": "data"}
    assert placed.mastered("lists") and not placed.mastered("for-loops")
    # A placement is a test: Bayes' rule on each answer, no learning transition after it
    # (abs=1e-5: the record applies the seconds of forgetting since the last answer)
    assert placed.probability("lists") == pytest.approx(posterior(0.2, [True] * 4), abs=1e-5)
    assert placed.probability("for-loops") == pytest.approx(posterior(0.2, [False]), abs=1e-5)

    # Ten days later, the lists lesson starts from the record, forgetting applied
    clock.advance(days=10)
    lists = course.lesson("python-lists").lesson
    assert lists is not None
    expected = placed.competencies["lists"].probability * 0.5 ** (10 / 120)
    script = {"test-out": [30], "q-append": [6], **pool_script(lists, "practice", ADA.id)}
    out = take(course, store, ADA, "python-lists", script, clock=clock)
    session = out.session
    started = session.events[0]
    assert started.kind == "started"
    assert started.data["mastery_start"]["lists"] == pytest.approx(expected, abs=1e-6)
    assert started.data["profile"] == {"interest": "data"}
    # the interest choice is not asked again: the known value routes to the data example
    assert session.path[:5] == ["welcome", "interest", "example-data", "test-out", "append-intro"]
    chose = [e for e in session.events if e.kind == "chose"]
    assert [(e.step_id, e.data["value"]) for e in chose] == [("interest", "data")]
    first = next(e for e in session.events if e.kind == "mastery")
    assert first.data["before"] == pytest.approx(expected, abs=1e-6)

    # The record rebuilt from the store ends where the session ended
    after = read_record(course, store, ADA, as_of=session.clock())
    assert after.probability("lists") == pytest.approx(
        session.mastery.probability("lists"), abs=1e-6
    )
    counted = [e for e in session.events if e.kind == "mastery"]
    assert after.competencies["lists"].opportunities == 4 + len(counted)
    # untouched by the lists lesson, for-loops has forgotten for ten days
    forgot = posterior(0.2, [False]) * 0.5 ** (10 / 120)
    assert after.probability("for-loops") == pytest.approx(forgot, abs=1e-5)
    assert after.completed("python-lists") and after.completed("python-basics-placement")


TOTAL_OK = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n        result += n\n"
    "    return result\n"
)
VOWELS_OK = "def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text.lower())\n"


def test_a_second_lesson_starts_where_the_first_left_off(
    course: Course, store: Any, clock: Clock
) -> None:
    take(course, store, ADA, "python-basics-placement", placement_script(f1=4), clock=clock)
    placed = read_record(course, store, ADA, as_of=clock())
    loops_lesson = course.lesson("python-loops").lesson
    assert loops_lesson is not None
    script = {
        "confidence": "new",
        "q-range": [4],
        "ex-sum": [TOTAL_OK],
        "challenge": [VOWELS_OK],
        "q-break": ["break"],
        **pool_script(loops_lesson, "practice", ADA.id),
    }
    loops = take(course, store, ADA, "python-loops", script, clock=clock).session
    assert loops.finished
    # The loops lesson carries for-loops (one wrong placement answer) but not lists, which it
    # does not declare; confidence is asked again (ask_again), though the profile has interest
    start = loops.events[0].data["mastery_start"]
    assert start == {"for-loops": pytest.approx(placed.probability("for-loops"), abs=1e-6)}
    assert "confidence" in loops.path and loops.profile["interest"] == "data"

    practice = take(course, store, ADA, "loops-practice", {}, clock=clock).session
    carried = practice.events[0].data["mastery_start"]
    for cid in ("for-loops", "accumulator", "while-loops"):  # (seconds of forgetting since)
        assert carried[cid] == pytest.approx(loops.mastery.probability(cid), abs=1e-5), cid
    # the pool's first item practises the weakest competency: the one the loops lesson left
    # lowest (while-loops: one question there)
    weakest = min(carried, key=carried.__getitem__)
    assert weakest == "while-loops"
    item = practice.state.practice["practice"].item_id
    questions = {q.id: q for q in practice.lesson.questions()}
    assert item is not None and weakest in questions[item].competencies


def test_resuming_a_course_session_keeps_its_starting_mastery(
    course: Course, store: Any, clock: Clock
) -> None:
    take(course, store, ADA, "python-basics-placement", placement_script(f1=4), clock=clock)
    lists = course.lesson("python-lists").lesson
    assert lists is not None
    out = take(course, store, ADA, "python-lists", {"test-out": [1]}, clock=clock)
    assert out.stopped_at == "q-index"
    events = load_session_events(store, ADA, "python-lists")
    again = LessonSession.resume(lists, events, store=store, clock=clock)
    assert again.mastery.probability("lists") == pytest.approx(
        out.session.mastery.probability("lists"), abs=1e-12
    )
    assert again.state.mastery_start == out.session.state.mastery_start != {}
    assert again.profile == {"interest": "data"}
