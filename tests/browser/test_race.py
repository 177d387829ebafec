"""The answer a learner sees is the answer that is checked, whatever the server's timing.

Each trial types an answer and submits it at once while the web server is stopped (SIGSTOP)
for 0.4 s, so the browser's messages queue up and arrive together; then the learner corrects
the answer and submits again the same way. In JupyterLab (default settings: widget messages
over kernel subshells) and in Voilà, 20 trials each: the evidence must hold exactly the
answers typed, in order — no empty and no stale grading.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lessonkit.evidence.stores import open_store

from .harness import READY, LabServer, VoilaServer, run_in_lab, server_pid

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TRIALS = 20
LEARNER = "race"
PAUSE = 0.4


def _lesson(folder: Path) -> None:
    steps = []
    for i in range(TRIALS):
        nxt = f"q{i + 1}" if i + 1 < TRIALS else "done"
        steps.append(
            f"  - id: q{i}\n    kind: question\n    title: Sum {i}\n"
            f"    prompt: What is {i} + 1?\n    check: {{type: numeric, answer: {i + 1}}}\n"
            f"    next: {nxt}\n"
        )
    steps.append("  - id: done\n    kind: end\n    title: Done\n")
    (folder / "race.lesson.yaml").write_text(
        "lessonkit: 1\nid: race\ntitle: Race\nsteps:\n" + "".join(steps), encoding="utf-8"
    )
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "launch",
                "metadata": {},
                "outputs": [],
                "source": 'import lessonkit\nlessonkit.show("race.lesson.yaml")',
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / "race.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("race")
    _lesson(path)
    return path


def _env(folder: Path, name: str) -> dict[str, str]:
    return {
        "LESSONKIT_STORE": (folder / f"store-{name}").as_uri(),
        "LESSONKIT_HOME": str(folder / f"home-{name}"),
        "LESSONKIT_LEARNER": LEARNER,
    }


def _submit_paused(page: Any, pid: int, text: str) -> None:
    """Type ``text`` and press Check at once, with the server stopped around the click."""
    page.locator(".lk-answer .lk-field").fill(text)
    os.kill(pid, signal.SIGSTOP)
    try:
        page.locator(".lk-answer .lk-check").click()
        time.sleep(PAUSE)
    finally:
        os.kill(pid, signal.SIGCONT)


def _trials(page: Any, pid: int) -> None:
    for i in range(TRIALS):
        page.locator(".lk-step-title", has_text=f"Sum {i}").wait_for()
        _submit_paused(page, pid, str(i + 7))  # wrong first
        _wait_feedback(page, "Not quite.", i)
        _submit_paused(page, pid, str(i + 1))  # corrected
        _wait_feedback(page, "Correct!", i)
        page.get_by_role("button", name="Continue", exact=True).click()
    page.locator(".lk-step-title", has_text="Done").wait_for()


def _wait_feedback(page: Any, text: str, trial: int) -> None:
    """Wait for the feedback ``text``; if it never comes, say what the page showed instead."""
    try:
        page.locator(".lk-feedback", has_text=text).wait_for()
    except PlaywrightTimeout:
        shown = page.evaluate(
            """() => ({
                field: document.querySelector('.lk-answer .lk-field')?.value,
                readOnly: document.querySelector('.lk-answer .lk-field')?.readOnly,
                check: document.querySelector('.lk-answer .lk-check')?.disabled,
                busy: document.querySelector('.lk-answer form')?.getAttribute('aria-busy'),
                feedback: document.querySelector('.lk-feedback')?.innerText,
                title: document.querySelector('.lk-step-title')?.innerText,
            })"""
        )
        message = f"trial {trial}: no {text!r} within the timeout; the page: {shown}"
        raise AssertionError(message) from None


def _graded(store_dir: Path) -> list[tuple[str, str]]:
    with open_store(store_dir.as_uri()) as store:
        return [
            (s["object"]["id"].rsplit("/", 1)[-1], s["result"]["response"])
            for s in store.read(learner=LEARNER, lesson="race")
            if s["verb"]["id"].endswith("/answered")
        ]


def _expected() -> list[tuple[str, str]]:
    pairs = []
    for i in range(TRIALS):
        pairs += [(f"q{i}", str(i + 7)), (f"q{i}", str(i + 1))]
    return pairs


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def test_voila_grades_what_was_typed_with_the_server_stalled(page: Any, folder: Path) -> None:
    with VoilaServer(folder / "race.ipynb", env=_env(folder, "voila")) as server:
        page.goto(server.url)
        page.wait_for_selector(READY, timeout=90_000)
        assert server.proc is not None
        _trials(page, server_pid(server.proc))
    graded = _graded(folder / "store-voila")
    assert [g for g in graded if g not in _expected()] == []  # nothing wrong or empty
    assert graded == _expected()


def test_jupyterlab_grades_what_was_typed_with_the_server_stalled(page: Any, folder: Path) -> None:
    with LabServer(folder, env=_env(folder, "lab")) as server:
        run_in_lab(page, server.lab_url("race.ipynb"), cells=1)
        assert server.proc is not None
        _trials(page, server.proc.pid)
    graded = _graded(folder / "store-lab")
    assert [g for g in graded if g not in _expected()] == []
    assert graded == _expected()
