"""Learner UI speed in a real browser: the loops lesson in Voilà against a plain ipywidgets quiz.

Both pages are served by Voilà on this machine and driven by Debian chromium through
Playwright (the browser-test setup). Measured:

- navigation to an interactive page: from ``page.goto`` until the first button a learner
  presses is visible (lesson: Continue; baseline: the quiz's Check);
- Check to visible feedback: from the click until the feedback element changes, timed inside
  the page with a ``MutationObserver`` (the same way for both). The lesson's answer travels
  with its Check in one message (the player is one anywidget); the baseline sends a click.

The two pages are loaded in turns (quiz, lesson, quiz, lesson...) and each ratio is the median
of the per-pair ratios, with their spread: on a shared machine the background load drifts
within a minute, and two blocks of ten pages each measured that drift as much as the pages.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# First, even when an editable install already lists it later: a dependency (pygiftparserrgmf)
# installs a top-level package named ``tests`` that would hide this repository's.
sys.path.insert(0, str(ROOT))

from timing import compared, percentile  # noqa: E402 - benchmarks/ is on sys.path

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
    setTimeout(() => { obs.disconnect(); resolve(-1); }, 30000);  // no change: fail, never hang
    btn.click();
  });
}
"""


def _click_seconds(page: Any, button: str, target: str) -> float:
    """Seconds from clicking ``button`` until ``target`` changes (timed inside the page)."""
    elapsed = page.evaluate(TIME_CLICK, [button, target])
    if elapsed < 0:
        raise RuntimeError(f"clicking {button!r} changed nothing in {target!r} within 30 s")
    return float(elapsed) / 1000


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
            checks.append(_click_seconds(page, "Check", ".lk-feedback"))
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
        # each answer's feedback differs from the one before, so every click changes the page
        for option in ("1 2 3", "0 1 2", "0 1 2 3"):
            page.get_by_label(option, exact=True).check()
            target = ".widget-html:last-of-type"
            checks.append(_click_seconds(page, "Check", target))
            page.locator(".fb").wait_for()
        context.close()
    return loads, checks


def _row(name: str, ours: list[float], base: list[float], target: float) -> dict[str, Any]:
    # sampled in pairs (a quiz page, then a lesson page...): the ratio is the median of the
    # per-pair ratios, each pair taken under the same background load
    result = compared(name, ours, base, baseline="plain ipywidgets quiz in Voila")
    result["baseline_p10_s"] = percentile(base, 10)
    result["baseline_p90_s"] = percentile(base, 90)
    result.update(target=f"<= {target}x", ok=result["ratio"] <= target)
    return result


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows for the benchmark table (none, with a note on stderr, without chromium)."""
    if not chromium_available():
        print("bench_ui: skipped, chromium is not installed", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    pages = 2 if quick else 10
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
                # Then the two pages in turns (quiz, lesson, quiz, lesson...), as every
                # comparison here is made: on a shared machine, ten quiz pages followed by ten
                # lesson pages measure the background load's drift as much as the pages.
                base_loads, base_checks, loads, checks = [], [], [], []
                for _ in range(pages):
                    load, check = _baseline_samples(browser, baseline.url, 1)
                    base_loads += load
                    base_checks += check
                    load, check = _lesson_samples(browser, lesson.url, 1)
                    loads += load
                    checks += check
            finally:
                browser.close()
    return [
        _row("ui: navigation to an interactive lesson", loads, base_loads, 1.25),
        _row("ui: Check to visible feedback", checks, base_checks, 1.25),
    ]


if __name__ == "__main__":  # pragma: no cover - manual runs
    for result in run(quick=bool(os.environ.get("QUICK"))):
        print(result)
