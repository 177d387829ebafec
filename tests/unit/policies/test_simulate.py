"""simulate: deterministic reports, the fast engine agrees with real sessions, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.checks import Choice, Code, Expression, Numeric, Ordering, Text
from lessonkit.cli import main
from lessonkit.simulation import LearnerModel, simulate
from lessonkit.simulation.engines import UnanswerableError, respond

ROOT = Path(__file__).resolve().parents[3]
BRANCHING = ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"


def test_same_seed_same_report_other_seed_other_report() -> None:
    lesson = lk.load_lesson(LOOPS)
    a = simulate(lesson, learners=200, seed=4).to_json()
    b = simulate(lesson, learners=200, seed=4).to_json()
    c = simulate(lesson, learners=200, seed=5).to_json()
    assert a == b
    assert a != c


def test_fast_engine_agrees_with_real_sessions() -> None:
    """Same learners, same decisions: the fast path is the session's logic, not a copy of it."""
    lesson = lk.load_lesson(BRANCHING)
    model = LearnerModel(hint_rate=0.3)
    fast = simulate(lesson, learners=150, seed=2, model=model).to_json()
    full = simulate(lesson, learners=150, seed=2, model=model, engine="session").to_json()
    assert fast.pop("engine") == "fast" and full.pop("engine") == "session"
    assert fast == full
    assert fast["distinct_paths"] > 3  # the comparison exercises several branches


def test_report_contents() -> None:
    lesson = lk.load_lesson(BRANCHING)
    report = simulate(lesson, learners=300, seed=1)
    assert report.learners == 300
    assert sum(n for _, n in report.paths) == 300
    assert report.completed == 1.0
    assert 0 < report.mastered["add"] <= 1
    assert report.steps_mean >= 5
    assert all(p[0] == "intro" and p[-1] == "done" for p, _ in report.paths)
    stuck = {s.step: s for s in report.stuck}
    assert stuck["q1"].exhausted > 0  # q1 allows 3 attempts; some learners use them all
    text = report.to_text(top=3)
    assert "top paths" in text and "add" in text and "stuck steps" in text
    assert len(report.to_json(top=2)["paths"]) == 2


def test_a_lesson_that_loops_is_reported() -> None:
    lesson = lk.Lesson(
        id="loop",
        title="Loop",
        steps=(
            lk.Question(
                id="q",
                prompt="?",
                check=Numeric(answer=1),
                max_attempts=1,
                next=lk.Branch(rules=(lk.Rule(when="not correct", goto="q"),), default="end"),
            ),
            lk.End(id="end"),
        ),
    )
    hopeless = LearnerModel(unlinked_p_correct=0.0, max_visits=20)
    report = simulate(lesson, learners=10, seed=0, model=hopeless)
    assert report.completed == 0.0
    (stuck,) = report.stuck
    assert (stuck.step, stuck.exhausted, stuck.looping, stuck.cut_off) == ("q", 10, 10, 10)


def test_choice_weights_steer_learners() -> None:
    lesson = lk.load_lesson(BRANCHING)
    model = LearnerModel(choices={"theme": {"skip": 1.0}})
    report = simulate(lesson, learners=50, seed=0, model=model)
    assert all(p[:3] == ("intro", "theme", "q2") for p, _ in report.paths)


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (Numeric(answer=4), "4", "5"),
        (Numeric(answer=2.5, tolerance=0.5), "2.5", "8.5"),
        (Numeric(range=(1, 3)), "2", "6"),
        (Numeric(answer=9.81, units="m/s", require_units=True), "9.81 m/s", "10.81 m/s"),
        (Choice(options=("a", "b"), answer="b"), "b", "a"),
        (Choice(options=("a", "b", "c"), answer=("a", "c")), ["a", "c"], ["b"]),
        (Text(answer="break"), "break", "zzz"),
        (Expression(answer="x + 1"), "x + 1", "(x + 1) + 1"),
        (Ordering(items=("a", "b", "c")), ["a", "b", "c"], ["c", "b", "a"]),
    ],
)
def test_responses_are_derived_from_check_specs(
    check: object, right: object, wrong: object
) -> None:
    assert respond(check, True) == right  # type: ignore[arg-type]
    assert respond(check, False) == wrong  # type: ignore[arg-type]


def test_unanswerable_checks_are_explicit() -> None:
    with pytest.raises(UnanswerableError, match="code check"):
        respond(Code(name="f"), True)
    with pytest.raises(UnanswerableError, match="no wrong choice"):
        respond(Choice(options=("a",), answer="a"), False)
    with pytest.raises(ValueError, match="at least one learner"):
        simulate(lk.load_lesson(BRANCHING), learners=0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        LearnerModel(hint_rate=2.0)


def test_cli_text_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(LOOPS), "--learners", "50", "--seed", "3"]) == 0
    assert "python-loops: 50 simulated learners (seed 3, fast)" in capsys.readouterr().out
    assert main(["simulate", str(BRANCHING), "-n", "20", "--json", "--top", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["learners"] == 20 and len(data["paths"]) <= 2
    # the loops lesson has code exercises, which the session engine cannot answer
    assert main(["simulate", str(LOOPS), "-n", "5", "--engine", "session"]) == 1
    assert "cannot answer" in capsys.readouterr().err
    bad = ROOT / "tests" / "data" / "invalid" / "condition_unknown_name.lesson.yaml"
    assert main(["simulate", str(bad)]) == 1
    assert "corect" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["simulate", str(LOOPS), "--learners", "0"])
    assert info.value.code == 2
