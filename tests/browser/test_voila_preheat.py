"""Preheated lesson pages (``lessonkit serve --preheat N``): each page takes a kernel that ran
the lesson notebook before anyone asked, and its learner is bound when the request comes.

Real parts throughout: ``lessonkit serve`` with a pool of kernels, Debian chromium, browser
contexts with cookies of their own (two learners), the JSON-lines store on disk, and the
server's own log, which says which kernel served which page and when the pool is full again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.identity import ANONYMOUS_HOME_PAGE
from lessonkit.evidence.stores import load_session_events, open_store
from lessonkit.lesson.loader import load_lesson

from .harness import LOOPS, READY, VoilaServer, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

POOL = 2
FIRST = "Why loops?"
SECOND = "Where are you starting from?"
THIRD = "The for loop"
_READY = re.compile(r"preheated kernel (\S+) of \S+ is ready")
_USED = re.compile(r"Using pre-heated kernel: (\S+) for")
_DIED = re.compile(r"preheated kernel (\S+) of \S+ died while it waited")


class Pool:
    """A preheated server and what its log says about its kernels."""

    def __init__(self, server: VoilaServer, log: Path, store: Path) -> None:
        self.server, self.log, self.store = server, log, store

    def _lines(self, pattern: re.Pattern[str]) -> list[str]:
        return pattern.findall(self.log.read_text(errors="replace"))

    def waiting(self) -> list[str]:
        """Kernels that ran the notebook and wait for a page (per the log)."""
        gone = set(self._lines(_USED)) | set(self._lines(_DIED))
        return [kid for kid in self._lines(_READY) if kid not in gone]

    def used(self) -> list[str]:
        """Kernels that were handed a page, in order."""
        return self._lines(_USED)

    def wait_waiting(self, count: int = POOL, timeout: float = 180) -> list[str]:
        """Wait until at least ``count`` kernels wait for a page."""
        wait_until(lambda: len(self.waiting()) >= count, timeout, f"{count} preheated kernels")
        return self.waiting()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it holds, or fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    folder = tmp_path_factory.mktemp("preheat")
    store = folder / "store"
    env = {
        "LESSONKIT_STORE": store.as_uri(),
        "LESSONKIT_HOME": str(folder / "home"),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }
    log = folder / "voila.log"
    with VoilaServer(LOOPS, env=env, log=log, preheat=POOL) as server:
        served = Pool(server, log, store)
        served.wait_waiting(POOL)
        yield served


def open_lesson(context: Any, url: str) -> tuple[Any, str, str]:
    """A new page of the lesson in ``context``: the page, its kernel id and its step title."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    config = json.loads(page.locator("#jupyter-config-data").text_content() or "{}")
    title = page.locator(".lk-step-title").first.inner_text()
    return page, str(config["kernelId"]), title


def learner_of(context: Any) -> str:
    """The anonymous learner id in a browser context's cookie."""
    return str({c["name"]: c["value"] for c in context.cookies()}["lessonkit_learner"])


def test_each_page_binds_its_own_learner_at_request_time(browser: Any, pool: Pool) -> None:
    """Two learners take pages in turns, twenty in all, each from a kernel preheated before
    the request: each sees only their own resumed session, and no kernel serves twice."""
    ada, bob = browser.new_context(), browser.new_context()
    kernels, used_before = [], len(pool.used())
    try:
        for turn in range(10):
            for who, context in (("ada", ada), ("bob", bob)):
                pool.wait_waiting(1)  # every page takes a preheated kernel
                page, kernel, title = open_lesson(context, pool.server.url)
                kernels.append(kernel)
                if turn == 0:  # ada goes two steps on, bob one
                    assert title == FIRST, who
                    page.get_by_role("button", name="Continue", exact=True).click()
                    page.locator(".lk-step-title", has_text=SECOND).wait_for()
                    if who == "ada":
                        page.get_by_role("button", name="I have never written one").click()
                        page.locator(".lk-step-title", has_text=THIRD).wait_for()
                else:  # each resumes where they were, whoever came just before
                    assert title == (THIRD if who == "ada" else SECOND), (who, turn)
                page.close()  # the page shuts its kernel down as it goes
        ada_id, bob_id = learner_of(ada), learner_of(bob)
    finally:
        ada.close()
        bob.close()

    assert ada_id != bob_id
    assert len(set(kernels)) == len(kernels) == 20, "a kernel served two pages"
    assert pool.used()[used_before:] == kernels, "every page came from the preheated pool"
    lesson = load_lesson(LOOPS.with_name("loops.lesson.yaml"))
    with open_store(pool.store.as_uri()) as store:
        where = {}
        for learner in (ada_id, bob_id):
            ref = LearnerRef(id=learner, home_page=ANONYMOUS_HOME_PAGE)
            assert len(store.registrations(ref, lesson.id)) == 1, "one session each"
            events = load_session_events(store, ref, lesson.id)
            where[learner] = LessonSession.resume(lesson, events, learner=ref).current.step.id
    assert where == {ada_id: "for-intro", bob_id: "confidence"}


def test_a_forged_or_broken_identity_gets_a_fresh_session(browser: Any, pool: Pool) -> None:
    """The learner header is the server's: one sent by the browser is dropped, and a cookie
    that is not an id gets a new one — a fresh session, never the named learner's."""
    owner = browser.new_context()
    page, _, _ = open_lesson(owner, pool.server.url)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.locator(".lk-step-title", has_text=SECOND).wait_for()
    victim = learner_of(owner)
    owner.close()

    forged = browser.new_context(extra_http_headers={"X-Lessonkit-Learner": victim})
    broken = browser.new_context()
    broken.add_cookies(
        [{"name": "lessonkit_learner", "value": f"{victim}' x", "url": pool.server.url}]
    )
    try:
        for context in (forged, broken):
            pool.wait_waiting(1)
            _, _, title = open_lesson(context, pool.server.url)
            assert title == FIRST
            fresh = learner_of(context)
            assert fresh != victim
            assert str(uuid.UUID(fresh)) == fresh
    finally:
        forged.close()
        broken.close()


def test_the_page_draws_the_player_before_voilas_front_end(browser: Any, pool: Pool) -> None:
    """The template's script draws the player over the page's kernel socket: the lesson works
    with Voilà's front end blocked; with it, the page has one player and typeset math."""
    context = browser.new_context()
    try:
        pool.wait_waiting(1)
        page = context.new_page()
        page.route("**/voila/static/voila.js", lambda route: route.abort())
        page.goto(pool.server.url)
        page.wait_for_selector(READY, timeout=90_000)
        page.get_by_role("button", name="Continue", exact=True).click()
        page.locator(".lk-step-title", has_text=SECOND).wait_for()
        assert page.evaluate("() => typeof window.jupyterapp") == "undefined"
        page.close()

        pool.wait_waiting(1)
        page = context.new_page()
        page.goto(pool.server.url)
        page.wait_for_selector(READY, timeout=90_000)
        page.get_by_role("button", name="I have never written one").click()
        page.locator(".lk-step-title", has_text=THIRD).wait_for()
        page.locator(".lk-body mjx-container").first.wait_for(timeout=60_000)  # "$2, 4, 6, 8$"
        assert page.locator(".lk-player").count() == 1
        assert page.evaluate("() => typeof window.jupyterapp") == "object"
    finally:
        context.close()


def test_an_update_before_the_full_state_does_not_give_the_player_away(
    browser: Any, pool: Pool
) -> None:
    """A preheated kernel binds its learner as the request comes and the player sends what
    changed: under load that update can reach the page before the full state the page asked
    for. The page must wait for the full state and draw the player itself, not hand it to
    Voilà's front end (blocked here, so a player handed over is never drawn)."""
    context = browser.new_context()
    try:
        pool.wait_waiting(1)
        page = context.new_page()
        page.route("**/voila/static/voila.js", lambda route: route.abort())

        def relay(ws: Any) -> None:
            server = ws.connect_to_server()
            server.on_message(ws.send)

            def to_server(text: Any) -> None:
                msg = json.loads(text) if isinstance(text, str) else {}
                data = (msg.get("content") or {}).get("data") or {}
                if data.get("method") == "request_state":  # the kernel's partial update first
                    update = {"method": "update", "state": {"view": {}}, "buffer_paths": []}
                    ws.send(json.dumps({
                        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "comm_msg",
                                   "session": "kernel", "username": "", "version": "5.3",
                                   "date": "2026-01-01T00:00:00Z"},
                        "parent_header": {}, "metadata": {}, "channel": "iopub",
                        "content": {"comm_id": msg["content"]["comm_id"], "data": update},
                    }))  # fmt: skip
                server.send(text)

            ws.on_message(to_server)

        page.route_web_socket(re.compile(r".*/channels\?session_id=lk-.*"), relay)
        page.goto(pool.server.url)
        page.wait_for_selector(READY, timeout=30_000)
        assert page.locator(".lk-step-title").first.inner_text() == FIRST
        assert page.evaluate("() => typeof window.jupyterapp") == "undefined"
    finally:
        context.close()


def test_other_outputs_are_still_drawn_by_voila(tmp_path: Path, browser: Any) -> None:
    """A notebook with a plain widget and printed text beside its lesson: the page draws the
    player, Voilà's front end the rest."""
    lesson = LOOPS.with_name("loops.lesson.yaml")
    write_notebook(
        tmp_path / "mixed.ipynb",
        [
            "import ipywidgets\nipywidgets.IntSlider(description='Volume', value=3)",
            "print('printed beside the lesson')",
            f"import lessonkit\nlessonkit.show({str(lesson)!r})",
        ],
    )
    env = {
        "LESSONKIT_STORE": (tmp_path / "store").as_uri(),
        "LESSONKIT_HOME": str(tmp_path / "home"),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }
    log = tmp_path / "voila.log"
    with VoilaServer(tmp_path / "mixed.ipynb", env=env, log=log, preheat=1) as server:
        Pool(server, log, tmp_path / "store").wait_waiting(1)
        context = browser.new_context()
        try:
            page, _, title = open_lesson(context, server.url)
            assert title == FIRST
            page.get_by_role("slider").first.wait_for(timeout=60_000)
            page.get_by_text("printed beside the lesson").wait_for()
            assert page.locator(".lk-player").count() == 1
        finally:
            context.close()


def _pids(kernel_ids: list[str]) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if "ipykernel_launcher" in line and any(f"kernel-{kid}.json" in line for kid in kernel_ids):
            found.append(proc)
    return found


def test_the_pool_refills_and_replaces_a_kernel_that_died(browser: Any, pool: Pool) -> None:
    """A page taken from the pool is replaced in the background; a pooled kernel that dies
    while it waits (the kernel restarter would bring it back without the lesson) is replaced
    by one that ran the notebook, and pages keep working."""
    waiting = pool.wait_waiting(POOL)
    processes = _pids(waiting)
    assert len(processes) == POOL, (waiting, processes)
    for process in processes:
        process.kill()
    wait_until(
        lambda: set(waiting) <= set(pool._lines(_DIED)), 60, "the dead kernels to be noticed"
    )
    fresh = pool.wait_waiting(POOL)
    assert not set(fresh) & set(waiting)

    context = browser.new_context()
    try:
        for _ in range(POOL):
            page, kernel, title = open_lesson(context, pool.server.url)
            assert kernel in fresh and title == FIRST
            page.close()
        pool.wait_waiting(POOL)  # refilled after use
    finally:
        context.close()


def test_sigterm_leaves_no_kernel_behind(tmp_path: Path, browser: Any) -> None:
    """Stopping ``lessonkit serve --preheat`` ends Voilà, the pooled kernels and the kernels
    of open pages alike."""
    env = {
        "LESSONKIT_STORE": (tmp_path / "store").as_uri(),
        "LESSONKIT_HOME": str(tmp_path / "home"),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }
    log = tmp_path / "voila.log"
    with VoilaServer(LOOPS, env=env, log=log, preheat=POOL) as server:
        served = Pool(server, log, tmp_path / "store")
        served.wait_waiting(POOL)
        context = browser.new_context()
        open_lesson(context, server.url)  # one kernel serving a page, one still pooled...
        served.wait_waiting(POOL)  # ... and one started to refill the pool
        assert server.proc is not None
        family = psutil.Process(server.proc.pid).children(recursive=True)
        assert len([p for p in family if "ipykernel_launcher" in " ".join(p.cmdline())]) > POOL
        os.kill(server.proc.pid, signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
        context.close()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.pid for p in alive]
    assert "lessonkit: stopped" in log.read_text(errors="replace")
