"""The LMS launch and the deep-linking picker in Debian chromium (Playwright), axe-clean.

The platform (lti1p3platform) is on another site than the hub (``localhost`` against
``127.0.0.1``), so chromium applies its cross-site cookie rules to the launch's form post as
it would with a real LMS. A learner clicks a link in the LMS, lands logged in, in the lesson
in Voilà in her own server, answers (checked by the service), and her score arrives at the
platform; an instructor picks a milestone in the picker with the keyboard alone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.harness import READY, axe_violations, write_notebook
from tests.hub.test_hub_integration import KEY

from .lms_hub import LmsHub

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

LAUNCHER = (
    "import lessonkit as lk\n"
    "from lessonkit.hub.remote_check import fetch_lesson\n"
    f"lk.show(fetch_lesson({KEY.id!r}))"
)


def wait_for(page: Any, what: str, ready: Any, seconds: float = 90) -> Any:
    """Poll ``ready()`` (no browser involved) while the page stays open."""
    for _ in range(int(seconds * 2)):
        value = ready()
        if value:
            return value
        page.wait_for_timeout(500)
    raise TimeoutError(f"{what} after {seconds}s")


def answer(page: Any, text: str) -> None:
    field = page.locator(".lk-answer .lk-field")
    field.fill(text)
    field.press("Enter")
    page.locator(".lk-feedback .lk-msg", has_text="Correct").wait_for(timeout=60_000)


def test_a_learner_launches_from_the_lms_into_the_lesson_in_voila(
    browser: Any, env: LmsHub
) -> None:
    home = env.hub.folder / "homes" / "u-dora" / "algebra"
    home.mkdir(parents=True)
    write_notebook(home / f"{KEY.id}.ipynb", [LAUNCHER])
    custom = {"lessonkit_item": f"lesson:{KEY.id}", "lessonkit_view": "voila"}
    link = env.lms.add_link("course-101", "Warm-up in Voilà", custom, points=4)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{env.platform.base}/launch/{link}?user=u-dora")
        page.wait_for_selector(READY, timeout=240_000)  # her server spawns, Voilà renders
        assert f"/user/u-dora/voila/render/algebra/{KEY.id}.ipynb" in page.url
        assert axe_violations(page, ".lk-player") == []
        page.get_by_role("button", name="Continue", exact=True).click()
        page.locator(".lk-choice label", has_text="4").first.click()
        page.get_by_role("button", name="Check", exact=True).click()
        page.locator(".lk-feedback .lk-msg", has_text="Correct").wait_for(timeout=60_000)
        assert axe_violations(page, ".lk-player") == []
        page.get_by_role("button", name="Continue", exact=True).click()
        answer(page, "42")
        page.get_by_role("button", name="Continue", exact=True).click()
        prompt = page.locator(".lk-player", has_text="plus").inner_text()
        a, b = map(int, re.search(r"What is (\d+) plus (\d+)", prompt).groups())  # type: ignore[union-attr]
        answer(page, str(a + b))
        page.get_by_role("button", name="Continue", exact=True).click()
        lineitem = env.lms.links[link]["lineitem"]
        arrived = lambda: env.lms.scores_for(lineitem, "u-dora")  # noqa: E731
        scores = wait_for(page, "the score at the LMS", arrived)
        assert scores[-1]["scoreGiven"] == 4 and scores[-1]["activityProgress"] == "Completed"
    finally:
        context.close()


def test_an_instructor_picks_a_milestone_with_the_keyboard(browser: Any, env: LmsHub) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{env.platform.base}/deep_link/course-101?user=u-teacher")
        page.get_by_role("heading", name="Add lessonkit content").wait_for(timeout=120_000)
        assert axe_violations(page) == []
        milestones = page.get_by_role("group", name="Milestones")
        assert milestones.get_by_role("radio", name=re.compile(r"^Warm-up done \(4 points")).count()
        assert page.get_by_role("radio", name=re.compile(r"^Learning plan")).count() == 1
        page.keyboard.press("Tab")  # into the items: the first lesson
        focused = "() => [document.activeElement.name, document.activeElement.value]"
        assert page.evaluate(focused) == ["item", f"lesson:{KEY.id}"]
        for _ in range(5):  # arrows move through the items, choosing as they go
            if page.evaluate(focused)[1] == "milestone:warm-up":
                break
            page.keyboard.press("ArrowDown")
        assert page.evaluate(focused) == ["item", "milestone:warm-up"]
        page.keyboard.press("Tab")  # to "Opens in": JupyterLab is chosen
        assert page.evaluate(focused) == ["view", "lab"]
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"
        page.keyboard.press("Enter")  # the signed answer goes back to the LMS
        added = page.locator("#added")
        added.wait_for(timeout=60_000)
        link = added.inner_text().split("Added 1: ")[1].strip()
    finally:
        context.close()
    made = env.lms.links[link]
    assert made["custom"] == {"lessonkit_item": "milestone:warm-up", "lessonkit_view": "voila"}
    item = env.lms.lineitems[made["lineitem"]]
    assert item["label"] == "Warm-up done" and item["scoreMaximum"] == 4
    assert item["resourceId"] == "lessonkit:algebra:milestone:warm-up"
