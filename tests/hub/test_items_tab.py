"""The class view's "Item analysis" tab on the real service, and its accessibility in chromium."""

from __future__ import annotations

import html
import shlex
from pathlib import Path
from typing import Any

import pytest

from lessonkit.analytics.frame import statements_frame
from lessonkit.analytics.itemreport import render_items_html
from lessonkit.analytics.items import item_analysis
from lessonkit.evidence.statements import event_to_statement
from lessonkit.hub.classview import render_items_page
from lessonkit.i18n import translator
from lessonkit.lesson.loader import load_lesson
from tests.browser.harness import axe_violations

from .conftest import Api
from .harness import LESSON, ThreadedService
from .test_service_api import KEY, learner_session


def test_the_items_tab(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for user in ("alice", "bob"):
        s = learner_session(service, monkeypatch, tmp_path, user)
        s.advance()
        assert not s.submit("3").result.correct  # type: ignore[union-attr]
        assert s.submit("4").result.correct  # type: ignore[union-attr]
        s.advance()
        assert "multiply" in s.submit("13").result.feedback  # type: ignore[union-attr]
        assert s.store.flush(10)
    status, page = api("GET", f"class/algebra/items?lesson={KEY.id}", "tok-teacher")
    assert status == 200
    assert 'aria-current="page"><strong>Item analysis' in page
    text = html.unescape(page)
    # "3" has no message of its own: the command to add one, quoted for the shell
    command = shlex.join(
        ["lessonkit", "feedback", "add", str(LESSON), "--question=q-even", "--answer=3"]
    )
    assert command in text
    # "13" is answered by the instructor's lesson (the learners' copy has no key to judge it)
    assert ">13</code>" in page and ">targeted</abbr>" in page
    assert "--answer=13" not in text
    assert "too few to flag" in page and "⚑" not in page  # two learners: nothing flagged
    # in the teacher's language: the page's words, flags and notes; answers and commands as typed
    status, spanish = api("GET", f"class/algebra/items?lesson={KEY.id}&lang=es", "tok-teacher")
    assert status == 200 and '<html lang="es" dir="ltr">' in spanish and 'lang="en"' not in spanish
    assert "Respuestas incorrectas sin retroalimentación" in spanish
    assert "demasiado pocos para señalar" in spanish and ">específica</abbr>" in spanish
    assert command in html.unescape(spanish) and "too few to flag" not in spanish
    status, observer = api("GET", f"class/algebra/items?lesson={KEY.id}", "tok-ta")
    assert status == 200 and "alice" not in observer and "bob" not in observer
    assert api("GET", f"class/algebra/items?lesson={KEY.id}", "tok-alice")[0] == 403
    assert api("GET", "class/algebra/items?lesson=nope", "tok-teacher")[0] == 404
    status, empty = api("GET", "class/algebra/items?lesson=hub-notes", "tok-teacher")
    assert status == 200 and "No answers yet." in empty
    status, view = api("GET", "class/algebra/", "tok-teacher")
    assert status == 200 and f'href="items?lesson={KEY.id}"' in view


def _class_pages() -> list[tuple[str, str]]:
    """The items tab and the standalone report, for a class with wrong answers."""
    from lessonkit.engine.session import LessonSession

    lesson = load_lesson(LESSON)
    statements = []
    for n, wrong in enumerate(["3", "3", "5"]):
        s = LessonSession(lesson, learner=f"l{n}", seed=n)
        s.start()
        s.advance()
        s.submit(wrong)
        s.submit("4")
        statements += [event_to_statement(e) for e in s.events]
    analysis = item_analysis(
        statements_frame(statements), {lesson.id: lesson}, {lesson.id: "c.yaml"}
    )
    tab = render_items_page(
        course="algebra", lesson=lesson.id, lessons=[lesson.id], analysis=analysis
    )
    report = render_items_html(analysis, {"lesson": lesson.id, "learners": 3})
    arabic = render_items_html(analysis, {"lesson": lesson.id}, translator("ar"))
    return [("items tab", tab), ("report", report), ("report in Arabic", arabic)]


@pytest.mark.browser
def test_the_item_pages_pass_axe(browser: Any) -> None:
    page = browser.new_page()
    try:
        for name, content in _class_pages():
            page.set_content(content)
            page.click("summary")  # the folded table too
            assert axe_violations(page) == [], name
    finally:
        page.close()
