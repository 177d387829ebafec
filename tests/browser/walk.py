"""A learner script played in the browser (Voilà or JupyterLab: the same player), each
screen checked against the engine's prediction, axe-core on each stage the first time a lesson
meets it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lessonkit.lesson import specs
from lessonkit.lesson.model import Choice, Lesson, Practice, Question

from .play import Learner
from .scripts import Front, Move, Played, Shown, response, solve_item

__all__ = ["Walker"]


class Walker:
    """Plays a script on a page, checking each screen against the prediction."""

    def __init__(
        self,
        page: Any,
        lesson: Lesson,
        front: Front,
        checked: set[str],
        *,
        scope: str | None = None,
        run_code: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.page = page
        self.front = front
        self.lesson = lesson
        self.me = Learner(page, scope=scope)
        self.checked = checked
        self.run_code = run_code
        """Runs the notebook cell with the right or wrong code for a question (JupyterLab)."""

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
        if self.run_code is not None and question.id in self.front.kernel:
            self.run_code(question.id, right)
        if value is None:  # code checked in the kernel
            me.click("Check")
            me.feedback(expect, "")
        elif isinstance(spec, specs.Choice):
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
