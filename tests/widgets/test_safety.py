"""What the learner typed is escaped when shown; values from the browser are validated."""

from __future__ import annotations

from lessonkit.widgets.markdown import render_markdown

from .conftest import answer, option_button, step_id

XSS = "<img src=x onerror=alert(1)>"
SOLUTIONS = """
def total(numbers):
    return sum(numbers)

def count_vowels(text):
    return sum(ch in "aeiou" for ch in text.lower())
"""


def _to_q1(p) -> None:
    p.next_button.click()
    option_button(p, "Music").click()
    assert step_id(p) == "q1"


def test_a_typed_answer_is_shown_as_text(branching, make_player) -> None:
    p = make_player(branching)
    _to_q1(p)
    feedback = answer(p, XSS)
    assert "<img" not in feedback
    assert "&lt;img src=x onerror=alert(1)&gt;" in feedback
    assert p.session.current.record.attempts == 0  # not a number: not counted


def test_text_answers_are_escaped_in_the_loops_lesson(loops, make_player) -> None:
    namespace: dict[str, object] = {}
    exec(SOLUTIONS, namespace)
    p = make_player(loops, namespace=namespace)
    for _ in range(30):
        if step_id(p) == "q-break":
            break
        view = p.session.current
        if view.step.kind == "choice":
            option_button(p, "I write them without thinking").click()
            continue
        if view.step.kind == "exercise":
            p.check_button.click()
        elif view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        p.next_button.click()
    feedback = answer(p, XSS)
    assert "<img" not in feedback and "&lt;img" in feedback
    assert "Not quite." in feedback


def test_markdown_escapes_raw_html_and_harmful_links() -> None:
    html = render_markdown(f"Hi {XSS} [x](javascript:alert(1))")
    assert "<img" not in html and "javascript:" not in html


def test_values_the_lesson_does_not_offer_are_refused_politely(branching, make_player) -> None:
    p = make_player(branching)
    p.next_button.click()
    p.choose("<script>")  # what a tampered browser could send
    assert step_id(p) == "theme"
    assert "Please pick one of the options shown." in p.feedback.value
    option_button(p, "Skip ahead").click()
    assert step_id(p) == "q2"
    p.check_button.click()  # nothing picked yet
    assert "Please pick one of the options first." in p.feedback.value
    p.input.widget.value = "4"
    p.input.values.remove("4")  # the kernel's own list of allowed values decides
    p.check_button.click()
    assert "not one of the options" in p.feedback.value
    assert p.session.current.record.attempts == 0


def test_empty_and_oversized_answers_are_not_submitted(branching, make_player) -> None:
    p = make_player(branching)
    _to_q1(p)
    assert "Please type an answer first." in answer(p, "   ")
    assert "too long" in answer(p, "9" * 5000)
    assert p.session.current.record.attempts == 0
