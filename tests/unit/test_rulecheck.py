"""Rules that can never fire: warned about, and only those (the real session is the oracle)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit.lesson.rulecheck import rule_warnings


def _lesson(rules: list[str], *, max_attempts: int | None, hints: int, kind: str) -> Any:
    step: dict[str, Any]
    if kind == "question":
        step = {
            "id": "s",
            "kind": "question",
            "prompt": "1 + 1?",
            "check": {"type": "numeric", "answer": 2},
            "competencies": ["c"],
            "hints": [f"hint {i}" for i in range(hints)],
        }
        if max_attempts is not None:
            step["max_attempts"] = max_attempts
        if max_attempts != 1:
            step["attempt_scores"] = [1, 0.5]  # a right second try scores 0.5
    elif kind == "choice":
        step = {
            "id": "s",
            "kind": "choice",
            "prompt": "Pick",
            "options": [{"value": "a"}, {"value": "b", "goto": "mid"}],
        }
    else:
        step = {"id": "s", "kind": "content", "body": "Read this."}
    step["next"] = {
        "rules": [{"when": when, "goto": f"r{i}"} for i, when in enumerate(rules)],
        "default": "done",
    }
    ends = [{"id": f"r{i}", "kind": "end"} for i in range(len(rules))]
    data = {
        "lessonkit": 1,
        "id": "t",
        "title": "T",
        "competencies": [{"id": "c"}],
        "steps": [
            step,
            *ends,
            *(
                [{"id": "mid", "kind": "content", "body": "Between.", "next": "done"}]
                * (kind == "choice")
            ),
            {"id": "done", "kind": "end"},
        ],
    }
    return lk.loads_lesson(json.dumps(data))


def _warned(lesson: Any) -> set[int]:
    return {f.path[4] for f in rule_warnings(lesson)}


def _taken(lesson: Any, *, max_attempts: int | None, hints: int, kind: str) -> set[int]:
    """Every rule some learner takes: all hint counts, wrong answers, right or give up,
    skips, and a competency already mastered or not."""
    taken: set[int] = set()
    tries = max_attempts or 4
    runs: list[tuple[Any, ...]] = []
    if kind == "question":
        for h, wrong, ending in itertools.product(
            range(hints + 1), range(tries + 1), ("right", "leave")
        ):
            if (ending == "right" and wrong >= tries) or (ending == "leave" and wrong == 0):
                continue
            runs.append((h, wrong, ending))
        runs.append((0, 0, "skip"))
    elif kind == "choice":
        runs = [("a",), ("b-back",)]
    else:
        runs = [()]
    for run, start in itertools.product(runs, ({}, {"c": 0.99})):
        session = lk.LessonSession(lesson, learner="x", seed=1, mastery_start=start)
        session.start()
        if kind == "question":
            h, wrong, ending = run
            for _ in range(h):
                session.hint()
            for _ in range(wrong):
                session.submit(7)
            if ending == "right":
                session.submit(2)
            if ending == "skip":
                session.skip("not checked here")
            else:
                session.advance()
        elif kind == "choice":
            if run[0] == "a":
                session.choose("a")
            else:  # picked the option that leaves, came back, went on
                session.choose("b")
                session.back()
                session.advance()
        else:
            session.advance()
        for event in session.events:
            if event.kind == "navigated" and event.step_id == "s":
                reason = event.data.get("reason")
                taken |= {i for i, r in enumerate(lesson.step("s").next.rules) if r.when == reason}
    return taken


NAMES = ["correct", "attempts", "hints", "score", "choice", "recorded", "mastered('c')"]
ATOMS = st.one_of(
    st.sampled_from(NAMES),
    st.builds(
        "{} {} {}".format,
        st.sampled_from(["attempts", "hints", "score", "choice", "attempts + hints"]),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.sampled_from(["0", "1", "2", "3", "0.5", "'a'", "'b'", "none"]),
    ),
)
CONDITIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.builds("not ({})".format, inner),
        st.builds("({}) and ({})".format, inner, inner),
        st.builds("({}) or ({})".format, inner, inner),
    ),
    max_leaves=4,
)


@settings(max_examples=200, deadline=None)
@given(
    rules=st.lists(CONDITIONS, min_size=1, max_size=3, unique=True),
    max_attempts=st.sampled_from([1, 2, 3, None]),
    hints=st.integers(0, 2),
    kind=st.sampled_from(["question", "question", "choice", "content"]),
)
def test_a_warned_rule_is_never_taken(
    rules: list[str], max_attempts: int | None, hints: int, kind: str
) -> None:
    lesson = _lesson(rules, max_attempts=max_attempts, hints=hints, kind=kind)
    taken = _taken(lesson, max_attempts=max_attempts, hints=hints, kind=kind)
    assert not _warned(lesson) & taken, (rules, _warned(lesson), taken)


def test_what_is_warned_about() -> None:
    cases = [
        # (rules, max_attempts, kind, warned rule indices)
        (["not correct and attempts >= 2"], 1, "question", {0}),
        (["not correct and attempts >= 2"], None, "question", set()),
        (["not correct or attempts >= 3"], None, "question", set()),
        (["hints > 0"], 3, "question", {0}),  # it has no hints
        (["correct", "correct and attempts == 1"], 2, "question", {1}),
        (["true", "mastered('c')"], 2, "question", {1}),
        (["mastered('c')", "correct"], 2, "question", set()),
        (["correct"], None, "content", {0}),
        (["correct('s')"], None, "content", set()),
        (["choice == 'c'"], None, "choice", {0}),
        (["choice == 'b'"], None, "choice", set()),
        (["attempts * 2 == 7"], None, "question", set()),  # arithmetic on an unbounded name
        (["attempts == 0"], 2, "question", set()),  # a skipped question
        (["score == 0.5"], 2, "question", set()),  # right at the second try
        (["0 < score < 0.5"], 2, "question", set()),  # not taken, but not judged either
    ]
    for rules, limit, kind, expected in cases:
        lesson = _lesson(rules, max_attempts=limit, hints=0, kind=kind)
        assert _warned(lesson) == expected, rules
        assert not expected & _taken(lesson, max_attempts=limit, hints=0, kind=kind)
    with_hint = _lesson(["hints > 0"], max_attempts=3, hints=1, kind="question")
    assert _warned(with_hint) == set()
    assert _taken(with_hint, max_attempts=3, hints=1, kind="question") == {0}


def test_a_lesson_written_to_keep_the_check_busy_is_judged_within_a_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lessonkit.lesson import rulecheck

    monkeypatch.setattr(rulecheck, "BUDGET", 60_000)  # the mechanism, at a tenth of the cost

    # each rule never fires, and takes close to MAX_CASES combinations to show it
    when = "attempts == 170 and score > 0.1 and score < 0.2 and correct and recorded and hints > 3"
    steps = [
        {
            "id": f"q{i}",
            "kind": "question",
            "prompt": "1 + 1?",
            "check": {"type": "numeric", "answer": 2},
            "hints": ["a", "b", "c"],
            "next": {"rules": [{"when": when, "goto": "done"}], "default": f"q{i + 1}"},
        }
        for i in range(200)
    ]
    steps[-1]["next"]["default"] = "done"
    data = {
        "lessonkit": 1,
        "id": "t",
        "title": "T",
        "steps": [*steps, {"id": "done", "kind": "end"}],
    }
    warned = rule_warnings(lk.loads_lesson(json.dumps(data)))
    per_rule = 173 * 7 * 2 * 2 * 4  # attempts 0..172, score samples, correct, recorded, hints
    assert per_rule <= rulecheck.MAX_CASES
    assert len(warned) == 60_000 // per_rule == 3
