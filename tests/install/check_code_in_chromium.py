"""Walk the loops lesson in Debian's chromium to its first code exercise, answer it, and print
the feedback once the check has run (run as a script, in its own process, so that it never
shares a Playwright instance with the browser tests' one).

``python check_code_in_chromium.py URL``: exit 0 and the feedback text when the code was
checked; a failure (no check, a timeout) raises.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright

from tests.browser.examples import TOTAL
from tests.browser.harness import READY, launch_chromium


def main(url: str) -> None:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_selector(READY, timeout=120_000)

            def go(button: str, title: str) -> None:
                page.get_by_role("button", name=button, exact=True).click()
                page.locator(".lk-step-title", has_text=title).wait_for()

            go("Continue", "Where are you starting from?")
            go("I write them without thinking", "Quick check")
            page.locator(".lk-choice label", has_text="0 1 2").first.click()
            page.get_by_role("button", name="Check", exact=True).click()
            page.locator(".lk-feedback .lk-msg", has_text="Correct!").wait_for()
            go("Continue", "Adding things up")
            go("Continue", "Your turn")
            field = page.locator(".lk-answer textarea.lk-field")
            field.fill(TOTAL)
            field.press("Control+Enter")
            box = page.locator(".lk-feedback .lk-msg", has_text="tests passed")
            box.wait_for(timeout=120_000)
            print(box.inner_text())
        finally:
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
