"""``lessonkit course graph|plan|assign|unassign|goal|export-record`` end to end on a
JSON-lines store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.course import Course
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store

from .conftest import COURSE_FILE, PLACEMENT_RIGHT, Clock, take

C = str(COURSE_FILE)


def test_graph(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["course", "graph", C]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR\n")
    assert '    c0(["lists"])' in mermaid and "    c0 --> c1" in mermaid
    assert '    l0["Where are you starting from? (placement)"]' in mermaid
    assert "    l2 -.-> c3" in mermaid  # the loops lesson develops while loops
    assert main(["course", "graph", C, "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert '"accumulator" -> "center";' in dot
    assert '"lesson:center-spread" -> "spread" [style=dashed];' in dot


def test_graph_draws_a_lessons_own_requires(capsys: pytest.CaptureFixture[str]) -> None:
    probability = str(COURSE_FILE.parents[2] / "tests/data/probability/probability.course.yaml")
    assert main(["course", "graph", probability]) == 0
    mermaid = capsys.readouterr().out.splitlines()
    assert '    l1["Conditional probability"]' in mermaid
    assert "    c0 -- requires --> l1" in mermaid  # the lesson's own requires: [sample-space]
    assert main(["course", "graph", probability, "--format", "dot"]) == 0
    assert '    "sample-space" -> "lesson:conditional" [label="requires"];' in (
        capsys.readouterr().out.splitlines()
    )


def test_plan_goal_assign_export(
    course: Course, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "evidence"
    clock = Clock()
    with open_store(store_dir) as store:
        take(
            course,
            store,
            LearnerRef(id="ada"),
            "python-basics-placement",
            {"interest": "data", **PLACEMENT_RIGHT, "a1": 0},
            clock=clock,
        )
    s = ["--store", str(store_dir)]
    assert (
        main(
            [
                "course",
                "goal",
                C,
                *s,
                "--learner",
                "ada",
                "--competency",
                "spread",
                "--due",
                "2026-09-20",
            ]
        )
        == 0
    )
    goal_id = re.search(r"goal (\w+):", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert (
        main(
            [
                "course",
                "assign",
                C,
                *s,
                "--learner",
                "ada",
                "--learner",
                "bob",
                "--lesson",
                "python-loops",
                "--teacher",
                "mrs-t",
                "--due",
                "2026-09-05",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "assigned lesson python-loops to ada" in out and "to bob" in out
    assert main(["course", "plan", C, *s, "--learner", "ada", "--today", "2026-09-02"]) == 0
    text = capsys.readouterr().out
    assert "Next: Python loops for beginners [lesson]" in text
    assert (
        "  Assigned by mrs-t. You have mastered for loops, which accumulating in a loop "
        "requires." in text
    )
    assert f"[{goal_id}] competency spread by 2026-09-20" in text
    assert (
        main(["course", "plan", C, *s, "--learner", "ada", "--json", "--today", "2026-09-02"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["next"]["lesson"] == "python-loops" and data["profile"] == {"interest": "data"}
    # the class: bob has only an assignment; with the due date passed he is flagged
    assert main(["course", "plan", C, *s, "--class", "--today", "2026-09-06"]) == 0
    text = capsys.readouterr().out
    assert "Class view: Python basics for data - 2 learner(s)" in text
    assert re.search(r"bob +overdue +an assignment: the lesson 'Python loops for beginners'", text)
    assert "Not started yet (1):\n  bob" in text  # an assignment, but no lesson begun
    # with the class list (e.g. the LMS roster), those without any evidence count too
    roster = tmp_path / "roster.txt"
    roster.write_text("ada\nbob\n\ncarol\n", encoding="utf-8")
    plan_class = ["course", "plan", C, *s, "--class", "--today", "2026-09-06"]
    assert main([*plan_class, "--roster", str(roster)]) == 0
    text = capsys.readouterr().out
    assert "- 3 learner(s)" in text and "Not started yet (2):\n  bob\n  carol" in text
    assert main([*plan_class, "--roster", str(roster), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["not_started"] == ["bob", "carol"]
    assert main([*plan_class, "--roster", str(tmp_path / "missing.txt")]) == 1
    assert "cannot read the list of learners" in capsys.readouterr().err
    assert main(["course", "plan", C, *s, "--learner", "ada", "--roster", str(roster)]) == 2
    bob_goal = re.search(r"to bob \(id (\w+)\)", out).group(1)  # type: ignore[union-attr]
    assert (
        main(
            [
                "course",
                "unassign",
                C,
                *s,
                "--learner",
                "bob",
                "--goal",
                bob_goal,
                "--teacher",
                "mrs-t",
            ]
        )
        == 0
    )
    assert main(["course", "unassign", C, *s, "--learner", "bob", "--goal", "nope"]) == 1
    assert main(["course", "goal", C, *s, "--learner", "ada", "--remove", goal_id]) == 0
    capsys.readouterr()
    out_file = tmp_path / "me.json"
    assert main(["course", "export-record", C, *s, "--learner", "ada", "-o", str(out_file)]) == 0
    export = json.loads(out_file.read_text(encoding="utf-8"))
    assert export["lessonkit"] == "learner-export"
    assert {s["actor"]["account"]["name"] for s in export["statements"]} == {"ada"}
    kinds = [s["verb"]["id"].rsplit("/", 1)[1] for s in export["statements"]]
    assert {"set-goal", "removed-goal", "was-assigned", "answered"} <= set(kinds)
    assert export["record"]["goals"] == []
    assert export["record"]["assignments"][0]["target_id"] == "python-loops"


def test_usage_and_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["course"]) == 2
    s = ["--store", str(tmp_path / "missing")]
    assert main(["course", "plan", C, *s, "--learner", "ada"]) == 1
    assert "no evidence store at" in capsys.readouterr().err
    with open_store(tmp_path / "ev"):
        pass
    s = ["--store", str(tmp_path / "ev")]
    assert main(["course", "goal", C, *s, "--learner", "ada", "--milestone", "nope"]) == 1
    assert "course 'python-basics' has no milestone 'nope'" in capsys.readouterr().err
    assert main(["course", "assign", C, *s, "--milestone", "loops"]) == 2
    bad = tmp_path / "bad.course.yaml"
    bad.write_text("lessonkit-course: 1\n", encoding="utf-8")
    assert main(["course", "graph", str(bad)]) == 1
    assert "missing required key 'id'" in capsys.readouterr().err


def test_a_plan_for_a_learner_the_store_does_not_know_says_so(
    course: Course, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "evidence"
    with open_store(store_dir) as store:
        take(
            course,
            store,
            LearnerRef(id="ada"),
            "python-basics-placement",
            {"interest": "data", **PLACEMENT_RIGHT},
            clock=Clock(),
        )
    s = ["--store", str(store_dir)]
    assert main(["course", "plan", C, *s, "--learner", "ada"]) == 0
    assert capsys.readouterr().err == ""
    # a typo must not look like a newcomer's plan; it is one, so exit 0
    assert main(["course", "plan", C, *s, "--learner", "adda"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "lessonkit: warning: the store has no evidence of learner 'adda' in this course (did "
        "you mean 'ada'?); the plan below is a newcomer's (1 learner(s) have evidence)\n"
    )
    assert "Next:" in captured.out
    assert main(["course", "plan", C, *s, "--learner", "zed", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["learner"]["id"] == "zed"
    assert "no evidence of learner 'zed' in this course;" in captured.err


def test_play_records_sessions_and_starts_from_the_course_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = COURSE_FILE.parents[2] / "tests" / "data" / "probability"
    course = str(folder / "probability.course.yaml")
    store = ["--store", str(tmp_path / "evidence"), "--learner", "ada"]
    first = tmp_path / "first.yaml"
    first.write_text("q-die: [6]\n", encoding="utf-8")
    second = tmp_path / "second.yaml"
    second.write_text("warmup: 2\npool: {correct: true}\n", encoding="utf-8")
    assert main(["play", str(folder / "sample-space.lesson.yaml"), "-r", str(first), *store]) == 0
    assert "mastery sample-space: 0.60" in capsys.readouterr().out
    argv = ["play", str(folder / "conditional.lesson.yaml"), "-r", str(second), *store]
    assert main([*argv, "--course", course, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # sample-space went on from 0.6 (the first lesson's evidence), not from its prior 0.2:
    # a right answer (guess 0.2, slip 0.1) then learning 0.15
    post = 0.6 * 0.9 / (0.6 * 0.9 + 0.4 * 0.2)
    assert out["mastery"]["sample-space"] == pytest.approx(post + (1 - post) * 0.15, abs=1e-6)
    assert main(["course", "plan", course, *store, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["competencies"]["sample-space"]["opportunities"] == 2
    assert plan["competencies"]["sample-space"]["probability"] == pytest.approx(
        out["mastery"]["sample-space"], abs=1e-6
    )
    # --course needs a store to read the record from
    assert (
        main(
            ["play", str(folder / "conditional.lesson.yaml"), "-r", str(second), "--course", course]
        )
        == 2
    )
