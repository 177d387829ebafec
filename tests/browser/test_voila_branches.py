"""Every example lesson played in a real Voilà page along every branch: the scripts of
:func:`branches.plan` (which together take every edge of the lesson's graph) played by a
learner in Debian chromium, each script a fresh learner, expecting exactly the steps the
engine predicted and the end of the lesson, with axe-core (WCAG 2.1 AA, light desktop view)
on every stage and every feedback state.

To stay within the CI budget axe checks each (step, feedback state) once per lesson: later
scripts meeting the same one again skip it. The dark, high-contrast and phone views are
checked by ``test_voila_lesson.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lessonkit.lesson import specs
from lessonkit.lesson.model import Choice, Lesson, Practice, Question

from .branches import plan
from .examples import EXAMPLES, fronts
from .harness import READY, VoilaServer
from .play import Learner, assert_clean
from .scripts import Front, Move, Played, Shown, response, solve_item

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


class Walker:
    """Plays a script on a page, checking each screen against the prediction."""

    def __init__(self, page: Any, lesson: Lesson, front: Front, checked: set[str]) -> None:
        self.page = page
        self.front = front
        self.lesson = lesson
        self.me = Learner(page)
        self.checked = checked

    def stage(self, name: str) -> None:
        if name not in self.checked:
            self.checked.add(name)
            self.me.stage(name)

    def expect(self, shown: Shown) -> None:
        page = self.page
        where = "Lesson complete" if shown.position == 0 else f"Step {shown.position} of"
        page.locator(".lk-position", has_text=where).wait_for(timeout=60_000)
        if shown.title:
            page.locator(".lk-step-title", has_text=shown.title).wait_for()
        self.stage(f"{shown.step}")

    def play(self, played: Played) -> None:
        for screen, move in zip(played.shown, played.script, strict=False):
            self.expect(screen)
            self.move(move)
        self.expect(played.shown[-1])

    def move(self, move: Move) -> None:
        page, me = self.page, self.me
        step = self.lesson.step(move.step)
        if move.do == "restart":
            me.click("Restart lesson…")
            page.get_by_text("Start the lesson again from the beginning?").wait_for()
            self.stage("restart: confirm")
            me.click("Start again")
        elif move.do == "continue":
            me.click("Continue")
        elif move.do == "skip":
            self.stage(f"{step.id}: not checked here")
            me.click("Skip — not checked here")
        elif move.do == "choose":
            assert isinstance(step, Choice)
            label = next(o.label or o.value for o in step.options if o.value == move.option)
            me.click(label)
        elif move.do == "practice":
            assert isinstance(step, Practice)
            self.practise(step)
        else:
            assert isinstance(step, Question)
            self.answer(step, move)

    def answer(self, question: Question, move: Move) -> None:
        page, me = self.page, self.me
        for index in range(move.hints):
            me.click(f"Hint {index + 1} of {len(question.hints)}")
            page.locator(".lk-hints li").nth(index).wait_for()
            self.stage(f"{question.id}: hint")
        for index in range(move.wrong):
            self.give(question, False)
            left = question.max_attempts is not None and index + 1 == question.max_attempts
            self.stage(f"{question.id}: {'out of attempts' if left else 'wrong'}")
        if move.right:
            self.give(question, True)
            self.stage(f"{question.id}: right")
            me.click("Continue")
        elif question.max_attempts is not None and move.wrong >= question.max_attempts:
            me.click("Continue")
        else:
            me.click("Move on")

    def give(self, question: Question, right: bool) -> None:
        """Answer in the page as the question's input asks."""
        me = self.me
        expect = "Correct!" if right else "Not quite."
        value = response(question, right, self.front)
        spec = question.check
        if isinstance(spec, specs.Choice):
            values = value if isinstance(value, list) else [value]
            labels = [_label(spec, v) for v in values]
            ticked = self.page.locator(".lk-choice input[type=checkbox]:checked")
            for _ in range(ticked.count()):  # untick an earlier answer's boxes
                ticked.first.uncheck()
            me.pick(labels, expect, "")
        elif isinstance(spec, specs.Ordering):
            self.order(list(value))
            me.click("Check")
            me.feedback(expect, "")
        else:
            me.type(str(value), expect, "")

    def order(self, want: list[str]) -> None:
        items = self.page.locator(".lk-order .lk-item")
        for target, line in enumerate(want):
            for _ in range(len(want)):
                texts = [t.split(". ", 1)[1] for t in items.all_inner_texts()]
                at = texts.index(line)
                if at == target:
                    break
                if at > target:
                    self.page.get_by_role("button", name=f"Move up: {line}").press("Enter")
                else:
                    self.page.get_by_role("button", name=f"Move down: {line}").press("Enter")

    def practise(self, pool: Practice) -> None:
        page = self.page
        for index in range(pool.max_items):
            text = str(page.locator(".lk-body").inner_text())
            self.me.type(solve_item(pool, text), "Correct!", "")
            if index == 0:
                self.stage(f"{pool.id}: right")
            before = page.locator(".lk-status").inner_text()
            self.me.click("Continue")
            page.wait_for_function(
                "([before]) => !document.querySelector('.lk-feedback .lk-msg') &&"
                " (!document.querySelector('.lk-status') ||"
                " document.querySelector('.lk-status').textContent !== before)",
                arg=[before],
            )
            if not page.locator(".lk-status", has_text="Practice question").count():
                return
        raise AssertionError(f"the practice pool {pool.id!r} did not end")


def _label(spec: specs.Choice, value: str) -> str:
    option = next(o for o in spec.options if o.value == value)
    text = option.text or option.value
    return text.replace("`", "").replace("*", "").replace("$", "").strip()


@pytest.fixture(scope="module")
def tmp_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.TempPathFactory]:
    yield tmp_path_factory


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_branch_in_voila(browser: Any, tmp_env: pytest.TempPathFactory, name: str) -> None:
    example = EXAMPLES[name]
    lesson = example.lesson()
    how = fronts(example)["voila"]
    scripts = plan(lesson, how)
    env = {
        "LESSONKIT_STORE": tmp_env.mktemp("store").as_uri(),
        "LESSONKIT_HOME": str(tmp_env.mktemp("home")),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }
    checked: set[str] = set()
    problems: list[str] = []
    log = tmp_env.mktemp("logs") / "voila.log"
    with VoilaServer(example.notebook, env=env, log=log) as server:
        for played in scripts:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(server.url)
            page.wait_for_selector(READY, timeout=90_000)
            walker = Walker(page, lesson, how, checked)
            try:
                walker.play(played)
            except Exception as exc:
                raise AssertionError(
                    f"{name}: script {[str(m) for m in played.script]} failed: {exc}"
                ) from exc
            problems += walker.me.problems
            context.close()
    me = Learner(None)  # type: ignore[arg-type]
    me.problems = problems
    assert_clean(me)
