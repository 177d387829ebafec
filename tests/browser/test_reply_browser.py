"""A learner replies to a teacher's comment from the graded question, in a real Voilà server and
Debian chromium: the form is labelled and reachable by keyboard, a blank reply is refused
with a message, the reply is recorded once (as text, never markup), the form goes away, and
axe finds no accessibility violation before or after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import grade_statement
from lessonkit.evidence.replies import replies_of
from lessonkit.evidence.stores import open_store
from lessonkit.grading.rubrics import answers_to_grade, make_grade
from lessonkit.lesson.loader import load_lesson

from .harness import READY, ROOT, VoilaServer, axe_violations, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LESSON = ROOT / "tests" / "data" / "valid" / "rubric.lesson.yaml"
LEARNER = "browser-reply"
REPLY = "<i>Before</i> each pass, so a false test ends it."


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VoilaServer, Path]]:
    """``lessonkit serve`` on the rubric lesson for a learner whose explanation a teacher
    graded with a comment; and the learner's store."""
    folder = tmp_path_factory.mktemp("reply")
    store_dir = folder / "store"
    lesson = load_lesson(LESSON)
    with open_store(store_dir) as store:
        session = LessonSession(lesson, learner=LEARNER, store=store)
        session.start()
        session.submit("It stops once its test is false.")
        todo = answers_to_grade(lesson, "explain", store.read())[0]
        grade = make_grade(
            lesson,
            "explain",
            learner=todo.learner,
            grader=LearnerRef(id="tess", name="Tess"),
            registration=todo.answer.registration,
            answer_seq=todo.answer.seq,
            levels={"idea": "Partly", "words": "Precise"},
            comment="When is the test checked?",
            version=1,
            timestamp=datetime.now(UTC),
        )
        store.append([grade_statement(grade)])
    notebook = folder / "reply.ipynb"
    write_notebook(notebook, [f"import lessonkit as lk\nlk.show(lk.load_lesson({str(LESSON)!r}))"])
    env = {
        "LESSONKIT_STORE": store_dir.as_uri(),
        "LESSONKIT_LEARNER": LEARNER,
        "LESSONKIT_HOME": str(folder / "home"),
    }
    with VoilaServer(notebook, env=env, log=folder / "voila.log") as running:
        yield running, store_dir


def test_the_learner_replies_at_the_question(
    browser: Any, graded: tuple[VoilaServer, Path]
) -> None:
    server, store_dir = graded
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url)
        page.wait_for_selector(READY, timeout=90_000)
        comment = page.locator(".lk-comment")
        assert "When is the test checked?" in comment.inner_text()
        field = page.get_by_label("Your reply to your teacher's comment (one reply)")
        assert axe_violations(page) == []
        send = page.get_by_role("button", name="Send reply")
        send.click()  # nothing typed yet
        page.locator(".lk-reply-status", has_text="Write your reply first.").wait_for()
        field.fill(REPLY)
        field.focus()
        page.keyboard.press("Tab")  # the keyboard reaches the button next
        assert page.evaluate("() => document.activeElement.textContent") == "Send reply"
        page.keyboard.press("Enter")
        page.locator(".lk-reply-status", has_text="Reply sent").wait_for()
        assert f"Your reply: {REPLY}" in page.locator(".lk-feedback").inner_text()
        assert page.locator(".lk-feedback i").count() == 0  # the reply is text, not markup
        assert page.locator(".lk-sec-reply textarea").count() == 0  # one reply: the form is gone
        assert axe_violations(page) == []
    finally:
        context.close()
    with open_store(store_dir) as store:
        replies = list(replies_of(store.read()).values())
    assert [(r.learner.id, r.text) for r in replies] == [(LEARNER, REPLY)]
