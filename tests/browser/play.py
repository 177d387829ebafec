"""A learner in the browser: clicks, answers and stage checks shared by the Voilà and
JupyterLab tests (the same player runs in both)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .harness import ROOT, axe_violations

IMAGES = ROOT / "docs" / "images"
SHOTS = os.environ.get("LESSONKIT_SCREENSHOTS") == "1"
"""Write the docs' screenshots (``docs/images``) while the tests run."""

VIEWS = [
    ("light", None, 1100),
    ("dark", None, 1100),
    ("light", "active", 1100),
    ("light", None, 390),
    ("dark", None, 390),
    ("light", "active", 390),
]
"""(colour scheme, forced colours, width): light, dark and high contrast, desktop and phone."""


class Learner:
    """Drives the player on ``page``; ``scope`` limits axe to the player (JupyterLab)."""

    def __init__(self, page: Any, *, scope: str | None = None, views: list[Any] | None = None):
        self.page = page
        self.scope = scope
        self.views = views if views is not None else VIEWS[:1]
        self.problems: list[str] = []
        self.stages: list[str] = []

    # ---------------------------------------------------------------- actions

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def title(self, title: str) -> None:
        self.page.locator(".lk-step-title", has_text=title).wait_for()

    def go(self, button: str, title: str, stage: str | None = None) -> None:
        """Press ``button`` and wait for the step titled ``title``."""
        self.click(button)
        self.title(title)
        self.stage(stage or f"step: {title}")

    def feedback(self, expect: str, stage: str) -> str:
        box = self.page.locator(".lk-feedback .lk-msg", has_text=expect)
        try:
            box.wait_for(timeout=60_000)
        except PlaywrightTimeout:  # say what the learner saw instead
            shown = self.page.evaluate(
                "() => [...document.querySelectorAll('.lk-feedback, .lk-notice, .lk-status')]"
                ".map(e => e.innerText.trim()).filter(Boolean)"
            )
            raise AssertionError(f"no feedback {expect!r} within 60 s; the page: {shown}") from None
        if stage:
            self.stage(stage)
        return str(box.inner_text())

    def type(self, text: str, expect: str, stage: str = "feedback") -> str:
        """Type into the answer field and press Enter (Ctrl+Enter in a text area)."""
        field = self.page.locator(".lk-answer .lk-field")
        field.fill(text)
        key = "Control+Enter" if field.evaluate("e => e.tagName") == "TEXTAREA" else "Enter"
        field.press(key)
        return self.feedback(expect, stage)

    def pick(self, labels: list[str], expect: str, stage: str = "feedback") -> str:
        """Tick options by their labels (radio or checkboxes), then Check."""
        for label in labels:
            self.page.locator(".lk-choice label", has_text=label).first.click()
        self.click("Check")
        return self.feedback(expect, stage)

    # ---------------------------------------------------------------- stages

    def stage(self, name: str) -> None:
        """Check this stage with axe in every view (and take screenshots if asked)."""
        self.stages.append(name)
        page = self.page
        size = page.viewport_size or {"width": 1100, "height": 900}
        for scheme, forced, width in self.views:
            page.emulate_media(color_scheme=scheme, forced_colors=forced or "none")
            page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
            where = f"{name} [{scheme}{', forced colours' if forced else ''}, {width} px]"
            self.problems += [f"{where}: {v}" for v in axe_violations(page, self.scope)]
            if width < 500:
                wide = page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                if wide > 0:
                    self.problems.append(f"{where}: the page is {wide} px wider than the screen")
        page.emulate_media(color_scheme="light", forced_colors="none")
        page.set_viewport_size(size)

    def shoot(self, name: str) -> None:
        """Screenshots of this stage for the docs, desktop and phone."""
        if not SHOTS:
            return
        IMAGES.mkdir(parents=True, exist_ok=True)
        page = self.page
        size = page.viewport_size or {"width": 1100, "height": 900}
        for label, width, height in (("desktop", 1100, 900), ("phone", 390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(IMAGES / f"{name}-{label}.png"))
        page.set_viewport_size(size)


def body_text(page: Any) -> str:
    return str(page.locator(".lk-body").inner_text())


def loops_practice(prompt: str) -> str:
    """The answer to a loops practice item, worked out from its prompt."""
    prompt = prompt.replace("`", "")
    if m := re.search(r"range\((\d+), (\d+)\)", prompt):
        return str(int(m[2]) - int(m[1]))
    ranges = re.findall(r"range\((\d+)\)", prompt)
    if len(ranges) == 1:  # the last value of i (read from the code: any language)
        return str(int(ranges[0]) - 1)
    rows, cols = ranges[:2]
    return str(int(rows) * int(cols))


def center_practice(prompt: str) -> str:
    """The answer to a center-and-spread practice item, worked out from its prompt."""
    nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", prompt)]
    text = prompt.lower()
    if "increased by" in text and "mean" in text:
        return f"{nums[0] + nums[1]:g}"
    if "increased by" in text:
        return f"{nums[0]:g}"
    if "multiplied by" in text:
        return f"{nums[0] * nums[1]:g}"
    if "range" in text:
        return f"{max(nums) - min(nums):g}"
    if "median" in text:
        return f"{sorted(nums)[1]:g}"
    return f"{sum(nums) / len(nums):g}"


def practise(
    learner: Learner,
    solve: Callable[[str], str],
    limit: int = 12,
    *,
    correct: str = "Correct!",
    next_label: str = "Continue",
) -> None:
    """Answer practice items until the summary shows (stage checks on the first item only);
    ``correct`` and ``next_label`` are the words the player shows (in its language)."""
    page = learner.page
    for index in range(limit):
        prompt = str(page.locator(".lk-body").inner_text())
        learner.type(solve(prompt), correct, "practice: correct" if index == 0 else "")
        before = page.locator(".lk-status").inner_text()
        learner.click(next_label)
        page.wait_for_function(
            "([before]) => !document.querySelector('.lk-feedback .lk-msg') &&"
            " (document.querySelector('.lk-summary') ||"
            " document.querySelector('.lk-status').textContent !== before)",
            arg=[before],
        )
        if page.locator(".lk-summary").count():
            return
    raise AssertionError("the practice pool did not end")


def assert_clean(learner: Learner) -> None:
    assert learner.problems == [], "\n".join(learner.problems[:40])


__all__ = [
    "IMAGES",
    "Learner",
    "assert_clean",
    "body_text",
    "center_practice",
    "loops_practice",
    "practise",
]
