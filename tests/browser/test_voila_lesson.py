"""The loops lesson in a real Voilà server, driven through Debian chromium like a learner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores import open_store

from .harness import AXE, LOOPS, READY, VoilaServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TOTAL = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n"
    "        result += n\n    return result\n"
)
VOWELS = "def count_vowels(text):\n    return sum(ch in 'aeiou' for ch in text.lower())\n"
XSS = "<img src=x onerror=alert(1)>"
LEARNER = "browser-ada"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def server(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """``lessonkit serve`` on the loops notebook, one fixed learner, code checking on."""
    env = {
        "LESSONKIT_STORE": store_dir.as_uri(),
        "LESSONKIT_LEARNER": LEARNER,
        "LESSONKIT_ALLOW_CODE": "1",
        "LESSONKIT_HOME": str(tmp_path_factory.mktemp("home")),
    }
    log = tmp_path_factory.mktemp("logs") / "voila.log"
    with VoilaServer(LOOPS, env=env, log=log) as running:
        yield running


def open_page(browser: Any, url: str, **context: Any) -> Any:
    page = browser.new_context(viewport={"width": 1100, "height": 900}, **context).new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    return page


def click(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def wait_title(page: Any, title: str) -> None:
    page.locator(".lk-step-title", has_text=title).wait_for()


def check_answer(page: Any, text: str, expect: str) -> str:
    page.locator(".lk-input input").fill(text)
    click(page, "Check")
    feedback = page.locator(".lk-feedback")
    feedback.filter(has_text=expect).wait_for()
    return str(feedback.inner_text())


def serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def practice_answer(prompt: str) -> str:
    if m := re.search(r"range\((\d+), (\d+)\)", prompt):
        return str(int(m[2]) - int(m[1]))
    if m := re.search(r"last value of i in for i in range\((\d+)\)", prompt.replace("`", "")):
        return str(int(m[1]) - 1)
    rows, cols = re.findall(r"range\((\d+)\)", prompt)[:2]
    return str(int(rows) * int(cols))


def test_a_learner_goes_through_the_loops_lesson(  # noqa: PLR0915 - one learner's story
    browser: Any, server: VoilaServer, store_dir: Path
) -> None:
    page = open_page(browser, server.url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    assert "Step 1 of about" in page.locator(".lk-position").inner_text()

    click(page, "Continue")
    click(page, "I have never written one")
    wait_title(page, "The for loop")
    click(page, "Continue")
    wait_title(page, "Counting iterations")

    # A hint, then wrong (targeted feedback), then right.
    click(page, "Hint 1 of 2")
    page.locator(".lk-hints", has_text="Write the values out").wait_for()
    text = check_answer(page, "5", "Not quite.")
    assert "Close!" in text and "stops before 10" in text
    # Focus moves to the feedback after Check (ipywidgets' Widget.focus()).
    page.wait_for_function("() => !!document.activeElement.closest('.lk-feedback')", timeout=5000)
    assert page.locator(".lk-feedback[aria-live='polite']").count() == 1
    assert "2 attempts left" in page.locator(".lk-status").first.inner_text()
    check_answer(page, "4", "Correct!")
    assert page.locator(".lk-bar-label", has_text="Writes for loops").count() == 1

    click(page, "Continue")
    wait_title(page, "Adding things up")
    assert serious_violations(page) == []
    click(page, "Continue")
    wait_title(page, "Your turn")
    page.locator(".lk-code-editor textarea").fill(TOTAL)
    click(page, "Check")
    page.locator(".lk-feedback", has_text="Correct!").wait_for(timeout=60_000)
    click(page, "Continue")
    # First try without hints: the branch to the challenge.
    wait_title(page, "Challenge")
    page.get_by_text("Chosen for you from your answers").wait_for()
    position = page.locator(".lk-position").inner_text()
    assert re.match(r"Step 7 of about \d+", position), position

    # Reload: the same learner continues at the same step.
    page.reload()
    page.wait_for_selector(READY, timeout=90_000)
    wait_title(page, "Challenge")
    page.locator(".lk-code-editor textarea").fill(VOWELS)
    click(page, "Check")
    page.locator(".lk-feedback", has_text="Correct!").wait_for(timeout=60_000)
    click(page, "Continue")
    wait_title(page, "The while loop")
    click(page, "Continue")
    wait_title(page, "Leaving early")

    # What the learner typed is shown as text: no dialog, no element.
    text = check_answer(page, XSS, "Not quite.")
    assert XSS in text
    assert page.locator(".lk-feedback img").count() == 0
    assert page.locator(".lk-player img").count() == 0
    check_answer(page, "break", "Correct!")
    click(page, "Continue")

    for _ in range(8):
        body = page.locator(".lk-body", has_text=re.compile(r"range\(\d"))
        prompt = body.inner_text()
        check_answer(page, practice_answer(prompt), "Correct!")
        click(page, "Continue")
        # The step re-renders: the feedback clears, then either an item or the summary.
        page.locator(".lk-feedback", has_text="Correct!").wait_for(state="detached")
        page.locator(".lk-summary, .lk-input input").first.wait_for()
        if page.locator(".lk-summary").count():
            break
    summary = page.locator(".lk-summary").inner_text()
    assert "Your results" in summary and "points" in summary
    assert "Writes for loops over ranges and lists" in summary
    assert "list comprehensions" in summary
    assert dialogs == []

    with open_store(store_dir.as_uri()) as store:
        statements = list(store.read(learner=LEARNER, lesson="python-loops"))
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]
    responses = [s["result"].get("response") for s in statements if "result" in s]
    assert "completed" in verbs
    assert "5" in responses and "4" in responses and XSS in responses
    page.context.close()


def test_dark_theme_and_keyboard_only_use_are_accessible(browser: Any, server: VoilaServer) -> None:
    page = open_page(browser, server.url + "?theme=dark", color_scheme="dark")
    assert "theme-dark" in page.evaluate("() => document.body.className")
    # Keyboard only: Tab to a button and press Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement.textContent.trim()")
        if name in ("Continue", "Check") or name.startswith("I "):
            break
    assert name, "no focusable control reached with Tab"
    assert serious_violations(page) == []
    page.context.close()
