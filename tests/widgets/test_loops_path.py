"""The loops example lesson end to end: code exercises in both modes, practice, summary."""

from __future__ import annotations

import pytest

from .conftest import answer, option_button, step_id, visible

TOTAL = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n"
    "        result += n\n    return result\n"
)
BROKEN_TOTAL = "def total(numbers):\n    return 0\n"


def _to_exercise(p) -> None:
    p.next_button.click()
    option_button(p, "I have never written one").click()
    assert step_id(p) == "for-intro"
    assert '<div class="lk-code">' in p.body.value  # highlighted code
    assert "\\(2, 4, 6, 8\\)" in p.body.value  # math kept for MathJax
    p.next_button.click()
    assert step_id(p) == "q-range"
    feedback = answer(p, "5")
    assert "Close!" in feedback and "<em>before</em>" in feedback
    p.hint_button.click()
    assert "Write the values out" in p.hints.value
    assert "Correct!" in answer(p, "4")
    p.next_button.click()
    assert step_id(p) == "accumulate-intro"
    p.next_button.click()
    assert step_id(p) == "ex-sum"


def _finish(p) -> None:
    while not p.session.finished:
        view = p.session.current
        if view.step.id == "q-break":
            assert "leaves the whole function" in answer(p, "return")
            assert "Correct!" in answer(p, "break")
        elif view.question is not None and view.can_submit:
            assert "Correct!" in answer(p, str(view.question.check.answer))
            assert "Practice question" in p.status.value or view.step.kind != "practice"
        p.next_button.click()


def test_notebook_mode_checks_the_kernel_namespace(loops, make_player) -> None:
    namespace: dict[str, object] = {}
    p = make_player(loops, namespace=namespace)
    _to_exercise(p)
    assert "in a code cell of this notebook" in p.answer.children[0].value
    exec(BROKEN_TOTAL, namespace)  # the learner runs a wrong cell first
    p.check_button.click()
    assert "Not quite." in p.feedback.value
    exec(TOTAL, namespace)
    p.check_button.click()
    assert "Correct!" in p.feedback.value
    p.next_button.click()
    assert step_id(p) == "worked-example"  # two attempts: the worked example
    assert "<table>" in p.body.value
    p.next_button.click()
    _finish(p)
    assert step_id(p) == "done"
    assert "list comprehensions" in p.summary.value
    assert "Writes for loops over ranges and lists" in p.summary.value


@pytest.mark.slow
def test_voila_editor_mode_runs_code_in_a_separate_process(loops, make_player) -> None:
    p = make_player(loops, code_mode="editor", allow_code=True)
    _to_exercise(p)
    editor = p.input.widget
    assert editor.description == "Your code"
    assert editor.value.startswith("def total(numbers):")  # the starter code
    editor.value = TOTAL
    p.check_button.click()
    assert "Correct!" in p.feedback.value
    p.next_button.click()
    assert step_id(p) == "challenge"  # first try, no hints


def test_editor_code_is_not_run_unless_allowed(loops, make_player) -> None:
    p = make_player(loops, code_mode="editor", allow_code=False)
    _to_exercise(p)
    assert p.input is None
    assert not visible(p.check_button)
    assert "Code checking is turned off" in p.feedback.value
    assert "LESSONKIT_ALLOW_CODE=1" in p.feedback.value
