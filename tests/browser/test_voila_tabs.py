"""One learner in two tabs, and a reload: the same session, never forked, nothing lost.

The server names one learner for every visitor (``LESSONKIT_LEARNER``), as a per-user server
under JupyterHub does; each page load is a new kernel.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from lessonkit.evidence.stores import open_store

from .harness import LOOPS, READY, VoilaServer
from .play import Learner, assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LEARNER = "two-tabs"


def _server(factory: pytest.TempPathFactory, learner: str) -> Iterator[VoilaServer]:
    store = factory.mktemp("store")
    env = {
        "LESSONKIT_STORE": store.as_uri(),
        "LESSONKIT_LEARNER": learner,
        "LESSONKIT_HOME": str(factory.mktemp("home")),
    }
    with VoilaServer(LOOPS, env=env, log=factory.mktemp("logs") / "v.log") as running:
        running.store = store  # type: ignore[attr-defined]
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    yield from _server(tmp_path_factory, LEARNER)


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """A learner with no evidence yet (a restart would keep the attempts already used)."""
    yield from _server(tmp_path_factory, "reloading")


_FEEDBACK_REGION = """() => {
  const region = document.querySelector('.lk-feedback');
  const nodes = [region, ...region.querySelectorAll('*')];
  const read = (n) => [n.tagName, n.className, ...Array.from(n.attributes)
    .filter((a) => a.name === 'role' || a.name.startsWith('aria-') || a.name === 'data-kind')
    .map((a) => `${a.name}=${a.value}`)].join(' ');
  return { text: region.innerText, nodes: nodes.map(read) };
}"""
"""The feedback region's visible text and, node by node, what a screen reader is told."""


def _page(browser: Any, url: str) -> tuple[Any, float]:
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    start = time.monotonic()
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    return page, time.monotonic() - start


def test_a_second_tab_continues_the_session_and_the_first_can_take_it_back(
    browser: Any, server: VoilaServer
) -> None:
    first, _ = _page(browser, server.url)
    me = Learner(first)
    me.go("Continue", "Where are you starting from?")
    me.go("I have seen them before", "The for loop")
    me.go("Continue", "Counting iterations")
    me.type("5", "Not quite.")

    second, took = _page(browser, server.url)
    # The same step, with the last feedback, at the speed of a first page load (no lock wait).
    second.locator(".lk-step-title", has_text="Counting iterations").wait_for()
    second.locator(".lk-feedback", has_text="Not quite.").wait_for()
    assert took < 20, f"the second tab took {took:.1f} s"
    other = Learner(second)
    # The first tab says where the lesson went, within a second or so (a light poll).
    first.locator(".lk-notice", has_text="continued in another tab").wait_for(timeout=5_000)
    me.stage("first tab: continued elsewhere")
    assert first.locator(".lk-answer .lk-check:not([hidden])").count() == 0
    other.type("4", "Correct!")

    # Taking it back: the first tab resumes from the store, with the other tab's answer.
    first.get_by_role("button", name="Continue here").click()
    first.locator(".lk-feedback", has_text="Correct!").wait_for()
    second.locator(".lk-notice", has_text="continued in another tab").wait_for(timeout=5_000)
    me.go("Continue", "Adding things up")
    assert_clean(me)
    with open_store(server.store.as_uri()) as store:  # type: ignore[attr-defined]
        registrations = store.registrations(LEARNER, "python-loops")
        statements = list(store.read(learner=LEARNER, lesson="python-loops"))
    assert len(registrations) == 1  # never forked
    responses = [s["result"].get("response") for s in statements if "result" in s]
    assert [r for r in responses if r in ("5", "4")] == ["5", "4"]  # nothing lost
    first.context.close()
    second.context.close()


def test_a_reload_restores_the_feedback_and_the_draft_answer(
    browser: Any, fresh_server: VoilaServer
) -> None:
    page, _ = _page(browser, fresh_server.url)
    me = Learner(page)
    me.go("Continue", "Where are you starting from?")
    me.go("I have never written one", "The for loop")
    me.go("Continue", "Counting iterations")
    me.type("8", "Not quite.")
    live = page.evaluate(_FEEDBACK_REGION)
    assert "You answered: 8" in live["text"]
    page.locator(".lk-answer .lk-field").fill("4")  # typed, not sent
    page.reload()
    page.wait_for_selector(READY, timeout=90_000)
    page.locator(".lk-step-title", has_text="Counting iterations").wait_for()
    page.locator(".lk-feedback", has_text="Not quite.").wait_for()
    assert "10 − 2" in page.locator(".lk-feedback").inner_text()
    # The feedback comes back as it was shown: its text ("You answered: 8" included) and
    # what assistive technology reads of it (roles, live-region and ARIA attributes).
    assert page.evaluate(_FEEDBACK_REGION) == live
    assert page.locator(".lk-answer .lk-field").input_value() == "4"
    me.stage("after a reload")
    me.type("4", "Correct!")
    assert_clean(me)
    page.context.close()
