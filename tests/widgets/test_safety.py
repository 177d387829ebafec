"""What the learner typed is escaped when shown; values from the page are validated."""

from __future__ import annotations

from lessonkit.widgets.markdown import render_markdown

from .conftest import answer, choose, feedback, send, step_id

XSS = "<img src=x onerror=alert(1)>"
SOLUTIONS = """
def total(numbers):
    return sum(numbers)

def count_vowels(text):
    return sum(ch in "aeiou" for ch in text.lower())
"""


def _to_q1(p) -> None:
    send(p, "next")
    choose(p, "Music")
    assert step_id(p) == "q1"


def test_a_typed_answer_is_shown_as_text(branching, make_player) -> None:
    p = make_player(branching)
    _to_q1(p)
    answer(p, XSS)
    html = p.view["feedback"]["html"]
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
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
            choose(p, "I write them without thinking")
            continue
        if view.step.kind == "exercise":
            answer(p, None)
        elif view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        send(p, "next")
    said = answer(p, XSS)
    html = p.view["feedback"]["html"]
    assert "<img" not in html and "&lt;img" in html
    assert "Not quite." in said


def test_markdown_escapes_raw_html_and_harmful_links() -> None:
    html = render_markdown(f"Hi {XSS} [x](javascript:alert(1))")
    assert "<img" not in html and "javascript:" not in html


def test_values_the_lesson_does_not_offer_are_refused_politely(branching, make_player) -> None:
    p = make_player(branching)
    send(p, "next")
    send(p, "choose", value="<script>")  # what a tampered page could send
    assert step_id(p) == "theme"
    assert "Please pick one of the options shown." in feedback(p)
    send(p, "choose", value={"not": "a string"})
    assert step_id(p) == "theme"
    choose(p, "Skip ahead")
    assert step_id(p) == "q2"
    assert "Please pick one of the options first." in answer(p, None)
    for bad in ("7", ["4"], 4, {"value": "4"}):
        assert "not one of the options" in answer(p, bad)
    assert p.session.current.record.attempts == 0


def test_empty_and_oversized_answers_are_not_submitted(branching, make_player) -> None:
    p = make_player(branching)
    _to_q1(p)
    assert "Please type an answer first." in answer(p, "   ")
    assert "Please type an answer first." in answer(p, ["5"])
    assert "too long" in answer(p, "9" * 5000)
    assert p.session.current.record.attempts == 0


def test_unknown_actions_and_junk_messages_are_ignored(branching, make_player) -> None:
    p = make_player(branching)
    before = p.view
    for junk in ({"action": "eval", "value": "1"}, {"nothing": 1}, {"action": None}):
        p.act(junk)
    p._on_msg(p, "not a dict", [])
    assert p.view == before
