"""Browser-test fixtures: chromium must exist in CI; elsewhere its absence skips, saying why."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .harness import AXE, CHROMIUM, chromium_available, launch_chromium


def _require_tools() -> None:
    missing = []
    if not chromium_available():
        missing.append(f"chromium at {CHROMIUM} (apt-get install -y chromium)")
    if not AXE.is_file():
        missing.append(f"axe-core at {AXE} (./dev.sh test installs it from npm)")
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(message + " — CI must run the browser tests", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian chromium driven by Playwright (one per test session)."""
    _require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()
