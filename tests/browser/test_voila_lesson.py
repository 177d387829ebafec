"""The example lessons in a real Voilà server (``lessonkit serve``), played through Debian
chromium like learners would, along their branches, with axe-core (WCAG 2.1 AA) at every
stage — light, dark and high contrast, desktop and a 390 px phone — and zero violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores import open_store

from .examples import TOTAL, VOWELS, WRONG_TOTAL, WRONG_VOWELS
from .harness import LOOPS, READY, ROOT, VoilaServer
from .play import VIEWS, Learner, assert_clean, center_practice, loops_practice, practise

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

XSS = "<img src=x onerror=alert(1)>"
CENTER = ROOT / "lessons" / "center-spread" / "center-spread.ipynb"
GROUPBY = ROOT / "lessons" / "groupby" / "groupby.ipynb"


def _server(notebook: Path, tmp: pytest.TempPathFactory, **env: str) -> VoilaServer:
    store = tmp.mktemp("store")
    full = {
        "LESSONKIT_STORE": store.as_uri(),
        "LESSONKIT_HOME": str(tmp.mktemp("home")),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
        **env,
    }
    server = VoilaServer(notebook, env=full, log=tmp.mktemp("logs") / "voila.log")
    server.store = store  # type: ignore[attr-defined]
    return server


@pytest.fixture(scope="module")
def loops_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """``lessonkit serve`` with its defaults (code checking on), anonymous learners."""
    with _server(LOOPS, tmp_path_factory) as running:
        yield running


def open_page(browser: Any, url: str) -> Any:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    return page


def _learner_id(page: Any) -> str:
    return {c["name"]: c["value"] for c in page.context.cookies()}["lessonkit_learner"]


def test_loops_first_try_branch_every_stage_every_view(  # noqa: PLR0915 - one learner's story
    browser: Any, loops_server: VoilaServer
) -> None:
    page = open_page(browser, loops_server.url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    me = Learner(page, views=VIEWS)
    assert page.locator("h1").count() == 1  # the lesson title once, no notebook intro
    assert "Run the cell below" not in page.locator("body").inner_text()
    me.stage("welcome")
    me.shoot("welcome")
    me.go("Continue", "Where are you starting from?", "choice")
    me.shoot("choice")
    me.go("I have never written one", "The for loop")
    me.go("Continue", "Counting iterations", "question")
    me.click("Hint 1 of 2")
    page.locator(".lk-hints", has_text="Write the values out").wait_for()
    me.stage("question: hint shown")
    text = me.type("5", "Not quite.", "question: wrong answer")
    assert "Close!" in text and "stops before 10" in text and "You answered: 5" in text
    me.shoot("feedback-wrong")
    # On a 390 px phone the field and its feedback fit on one screen (no wall of buttons).
    page.set_viewport_size({"width": 390, "height": 844})
    # The page lays out again after the resize: measure once it has (fails if it never fits).
    page.wait_for_function(
        "() => { const r = document.querySelector('.lk-answer .lk-field')"
        ".getBoundingClientRect(); return r.right <= 390; }",
        timeout=10_000,
    )
    field = page.locator(".lk-answer .lk-field").bounding_box()
    box = page.locator(".lk-feedback .lk-msg").bounding_box()
    assert field and box and box["y"] + box["height"] - field["y"] < 844
    assert field["x"] + field["width"] <= 390
    page.set_viewport_size({"width": 1100, "height": 900})
    # A wrong answer keeps focus in the field; the feedback is a live region.
    assert page.evaluate("() => document.activeElement.classList.contains('lk-field')")
    assert page.locator(".lk-feedback[aria-live='polite'][role='status']").count() == 1
    assert "2 attempts left" in page.locator(".lk-status").inner_text()
    me.type("4", "Correct!", "question: right answer")
    me.shoot("feedback-right")
    assert page.evaluate("() => !!document.activeElement.closest('.lk-feedback')")
    assert "only first tries count" in page.locator(".lk-mastery").inner_text()
    me.go("Continue", "Adding things up")
    me.go("Continue", "Your turn", "code exercise")
    me.shoot("code")
    text = me.type(TOTAL, "Correct!", "code exercise: right")
    assert text.count("Correct!") == 1 and "3 of 3 tests passed" in text
    me.go("Continue", "Challenge")
    page.get_by_text("Chosen for you from your answers").wait_for()
    me.type(WRONG_VOWELS, "Not quite.", "code exercise: wrong")
    me.type(VOWELS, "Correct!")
    me.go("Continue", "The while loop")
    me.go("Continue", "Leaving early")
    text = me.type(XSS, "Not quite.")
    assert XSS in text and page.locator(".lk-player img").count() == 0
    me.type("break", "Correct!")
    me.click("Continue")
    page.locator(".lk-status", has_text="Practice question 1").wait_for()
    me.stage("practice")
    practise(me, loops_practice)
    me.stage("summary")
    me.shoot("summary")
    summary = page.locator(".lk-summary").inner_text()
    assert "Your results" in summary and "list comprehensions" in summary
    # Restart asks first.
    me.click("Restart lesson…")
    page.get_by_text("Start the lesson again from the beginning?").wait_for()
    me.stage("restart: confirm")
    me.click("Cancel")
    assert page.locator(".lk-summary").count() == 1
    assert dialogs == []
    assert_clean(me)

    learner = _learner_id(page)
    with open_store(loops_server.store.as_uri()) as store:  # type: ignore[attr-defined]
        statements = list(store.read(learner=learner, lesson="python-loops"))
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
    responses = [s["result"].get("response") for s in statements if "result" in s]
    assert "completed" in verbs
    assert "5" in responses and "4" in responses and XSS in responses
    page.context.close()


def test_loops_pretest_and_worked_example_branch(browser: Any, loops_server: VoilaServer) -> None:
    page = open_page(browser, loops_server.url)
    me = Learner(page)
    me.go("Continue", "Where are you starting from?")
    me.go("I write them without thinking", "Quick check", "choice question")
    text = me.pick(["1 2 3"], "Not quite.", "choice question: wrong")
    assert "You answered: 1 2 3" in text and "range(3) starts at 0" in text
    me.go("Continue", "The for loop")
    me.go("Continue", "Counting iterations")
    me.type("4", "Correct!")
    me.go("Continue", "Adding things up")
    me.go("Continue", "Your turn")
    me.type(WRONG_TOTAL, "Not quite.", "code exercise: wrong")
    me.type(TOTAL, "Correct!")
    me.go("Continue", "A worked example", "worked example")
    me.go("Continue", "The while loop")
    me.go("Continue", "Leaving early")
    me.type("return", "Not quite.")
    me.type("break", "Correct!")
    me.click("Continue")
    page.locator(".lk-status", has_text="Practice question 1").wait_for()
    practise(me, loops_practice)
    assert "Your results" in page.locator(".lk-summary").inner_text()
    assert_clean(me)
    page.context.close()


def test_code_checking_turned_off_gives_a_way_forward(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _server(LOOPS, tmp_path_factory, LESSONKIT_CODE_CHECKING="off") as server:
        page = open_page(browser, server.url)
        me = Learner(page)
        me.go("Continue", "Where are you starting from?")
        me.go("I write them without thinking", "Quick check")
        me.pick(["0 1 2"], "Correct!")
        me.go("Continue", "Adding things up")
        me.go("Continue", "Your turn", "code not checked here")
        notice = page.locator(".lk-notice").inner_text()
        assert "Code is not checked on this server" in notice
        assert "LESSONKIT_CODE_CHECKING=off" in notice and "author" not in notice
        me.shoot("code-off")
        me.go("Skip — not checked here", "A worked example")
        me.go("Continue", "The while loop")
        me.go("Continue", "Leaving early")
        me.type("break", "Correct!")
        me.click("Continue")
        page.locator(".lk-status", has_text="Practice question 1").wait_for()
        practise(me, loops_practice)
        assert_clean(me)
        learner = _learner_id(page)
        with open_store(server.store.as_uri()) as store:  # type: ignore[attr-defined]
            events = [s["context"]["extensions"] for s in store.read(learner=learner)]
        skipped = [
            e
            for e in events
            if any(
                v.get("data", {}).get("reason") == "skipped"
                for v in e.values()
                if isinstance(v, dict)
            )
        ]
        assert len(skipped) == 1
        page.context.close()


def test_center_and_spread_confident_branch(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _server(CENTER, tmp_path_factory) as server:
        page = open_page(browser, server.url)
        me = Learner(page)
        me.go("Continue", "How do you feel about this?")
        me.go("Confident — test me first", "Quick check", "multiple select")
        me.pick(["the median", "the mean"], "Not quite.", "multiple select: wrong")
        me.go("Continue", "Mean and median")
        me.go("Continue", "A mean")
        me.type("5", "Correct!")
        me.go("Continue", "A median")
        me.type("5.25", "Not quite.")
        me.type("5.5", "Correct!", "solution shown")
        me.go("Continue", "A worked example")
        me.go("Continue", "The formula", "expression")
        me.type("a + b + c", "Not quite.")
        me.type("(a + b + c)/3", "Correct!")
        me.go("Continue", "Spread")
        me.go("Continue", "One big value")
        me.pick(["the mean"], "Correct!")
        me.go("Continue", "A range")
        me.type("8", "Correct!")
        me.click("Continue")
        page.locator(".lk-status", has_text="Practice question 1").wait_for()
        for _ in range(12):
            prompt = page.locator(".lk-body").inner_text()
            me.type(center_practice(prompt), "Correct!", "")
            before = page.locator(".lk-status").inner_text()
            me.click("Continue")
            page.wait_for_function(
                "([b]) => !document.querySelector('.lk-feedback .lk-msg') &&"
                " (!document.querySelector('.lk-status') ||"
                " document.querySelector('.lk-status').textContent !== b ||"
                " document.querySelector('.lk-step-title').textContent.includes('own words'))",
                arg=[before],
            )
            if page.locator(".lk-step-title", has_text="In your own words").count():
                break
        me.stage("free response")
        me.type(
            "The median, because a few enormous prices pull the mean far up.",
            "Correct!",
            "free response: done",
        )
        me.go("Continue", "Well done!", "summary")
        assert_clean(me)
        page.context.close()


def test_groupby_in_a_page_orders_and_skips_notebook_questions(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _server(GROUPBY, tmp_path_factory) as server:
        page = open_page(browser, server.url)
        me = Learner(page)
        me.go("Continue", "Pick your data")
        me.go("🌦 Weather: daily rainfall in three cities", "Your data")
        me.go("Continue", "Split, apply, combine", "ordering")
        me.shoot("ordering")
        items = page.locator(".lk-order .lk-item")
        want = [
            "from groupby_lesson import load_theme",
            'df = load_theme("weather")',
            'groups = df.groupby("city")',
            'totals = groups["rain_mm"].sum()',
            "print(totals)",
        ]
        for target, line in enumerate(want):  # keyboard: Move up until each line is in place
            for _ in range(len(want)):
                texts = [t.split(". ", 1)[1] for t in items.all_inner_texts()]
                at = texts.index(line)
                if at == target:
                    break
                page.get_by_role("button", name=f"Move up: {line}").press("Enter")
        assert [t.split(". ", 1)[1] for t in items.all_inner_texts()] == want
        me.click("Check")
        me.feedback("Correct!", "ordering: right")
        me.go("Continue", "Totals per group", "dataframe in a page")
        me.go("Skip — not checked here", "A worked example")
        me.go("Continue", "Two keys")
        me.go("Skip — not checked here", "Counting rows")
        me.pick(["`.size()`".strip("`")], "Correct!")
        me.go("Continue", "One value per group")
        me.pick(["sum", "mean", "max"], "Correct!")
        me.go("Continue", "How many rows?")
        me.type("6", "Correct!")
        me.go("Continue", "Well done!", "summary")
        assert_clean(me)
        page.context.close()
