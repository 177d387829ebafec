"""Learner UI speed in a real browser: the loops lesson in Voilà against a plain ipywidgets quiz.

Both pages are served by Voilà on this machine and driven by Debian chromium through
Playwright (the browser-test setup). Measured:

- navigation to an interactive page: from ``page.goto`` until the first button a learner
  presses is visible (lesson: Continue; baseline: the quiz's Check);
- Check to visible feedback: from the click until the feedback element changes, timed inside
  the page with a ``MutationObserver`` (the same way for both). The lesson's answer travels
  with its Check in one message (the player is one anywidget); the baseline sends a click.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.harness import (  # noqa: E402 - needs the repository root on sys.path
    BASELINE_NOTEBOOK,
    LOOPS,
    READY,
    VoilaServer,
    chromium_available,
    launch_chromium,
)

TIME_CLICK = """
async ([button, target]) => {
  const el = document.querySelector(target);
  const btn = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === button);
  return await new Promise(resolve => {
    const t0 = performance.now();
    const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now() - t0); });
    obs.observe(el, {subtree: true, childList: true, characterData: true});
    btn.click();
  });
}
"""


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _lesson_samples(browser: Any, url: str, pages: int) -> tuple[list[float], list[float]]:
    loads, checks = [], []
    for _ in range(pages):
        context = browser.new_context()  # a new anonymous learner: the lesson starts afresh
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(READY, timeout=90_000)
        page.get_by_role("button", name="Continue", exact=True).wait_for()
        loads.append(time.perf_counter() - start)
        page.get_by_role("button", name="Continue", exact=True).click()
        page.get_by_role("button", name="I have never written one").click()
        page.locator(".lk-step-title", has_text="The for loop").wait_for()
        page.get_by_role("button", name="Continue", exact=True).click()
        page.locator(".lk-step-title", has_text="Counting iterations").wait_for()
        for text in ("5", "8", "4"):
            page.locator(".lk-answer .lk-field").fill(text)
            checks.append(page.evaluate(TIME_CLICK, ["Check", ".lk-feedback"]) / 1000)
            page.locator(".lk-feedback .lk-msg").wait_for()
        context.close()
    return loads, checks


def _baseline_samples(browser: Any, url: str, pages: int) -> tuple[list[float], list[float]]:
    loads, checks = [], []
    for _ in range(pages):
        context = browser.new_context()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".ready", timeout=90_000)
        page.get_by_role("button", name="Check", exact=True).wait_for()
        loads.append(time.perf_counter() - start)
        for option in ("1 2 3", "0 1 2 3", "0 1 2"):
            page.get_by_label(option, exact=True).check()
            target = ".widget-html:last-of-type"
            checks.append(page.evaluate(TIME_CLICK, ["Check", target]) / 1000)
            page.locator(".fb").wait_for()
        context.close()
    return loads, checks


def _row(name: str, ours: list[float], base: list[float], target: float) -> dict[str, Any]:
    median, base_median = statistics.median(ours), statistics.median(base)
    ratio = median / base_median
    return {
        "name": name,
        "median_s": median,
        "p99_s": _p99(ours),
        "baseline": "plain ipywidgets quiz in Voila",
        "baseline_median_s": base_median,
        "ratio": ratio,
        "target": f"<= {target}x",
        "ok": ratio <= target,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows for the benchmark table (none, with a note on stderr, without chromium)."""
    if not chromium_available():
        print("bench_ui: skipped, chromium is not installed", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    pages = 2 if quick else 6
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        quiz = folder / "quiz.ipynb"
        quiz.write_text(json.dumps(BASELINE_NOTEBOOK), encoding="utf-8")
        env = {
            "LESSONKIT_STORE": (folder / "store").as_uri(),
            "LESSONKIT_HOME": str(folder / "home"),
            "LESSONKIT_LEARNER": "",
            "JUPYTERHUB_USER": "",
        }
        with (
            VoilaServer(LOOPS, env=env) as lesson,
            VoilaServer(quiz, env=env, lessonkit=False) as baseline,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright)
            try:
                # One warm-up load each: the first kernel start pays for imports and caches.
                _baseline_samples(browser, baseline.url, 1)
                _lesson_samples(browser, lesson.url, 1)
                base_loads, base_checks = _baseline_samples(browser, baseline.url, pages)
                loads, checks = _lesson_samples(browser, lesson.url, pages)
            finally:
                browser.close()
    return [
        _row("ui: navigation to an interactive lesson", loads, base_loads, 1.25),
        _row("ui: Check to visible feedback", checks, base_checks, 1.25),
    ]


if __name__ == "__main__":  # pragma: no cover - manual runs
    for result in run(quick=bool(os.environ.get("QUICK"))):
        print(result)
