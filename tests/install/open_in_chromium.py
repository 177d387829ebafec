"""Open a page in Debian's chromium and print the text of the first element matching a
selector once a ``ready`` selector exists (run as a script, in its own process, so that it
never shares a Playwright instance with the browser tests' one).

``python open_in_chromium.py URL SELECTOR [READY_SELECTOR [TIMEOUT_SECONDS]]``

``READY_SELECTOR`` (default: ``SELECTOR``) says the page is drawn: a preheated lesson page
shows its player at once, saying "Loading the lesson…" until the request's learner is bound.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright

from tests.browser.harness import launch_chromium


def main(url: str, selector: str, ready: str | None = None, timeout: float = 120.0) -> None:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector(ready or selector, timeout=timeout * 1000)
            print(page.locator(selector).first.inner_text())
        finally:
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *sys.argv[3:4], *(float(a) for a in sys.argv[4:5]))
