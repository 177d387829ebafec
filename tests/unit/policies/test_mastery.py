"""BKT mastery: the update against hand-computed values, settings, forgetting, state rebuild."""

from __future__ import annotations

import pytest

import lessonkit as lk
from lessonkit.lesson.model import MasteryParams
from lessonkit.policies.mastery import (
    MasteryTracker,
    Observation,
    bkt_posterior,
    bkt_update,
    p_correct,
)

P = MasteryParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1)


def test_update_after_a_correct_answer_by_hand() -> None:
    # posterior = 0.5*0.9 / (0.5*0.9 + 0.5*0.2) = 0.45/0.55; then learn: post + (1-post)*0.1
    assert bkt_posterior(0.5, True, P) == pytest.approx(0.45 / 0.55)
    assert bkt_update(0.5, True, P) == pytest.approx(0.818181818 + 0.181818182 * 0.1)
    assert bkt_update(0.5, True, P) == pytest.approx(0.8363636364)


def test_update_after_a_wrong_answer_by_hand() -> None:
    # posterior = 0.5*0.1 / (0.5*0.1 + 0.5*0.8) = 0.05/0.45 = 0.1111; then learn
    assert bkt_posterior(0.5, False, P) == pytest.approx(1 / 9)
    assert bkt_update(0.5, False, P) == pytest.approx(1 / 9 + (8 / 9) * 0.1)


def test_forgetting_pulls_known_learners_back() -> None:
    forgetful = MasteryParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1, forget=0.05)
    post = 0.45 / 0.55
    assert bkt_update(0.5, True, forgetful) == pytest.approx(post * 0.95 + (1 - post) * 0.1)
    # with forgetting, P(known) can never be pinned at 1: it settles below 1 - forget + ...
    p = 0.5
    for _ in range(200):
        p = bkt_update(p, True, forgetful)
    assert p < 0.97


def test_prediction_and_degenerate_evidence() -> None:
    assert p_correct(0.5, P) == pytest.approx(0.55)
    certain = MasteryParams(prior=1.0, learn=0.0, guess=0.0, slip=0.0)
    # a wrong answer is impossible under these parameters: the belief is kept, not a 0/0
    assert bkt_posterior(1.0, False, certain) == 1.0


def lesson(**settings: bool) -> lk.Lesson:
    return lk.Lesson(
        id="m",
        title="M",
        competencies=(lk.Competency(id="add", mastery=P),),
        steps=(lk.End(id="end"),),
        settings=lk.Settings(**settings),
    )


def test_tracker_starts_at_priors_and_reports_changes() -> None:
    tracker = MasteryTracker.for_lesson(lesson())
    assert tracker.probability("add") == 0.5
    assert tracker.snapshot() == {"add": 0.5}
    assert tracker.threshold("add") == 0.95
    assert tracker.observe("add", True) == pytest.approx((0.5, 0.8363636364))
    assert tracker.opportunities("add") == 1


def test_only_the_first_attempt_counts_by_default() -> None:
    tracker = MasteryTracker.for_lesson(lesson())
    tracker.observe("add", False, attempt=1)
    after_first = tracker.probability("add")
    assert tracker.observe("add", True, attempt=2) is None
    assert tracker.probability("add") == after_first
    every = MasteryTracker.for_lesson(lesson(first_attempt_only=False))
    every.observe("add", False, attempt=1)
    assert every.observe("add", True, attempt=2) is not None


def test_a_hint_counts_as_not_knowing_by_default() -> None:
    tracker = MasteryTracker.for_lesson(lesson())
    change = tracker.observe("add", True, hinted=True)
    assert change is not None
    assert change[1] == pytest.approx(bkt_update(0.5, False, P))
    lenient = MasteryTracker.for_lesson(lesson(hint_counts_as_wrong=False))
    change = lenient.observe("add", True, hinted=True)
    assert change is not None
    assert change[1] == pytest.approx(bkt_update(0.5, True, P))


def test_mastery_is_reached_at_the_threshold() -> None:
    tracker = MasteryTracker({"add": MasteryParams(prior=0.3, threshold=0.9)})
    answers = 0
    while not tracker.mastered("add"):
        tracker.observe("add", True)
        answers += 1
    assert answers == 2
    assert tracker.probability("add") >= 0.9


def test_undeclared_competencies_use_default_parameters() -> None:
    tracker = MasteryTracker()
    assert tracker.probability("other") == MasteryParams().prior
    tracker.observe("other", True)
    assert "other" in tracker.snapshot()


def test_state_can_be_rebuilt_by_restore_or_replay() -> None:
    tracker = MasteryTracker.for_lesson(lesson())
    history = [
        Observation("add", True),
        Observation("add", False, attempt=2),
        Observation("add", False, hinted=True),
        Observation("add", True),
    ]
    for obs in history:
        tracker.observe(obs.competency, obs.correct, attempt=obs.attempt, hinted=obs.hinted)
    replayed = MasteryTracker.for_lesson(lesson())
    replayed.replay(history)
    assert replayed.snapshot() == tracker.snapshot()
    assert replayed.opportunities("add") == 3
    restored = MasteryTracker.for_lesson(lesson())
    restored.restore(tracker.snapshot(), {"add": 3})
    assert restored.probability("add") == tracker.probability("add")
    copy = tracker.copy()
    copy.observe("add", True)
    assert copy.probability("add") != tracker.probability("add")
    tracker.reset()
    assert tracker.snapshot() == {"add": 0.5}
    with pytest.raises(ValueError, match="between 0 and 1"):
        tracker.restore({"add": 1.5})
    assert "add=0.500" in repr(tracker)


def test_session_uses_the_lesson_settings() -> None:
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "data" / "valid" / "branching.lesson.yaml"
    branching = lk.load_lesson(data)
    session = lk.LessonSession(branching, learner="t", seed=1)
    session.start()
    session.advance()
    session.choose("music")
    session.submit("4")  # wrong first attempt: evidence
    first = session.mastery.probability("add")
    assert first < 0.3
    out = session.submit("5")  # right second attempt: not evidence by default
    assert out.mastery == {}
    assert session.mastery.probability("add") == first
