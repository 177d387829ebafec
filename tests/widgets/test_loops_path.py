"""The loops example lesson end to end: code exercises in both modes, practice, summary."""

from __future__ import annotations

import pytest

from lessonkit.evidence import event_to_statement

from .conftest import LOOPS, answer, choose, feedback, send, shown, step_id, text

LOOPS_DIR = LOOPS.parent

TOTAL = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n"
    "        result += n\n    return result\n"
)
BROKEN_TOTAL = "def total(numbers):\n    return 0\n"


def _to_exercise(p) -> None:
    send(p, "next")
    choose(p, "I have never written one")
    assert step_id(p) == "for-intro"
    assert '<div class="lk-code">' in p.view["body"]  # highlighted code
    assert "\\(2, 4, 6, 8\\)" in p.view["body"]  # math kept for the page's typesetter
    send(p, "next")
    assert step_id(p) == "q-range"
    said = answer(p, "5")
    assert "Close!" in said and "<em>before</em>" in p.view["feedback"]["html"]
    send(p, "hint")
    assert "Write the values out" in p.view["hints"]
    assert "Correct!" in answer(p, "4")
    send(p, "next")
    assert step_id(p) == "accumulate-intro"
    send(p, "next")
    assert step_id(p) == "ex-sum"


def _finish(p) -> None:
    while not p.session.finished:
        view = p.session.current
        if view.step.id == "q-break":
            assert "leaves the whole function" in answer(p, "return")
            assert "Correct!" in answer(p, "break")
        elif view.question is not None and view.can_submit:
            assert "Correct!" in answer(p, str(view.question.check.answer))
            assert "Practice question" in p.view["status"] or view.step.kind != "practice"
        send(p, "next")


def test_notebook_mode_checks_the_kernel_namespace(loops, make_player) -> None:
    namespace: dict[str, object] = {}
    p = make_player(loops, namespace=namespace)
    _to_exercise(p)
    assert p.view["input"]["kind"] == "namespace"
    assert "in a code cell of this notebook" in p.view["input"]["note"]
    exec(BROKEN_TOTAL, namespace)  # the learner runs a wrong cell first
    assert "Not quite." in answer(p, None)
    exec(TOTAL, namespace)
    said = answer(p, None)
    assert said.startswith("Correct!") and said.count("Correct!") == 1  # not twice
    send(p, "next")
    assert step_id(p) == "worked-example"  # two attempts: the worked example
    assert "<table>" in p.view["body"]
    send(p, "next")
    _finish(p)
    assert step_id(p) == "done"
    summary = text(p.view["summary"])
    assert "list comprehensions" in summary
    assert "Writes for loops over ranges and lists" in summary


@pytest.mark.slow
def test_voila_editor_mode_runs_code_in_a_separate_process(loops, make_player) -> None:
    p = make_player(loops, code_mode="editor", allow_code=True)
    _to_exercise(p)
    editor = p.view["input"]
    assert editor["kind"] == "code" and editor["label"] == "Your code"
    assert editor["starter"].startswith("def total(numbers):")  # the starter code
    assert "Correct!" in answer(p, TOTAL)
    send(p, "next")
    assert step_id(p) == "challenge"  # first try, no hints


def test_code_off_gives_a_way_forward_recorded_as_not_checked(
    loops, make_player, monkeypatch
) -> None:
    monkeypatch.setenv("LESSONKIT_CODE_CHECKING", "off")
    p = make_player(loops, code_mode="editor", lab_url="http://lab.example/lab/tree/loops.ipynb")
    _to_exercise(p)
    assert p.view["input"] is None and not shown(p, "check")
    notice = text(p.view["notice"]["html"])
    assert "Code is not checked on this server" in notice
    assert "operator turned code checking off" in notice
    assert "--no-code-checking" in notice and "LESSONKIT_CODE_CHECKING=off" in notice
    assert "author" not in notice  # an operator's setting, not the lesson author's
    assert shown(p, "skip") == "Skip — not checked here"
    assert shown(p, "lab") == "http://lab.example/lab/tree/loops.ipynb"
    send(p, "skip")
    assert step_id(p) == "worked-example"  # not correct: the path for an unsolved exercise
    skipped = [e for e in p.session.events if e.data.get("reason") == "skipped"]
    assert [(e.step_id, e.data["why"]) for e in skipped] == [("ex-sum", "not checked here")]
    statement = event_to_statement(skipped[0])
    assert statement["verb"]["id"].endswith("/progressed")
    assert p.session.records["ex-sum"].attempts == 0
    assert p.view["notice"] is None
    send(p, "next")
    _finish(p)
    assert step_id(p) == "done"


def test_skip_is_refused_where_code_is_checked(loops, make_player) -> None:
    p = make_player(loops, code_mode="editor", allow_code=True)
    _to_exercise(p)
    assert shown(p, "skip") is None
    send(p, "skip")  # a tampered page
    assert step_id(p) == "ex-sum"
    assert feedback(p) == ""


def test_dataframe_questions_in_a_page_without_a_notebook_can_be_skipped(make_player) -> None:
    import sys

    sys.path.insert(0, str(LOOPS_DIR.parent / "groupby"))
    try:
        from groupby_lesson import build_lesson
    finally:
        sys.path.pop(0)
    p = make_player(build_lesson(), code_mode="editor")
    send(p, "next")
    choose(p, "⚽ Sports: points scored by basketball teams")
    send(p, "next")
    answer(p, [0, 1, 2, 3, 4])
    send(p, "next")
    assert step_id(p) == "totals-sports"
    assert p.view["input"] is None
    assert "answered in a notebook" in text(p.view["notice"]["html"])
    send(p, "skip")
    assert step_id(p) == "worked-example"
