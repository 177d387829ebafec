"""lessonkit graph: Mermaid and DOT output, labels, shapes and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.lesson.graph import edges, to_dot, to_mermaid

ROOT = Path(__file__).resolve().parents[3]
BRANCHING = ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"


def test_branching_mermaid() -> None:
    out = to_mermaid(lk.load_lesson(BRANCHING))
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    n1{"theme"}' in lines  # a choice is a decision
    assert '    n7[["drill"]]' in lines  # a practice pool is a subroutine
    assert '    n8(["done"])' in lines  # an end is a terminal
    assert '    n1 -->|"skip"| n6' in lines  # option jump labelled with its value
    assert "    n1 -->|\"profile.interest == 'sports'\"| n2" in lines
    assert '    n1 -->|"default"| n3' in lines
    assert "    n6 -->|\"mastery('add') #gt;= 0.9\"| n8" in lines
    assert '    n7 -.->|"next item until mastered or 4"| n7' in lines
    assert "    n0 --> n1" in lines  # a plain next is unlabelled
    assert lines[-1] == "    class n0 start"


def test_loops_dot() -> None:
    out = to_dot(lk.load_lesson(LOOPS))
    lines = out.splitlines()
    assert lines[0] == 'digraph "python-loops" {' and lines[-1] == "}"
    assert '    "welcome" [label="welcome: Why loops?", shape=box, penwidth=3];' in lines
    assert '    "practice" [label="practice: Practice until it sticks", shape=box3d];' in lines
    assert '    "done" [label="done: Well done!", shape=doublecircle];' in lines
    assert '    "ex-sum" -> "worked-example" [label="not correct or attempts >= 2"];' in lines
    assert '    "pretest" -> "for-intro" [label="default"];' in lines
    assert (
        '    "practice" -> "practice" [label="next item until mastered or 6", style=dashed];'
        in lines
    )


def test_every_exit_becomes_an_edge() -> None:
    lesson = lk.load_lesson(LOOPS)
    found = {(e.source, e.target) for e in edges(lesson)}
    for step in lesson.steps:
        for target in step.exits():
            assert (step.id, target) in found


def test_quotes_and_backslashes_are_escaped() -> None:
    lesson = lk.Lesson(
        id="q",
        title="Quotes",
        steps=(
            lk.Choice(
                id="c",
                title='Say "hi" \\ #1',
                prompt="?",
                options=(lk.ChoiceOption(value="a"),),
                field="f",
                next=lk.Branch(
                    rules=(lk.Rule(when="profile.f == \"a\" or profile.f < 'b'", goto="e"),),
                    default="e",
                ),
            ),
            lk.End(id="e"),
        ),
    )
    mermaid = to_mermaid(lesson)
    assert 'n0{"c: Say #quot;hi#quot; \\ #35;1"}' in mermaid
    assert "|\"profile.f == #quot;a#quot; or profile.f #lt; 'b'\"|" in mermaid
    dot = to_dot(lesson)
    assert '[label="c: Say \\"hi\\" \\\\ #1", shape=diamond' in dot
    assert '[label="profile.f == \\"a\\" or profile.f < \'b\'"]' in dot


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(BRANCHING)]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD")
    assert main(["graph", str(LOOPS), "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "python-loops"')
    bad = ROOT / "tests" / "data" / "invalid" / "condition_syntax_error.lesson.yaml"
    assert main(["graph", str(bad)]) == 1
    assert "'=' is not an operator" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["graph", str(LOOPS), "--format", "png"])
    assert info.value.code == 2
