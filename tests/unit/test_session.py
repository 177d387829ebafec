"""LessonSession: actions, branching on choices and performance, mastery, resume, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.engine.play import play

DATA = Path(__file__).resolve().parents[1] / "data"
LESSON = lk.load_lesson(DATA / "valid" / "branching.lesson.yaml")


def new_session(**kwargs: object) -> lk.LessonSession:
    session = lk.LessonSession(LESSON, learner="ada", seed=1, **kwargs)  # type: ignore[arg-type]
    session.start()
    return session


def test_start_shows_the_first_step_and_emits_events() -> None:
    s = new_session()
    assert s.current.step.id == "intro"
    assert [e.kind for e in s.events] == ["started", "experienced"]
    assert s.events[1].step_id == "intro"
    assert [e.seq for e in s.events] == [0, 1]
    with pytest.raises(lk.SessionStateError):
        s.start()


def test_choice_sets_the_profile_and_branches() -> None:
    s = new_session()
    s.advance()
    out = s.choose("sports")
    assert out.decision is not None
    assert out.decision.to_step == "sports"
    assert out.decision.reason == "profile.interest == 'sports'"
    assert s.profile == {"interest": "sports"}


def test_option_sets_extra_fields_and_default_branch() -> None:
    s = new_session()
    s.advance()
    out = s.choose("music")
    assert out.decision is not None and out.decision.to_step == "q1"
    assert out.decision.reason == "default"
    assert s.profile == {"interest": "music", "goal": "fun"}


def test_option_goto_overrides_next() -> None:
    s = new_session()
    s.advance()
    out = s.choose("skip")
    assert out.decision is not None and (out.decision.to_step, out.decision.reason) == (
        "q2",
        "option",
    )


def test_unknown_choice_is_refused_politely() -> None:
    s = new_session()
    s.advance()
    with pytest.raises(lk.SessionStateError, match="not an option"):
        s.choose("<script>")


def _to_q1(s: lk.LessonSession) -> None:
    s.advance()
    s.choose("music")
    assert s.current.step.id == "q1"


def test_first_try_success_leads_to_the_challenge() -> None:
    s = new_session()
    _to_q1(s)
    out = s.submit("5")
    assert out.result.correct
    assert s.current.record.points == 2
    assert "add" in out.mastery
    assert s.advance().decision.to_step == "challenge"  # type: ignore[union-attr]


def test_wrong_answers_targeted_feedback_schedule_and_remediation() -> None:
    s = new_session()
    _to_q1(s)
    first = s.submit("6")
    assert not first.result.correct
    assert "One too many" in first.result.feedback
    assert s.current.attempts_left == 2
    hint = s.hint()
    assert hint.hint == "Count on from 2."
    assert s.current.hints == ("Count on from 2.",)
    second = s.submit("5")
    assert second.result.correct
    assert s.current.record.best_score == pytest.approx(0.5)
    assert s.score() == (pytest.approx(1.0), pytest.approx(2.0))
    # correct, but not on the first try without hints: the default branch
    assert s.advance().decision.to_step == "q2"  # type: ignore[union-attr]


def test_running_out_of_attempts_leads_to_remediation() -> None:
    s = new_session()
    _to_q1(s)
    for answer in ("1", "2", "3"):
        s.submit(answer)
    assert s.current.attempts_left == 0
    assert not s.current.can_submit
    with pytest.raises(lk.SessionStateError, match="no attempts are left"):
        s.submit("5")
    assert s.advance().decision.to_step == "remedial"  # type: ignore[union-attr]


def test_unparsable_answer_is_not_an_attempt() -> None:
    s = new_session()
    _to_q1(s)
    out = s.submit("five-ish")
    assert not out.result.understood
    assert s.current.record.attempts == 0
    with pytest.raises(lk.SessionStateError):
        s.advance()


def test_content_steps_take_no_answer() -> None:
    s = new_session()
    with pytest.raises(lk.SessionStateError, match="takes no answer"):
        s.submit("x")


def test_back_returns_to_the_previous_step() -> None:
    s = new_session()
    s.advance()
    out = s.back()
    assert out.decision is not None and out.decision.to_step == "intro"
    assert s.path == ["intro"]


def test_resume_rebuilds_the_session_from_events() -> None:
    s = new_session()
    _to_q1(s)
    s.submit("6")
    s.hint()
    again = lk.LessonSession.resume(LESSON, list(s.events), seed=1)
    assert again.current.step.id == "q1"
    assert again.current.record.attempts == 1
    assert again.current.record.hints_used == 1
    assert again.profile == s.profile
    assert again.path == s.path
    assert again.mastery.probability("add") == pytest.approx(s.mastery.probability("add"))
    assert again.events[-1].kind == "resumed"
    assert again.submit("5").result.correct


def test_resume_inside_a_practice_pool_continues_with_the_same_item() -> None:
    script = {"theme": "music", "q1": ["1", "2", "3"], "q2": ["3"], "d1": ["0"], "d2": ["0"]}
    first = play(LESSON, script, seed=3)
    events = first.session.events
    # cut the run right after the pool's second item was shown
    cut = next(
        i
        for i, e in enumerate(events)
        if e.kind == "navigated" and e.data.get("reason") == "practice"
    )
    resumed = lk.LessonSession.resume(LESSON, events[: cut + 1], seed=3)
    original = lk.LessonSession.resume(LESSON, events[: cut + 1], seed=3)
    assert resumed.current.question is not None
    assert resumed.current.question.id == original.current.question.id  # type: ignore[union-attr]
    assert resumed.current.question.prompt == original.current.question.prompt  # type: ignore[union-attr]


def test_play_is_deterministic() -> None:
    script = {"theme": "sports", "q1": ["6", "5"], "q2": ["4"], "d1": ["0"], "d2": ["0"]}
    a = play(LESSON, script, seed=7).to_json()
    b = play(LESSON, script, seed=7).to_json()
    assert a == b
    assert a["completed"] is True
    assert a["path"][:4] == ["intro", "theme", "sports", "q1"]


def test_practice_pool_stops_at_max_items_when_not_mastered() -> None:
    script = {"theme": "music", "q1": ["1", "2", "3"], "q2": ["3"], "d1": ["0"], "d2": ["0"]}
    out = play(LESSON, script, seed=3).to_json()
    assert out["completed"]
    assert out["path"].count("drill") == 1
    drill_items = [k for k in out["steps"] if k in ("d1", "d2")]
    assert drill_items
    assert out["mastery"]["add"] < 0.9


def test_practice_stops_early_on_mastery() -> None:
    """Right answers every time: the pool ends before max_items."""
    s = lk.LessonSession(LESSON, learner="ada", seed=5)
    s.start()
    s.advance()
    s.choose("skip")
    s.submit("3")  # q2 wrong on purpose: mastery stays low
    s.advance()
    assert s.current.step.id == "drill"
    given = 0
    while s.current.step.id == "drill":
        q = s.current.question
        assert q is not None
        answer = q.check.answer  # type: ignore[attr-defined]
        s.submit(str(answer))
        given += 1
        s.advance()
    assert s.finished
    assert given < 4 or s.mastery.mastered("add")


def test_score_counts_questions_met() -> None:
    # One right answer leaves mastery of 'add' under 0.9, so the path goes through the drill,
    # whose practice items are formative (no points).
    script = {"theme": "skip", "q2": ["4"], "d1": ["0"], "d2": ["0"]}
    out = play(LESSON, script, seed=1).to_json()
    assert out["completed"]
    assert "drill" in out["path"]
    assert out["score"] == 1 and out["max_score"] == 1


def test_play_reports_where_a_script_stops() -> None:
    out = play(LESSON, {"theme": "music"}, seed=1)
    assert not out.completed
    assert out.stopped_at == "q1"
    assert "no response scripted" in (out.error or "")


def test_skip_leaves_an_unanswered_question_and_replays() -> None:
    from lessonkit.engine.session import LessonSession as Session
    from lessonkit.errors import SessionStateError as StateError

    lesson = lk.load_lesson(Path(__file__).parents[2] / "lessons" / "loops" / "loops.lesson.yaml")
    s = Session(lesson, learner="ada", seed=1)
    s.start()
    s.advance()
    s.choose("new")
    s.advance()
    s.submit("4")
    s.advance()
    s.advance()
    assert s.current.step.id == "ex-sum"
    outcome = s.skip("not checked here")
    assert outcome.decision.reason == "skipped" and s.current.step.id == "worked-example"
    assert s.records["ex-sum"].attempts == 0 and s.records["ex-sum"].points == 0
    again = Session.resume(lesson, s.events)
    assert again.current.step.id == "worked-example" and again.path == s.path
    with pytest.raises(StateError, match="cannot be skipped"):
        s.skip("not checked here")  # a content step
