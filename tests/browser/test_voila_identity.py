"""Learner identity in Voilà without a configured learner: the anonymous cookie, and the
page following the browser's dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores import open_store

from .harness import LOOPS, READY, VoilaServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def anonymous_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[VoilaServer, Path]]:
    store = tmp_path_factory.mktemp("anon-store")
    env = {
        "LESSONKIT_STORE": store.as_uri(),
        "LESSONKIT_HOME": str(tmp_path_factory.mktemp("anon-home")),
    }
    env_clear = {k: "" for k in ("LESSONKIT_LEARNER", "JUPYTERHUB_USER")}
    with VoilaServer(LOOPS, env={**env_clear, **env}) as server:
        yield server, store


def test_each_browser_gets_its_own_persistent_learner(
    browser: Any, anonymous_server: tuple[VoilaServer, Path]
) -> None:
    server, store_dir = anonymous_server
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector(READY, timeout=90_000)
    cookies = {c["name"]: c for c in context.cookies()}
    learner = cookies["lessonkit_learner"]["value"]
    assert cookies["lessonkit_learner"]["httpOnly"]
    # No ?theme=: the page follows the browser's dark preference.
    assert "lk-auto" in page.evaluate("() => document.body.className")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert sum(int(x) for x in background[4:-1].split(",")[:3]) < 200, background

    page.get_by_role("button", name="Continue", exact=True).click()
    page.locator(".lk-step-title", has_text="Where are you starting from?").wait_for()
    page.reload()
    page.wait_for_selector(READY, timeout=90_000)
    page.locator(".lk-step-title", has_text="Where are you starting from?").wait_for()
    context.close()

    other = browser.new_context()
    page = other.new_page()
    page.goto(server.url)
    page.wait_for_selector(READY, timeout=90_000)
    assert {c["name"]: c["value"] for c in other.cookies()}["lessonkit_learner"] != learner
    page.locator(".lk-step-title", has_text="Why loops?").wait_for()
    other.close()

    with open_store(store_dir.as_uri()) as store:
        statements = list(store.read(learner=learner))
    assert statements
    assert {s["actor"]["account"]["homePage"] for s in statements} == {"urn:lessonkit:anonymous"}
