"""A page whose rendering never finishes (a kernel that never answers) gives the learner an
error page with a working retry within a bounded time, not a spinner for ever.

The stall is real: the notebook's first cell never finishes while a flag file exists (the
cell deletes it first, so the next render goes through), in a real ``lessonkit serve``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from .harness import LOOPS, READY, VoilaServer, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LIMIT = 20
"""Seconds the page may take before it offers a retry (``LESSONKIT_RENDER_TIMEOUT``)."""


def _notebook(folder: Path, flag: Path) -> Path:
    stall = (
        "import pathlib, time\n"
        f"_flag = pathlib.Path({str(flag)!r})\n"
        "if _flag.exists():  # this render never finishes; the next one goes through\n"
        "    _flag.unlink()\n"
        "    while True:\n"
        "        time.sleep(0.2)\n"
    )
    show = f"import lessonkit\nlessonkit.show({str(LOOPS.with_suffix('.lesson.yaml'))!r})"
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
         "outputs": [], "source": source}
        for i, source in enumerate((stall, show))
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "stalls.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stalling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VoilaServer, Path]]:
    folder = tmp_path_factory.mktemp("stall")
    flag = folder / "stall-next-render"
    env = {
        "LESSONKIT_STORE": (folder / "store").as_uri(),
        "LESSONKIT_HOME": str(folder / "home"),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
        "LESSONKIT_RENDER_TIMEOUT": str(LIMIT),
    }
    with VoilaServer(_notebook(folder, flag), env=env, log=folder / "voila.log") as server:
        yield server, flag


def _kernels(server: VoilaServer) -> list[psutil.Process]:
    assert server.proc is not None
    found = []
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if any("ipykernel_launcher" in part for part in proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


def test_a_stalled_first_render_shows_an_error_with_a_working_retry(
    browser: Any, stalling: tuple[VoilaServer, Path]
) -> None:
    server, flag = stalling
    flag.write_text("stall")
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    start = time.monotonic()
    page.goto(server.url, wait_until="commit")  # the document never finishes loading
    alert = page.locator(".lk-stalled[role='alert']")
    alert.wait_for(timeout=(LIMIT + 30) * 1000)
    took = time.monotonic() - start
    assert took < LIMIT + 30, f"the error page took {took:.1f} s"
    assert not flag.exists(), "the render did stall in the notebook's first cell"
    heading = page.get_by_role("heading", name="The lesson did not finish loading")
    assert heading.count() == 1
    assert "Nothing you have done is lost" in alert.inner_text()
    retry = page.get_by_role("button", name="Try again")
    assert page.evaluate("() => document.activeElement.classList.contains('lk-retry')")
    assert page.locator("#loading").count() == 0  # no spinner left turning
    assert axe_violations(page) == []
    # The stalled page's kernel was shut down (it could hold the learner's session).
    deadline = time.monotonic() + 30
    while _kernels(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _kernels(server) == []

    retry.focus()
    page.keyboard.press("Enter")  # the keyboard reaches it, as any learner's would
    page.wait_for_selector(READY, timeout=90_000)  # the lesson itself, this time
    assert page.locator(".lk-stalled").count() == 0
    assert page.locator(".lk-step-title").inner_text() != ""
    page.context.close()


def test_a_client_that_is_not_a_browser_is_not_held_for_ever(
    stalling: tuple[VoilaServer, Path],
) -> None:
    """Voilà itself gives up on a cell a while after the page's limit (here 30 s): the
    response ends, and the page it sent says it failed (a browser would show the retry)."""
    server, flag = stalling
    flag.write_text("stall")
    start = time.monotonic()
    body = bytearray()
    with urllib.request.urlopen(server.url, timeout=LIMIT + 90) as response:
        while chunk := response.read1(65536):
            body += chunk
            assert time.monotonic() - start < LIMIT + 90, "the response never ended"
    assert not flag.exists()
    text = body.decode("utf-8")
    assert "window.lk_render_failed();" in text
    assert time.monotonic() - start >= LIMIT + 10 - 1  # Voilà waited its own limit
