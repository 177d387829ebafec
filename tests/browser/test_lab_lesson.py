"""The loops lesson in JupyterLab 4 (default settings), played to its end with axe-core on the
player at every stage: the same player as in Voilà, code exercises checked in the kernel."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from .harness import LOOPS, LabServer, run_in_lab, write_notebook
from .play import VIEWS, Learner, assert_clean, loops_practice, practise

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

SOLUTIONS = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n        result += n\n"
    "    return result\n\n\ndef count_vowels(text):\n"
    "    return sum(ch in 'aeiou' for ch in text.lower())\n"
)


def _notebook(folder: Path) -> None:
    shutil.copy(LOOPS.with_name("loops.lesson.yaml"), folder / "loops.lesson.yaml")
    launcher = 'import lessonkit\nlessonkit.show("loops.lesson.yaml")'
    write_notebook(folder / "loops.ipynb", [SOLUTIONS, launcher])


def test_loops_in_jupyterlab_to_the_end(browser: Any, tmp_path: Path) -> None:
    _notebook(tmp_path)
    env = {
        "LESSONKIT_STORE": (tmp_path / "store").as_uri(),
        "LESSONKIT_HOME": str(tmp_path / "home"),
        "LESSONKIT_LEARNER": "lab-learner",
    }
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    with LabServer(tmp_path, env=env, log=tmp_path / "lab.log") as server:
        run_in_lab(page, server.lab_url("loops.ipynb"), cells=2)
        me = Learner(page, scope=".lk-player", views=[VIEWS[0], VIEWS[2]])
        me.stage("welcome")
        me.go("Continue", "Where are you starting from?")
        me.go("I have never written one", "The for loop")
        me.go("Continue", "Counting iterations")
        me.type("5", "Not quite.", "wrong answer")
        # Announced in JupyterLab too: a live region, and focus kept in the field to retry.
        assert page.locator(".lk-player .lk-feedback[aria-live='polite']").count() == 1
        assert page.evaluate("() => document.activeElement.classList.contains('lk-field')")
        me.type("4", "Correct!", "right answer")
        assert page.evaluate("() => !!document.activeElement.closest('.lk-feedback')")
        me.go("Continue", "Adding things up")
        me.go("Continue", "Your turn", "code exercise in the notebook")
        assert "in a code cell of this notebook" in page.locator(".lk-answer").inner_text()
        me.click("Check")
        text = me.feedback("Correct!", "code exercise: right")
        assert text.count("Correct!") == 1
        me.go("Continue", "Challenge")
        me.click("Check")
        me.feedback("Correct!", "")
        me.go("Continue", "The while loop")
        me.go("Continue", "Leaving early")
        me.type("break", "Correct!")
        me.click("Continue")
        page.locator(".lk-status", has_text="Practice question 1").wait_for()
        practise(me, loops_practice)
        me.stage("summary")
        assert "Your results" in page.locator(".lk-summary").inner_text()

        # The launcher cell run again resumes the same session: the same kernel, no "being
        # written by another process" error, the summary again rather than step 1.
        page.evaluate("() => { document.querySelector('.lk-player').dataset.old = 'yes'; }")
        page.locator(".jp-Notebook .jp-Cell .cm-content").nth(1).click()
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            "() => document.querySelectorAll('.lk-player').length === 1"
            " && !document.querySelector('.lk-player[data-old]')"
            " && document.querySelector('.lk-player .lk-summary')"
            " && !document.querySelector('.lk-player .lk-notice')",
        )
        assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert "Lesson complete" in page.locator(".lk-player .lk-position").inner_text()
    context.close()
    assert_clean(me)
