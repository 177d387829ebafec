"""Every example lesson played along every branch in Debian chromium, in a real Voilà page
(``lessonkit serve``) and in a real JupyterLab: the scripts of :func:`branches.plan` (which
together take every edge of the lesson's graph a learner can take there), each a fresh learner,
expecting exactly the steps the engine predicted and the end of the lesson, with axe-core
(WCAG 2.1 AA, light desktop view) on every stage and every feedback state.

To stay within the CI budget axe checks each (step, feedback state) once per lesson: later
scripts meeting the same one again skip it, and JupyterLab (where axe checks the player, the
same one Voilà shows) checks only the states the Voilà scripts did not meet (every state when
run on its own). The dark, high-contrast and phone views are checked by
``test_voila_lesson.py``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .examples import EXAMPLES, LESSONS, planned
from .harness import (
    READY,
    LabServer,
    VoilaServer,
    open_in_lab,
    run_all_from_the_menu,
    write_notebook,
)
from .play import Learner, assert_clean
from .walk import Walker

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

CHECKED: dict[str, set[str]] = {name: set() for name in EXAMPLES}
"""The stages axe has checked, per lesson (shared by the two front ends)."""


def _env(folder: Path) -> dict[str, str]:
    return {
        "LESSONKIT_STORE": (folder / "store").as_uri(),
        "LESSONKIT_HOME": str(folder / "home"),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }


def _failed(name: str, played: Any, exc: Exception) -> AssertionError:
    return AssertionError(f"{name}: script {[str(m) for m in played.script]} failed: {exc}")


@pytest.fixture(scope="module")
def browser_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.TempPathFactory]:
    yield tmp_path_factory


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_branch_in_voila(
    browser: Any, browser_tmp: pytest.TempPathFactory, name: str
) -> None:
    lesson, how, scripts = planned(name, "voila")
    folder = browser_tmp.mktemp(f"voila-{name}")
    problems: list[str] = []
    with VoilaServer(EXAMPLES[name].notebook, env=_env(folder), log=folder / "voila.log") as s:
        for played in scripts:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(s.url)
            page.wait_for_selector(READY, timeout=90_000)
            walker = Walker(page, lesson, how, CHECKED[name])
            try:
                walker.play(played)
            except Exception as exc:
                raise _failed(name, played, exc) from exc
            problems += walker.me.problems
            context.close()
    _assert_clean(problems)


# --------------------------------------------------------------------------- JupyterLab


@pytest.fixture(scope="module")
def lab(browser_tmp: pytest.TempPathFactory) -> Iterator[tuple[LabServer, Path]]:
    """One JupyterLab for every lesson, on a copy of the lessons folder."""
    folder = browser_tmp.mktemp("lab")
    shutil.copytree(LESSONS, folder / "lessons")
    env = _env(folder)
    with LabServer(folder, env=env, log=folder / "lab.log") as server:
        yield server, folder


def _notebook(name: str, folder: Path, learners: list[str], kernel: list[str]) -> str:
    """A notebook next to the example's: the learner's code (a right and a wrong cell per
    question checked in the kernel), then the example's launcher, one learner per run."""
    example = EXAMPLES[name].notebook
    original = json.loads(example.read_text(encoding="utf-8"))
    launcher = "".join("".join(c["source"]) for c in original["cells"] if c["cell_type"] == "code")
    assert "lessonkit.show(" in launcher, launcher
    setup = (
        f"import lessonkit\n_learners = iter({learners!r})\n\n\n"
        "def _show(*args, **kwargs):\n"
        "    return lessonkit.show(*args, learner=next(_learners), **kwargs)\n"
    )
    sources = [setup, *kernel, launcher.replace("lessonkit.show(", "_show(")]
    where = example.relative_to(LESSONS).with_name(f"branches-{name}.ipynb")
    write_notebook(folder / "lessons" / where, sources)
    return f"lessons/{where.as_posix()}"


def _open(page: Any, url: str) -> None:
    """Open a notebook in JupyterLab and run all its cells (from the Run menu)."""
    open_in_lab(page, url)
    run_all_from_the_menu(page)
    page.wait_for_selector(READY, timeout=120_000)


def _run_cell(page: Any, index: int) -> None:
    """Run the notebook's cell ``index`` (Ctrl+Enter) and wait until it has run."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    before = cell.locator(".jp-InputPrompt").inner_text()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        """([index, before]) => {
            const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
            const now = cell.querySelector('.jp-InputPrompt').textContent;
            return now !== before && !now.includes('*');
        }""",
        arg=[index, before],
        timeout=60_000,
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_branch_in_lab(browser: Any, lab: tuple[LabServer, Path], name: str) -> None:
    server, folder = lab
    lesson, how, scripts = planned(name, "lab")
    ids = sorted(how.kernel)
    kernel = [how.kernel[q][right] for q in ids for right in (0, 1)]
    learners = [f"{name}-{i}" for i in range(len(scripts))]
    path = _notebook(name, folder, learners, kernel)
    launcher = 1 + len(kernel)

    def run_code(question: str, right: bool) -> None:
        _run_cell(page, 1 + 2 * ids.index(question) + (0 if right else 1))

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    _open(page, server.lab_url(path))
    for index, played in enumerate(scripts):
        if index:  # the launcher run again: the next learner's player replaces the last one
            page.evaluate("() => { document.querySelector('.lk-player').dataset.old = 'yes'; }")
            _run_cell(page, launcher)
            page.wait_for_function(
                "() => document.querySelectorAll('.lk-player .lk-header').length === 1"
                " && !document.querySelector('.lk-player[data-old]')"
            )
        walker = Walker(page, lesson, how, CHECKED[name], scope=".lk-player", run_code=run_code)
        try:
            walker.play(played)
        except Exception as exc:
            raise _failed(name, played, exc) from exc
        problems += walker.me.problems
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    context.close()
    _assert_clean(problems)


def _assert_clean(problems: list[str]) -> None:
    me = Learner(None)
    me.problems = problems
    assert_clean(me)
