"""Shared fixtures: paths to the repository's data and lessons; the code sandbox; the one
browser of the run (Playwright's sync API allows one running instance per thread, so every
package's browser tests share this fixture rather than starting their own).

The whole run gets its own lessonkit data folder (``LESSONKIT_HOME``), set before any test,
server or subprocess starts: tests never read or write the developer's evidence, anonymous
learner id or per-install secret, and every process of the run agrees on them. Nor do they
follow the developer's own language settings (JupyterLab's display language, which lessonkit
reads from ``JUPYTERLAB_SETTINGS_DIR``, and ``LESSONKIT_LANGUAGE``): English unless a test
says otherwise.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores.service import ServiceStore
from lessonkit.isolation import IsolationStatus, isolation_status

ROOT = Path(__file__).resolve().parent.parent


SERIAL = {
    # The sandbox's memory meter reads the whole machine's memory; the bounds on patterns and
    # math answers are times: neither may share the cores with a browser and a server.
    "tests/security/": "measures the machine's memory or a time bound",
    # These stop the web server (SIGSTOP) for 0.4 s around each of 80 clicks.
    "tests/browser/test_race.py": "stops the server for set times",
    # A learner's launch from the LMS through a real JupyterHub to the score in the LMS's
    # gradebook: once, beside other servers on 2 cores, the score took over 90 s to arrive.
    "tests/lti/test_lti_browser.py": "waits 90 s for the score at the LMS",
}
"""Test files that run alone (``serial``): ``./dev.sh test`` runs the others side by side
(pytest-xdist, one file per process at a time), then these one after another."""


def pytest_configure(config: pytest.Config) -> None:
    """Point ``LESSONKIT_HOME`` (and JupyterLab's settings) at folders of this run's own.

    Each process of a run spread over several (pytest-xdist) gets its own home, unless the
    home was given from outside."""
    own = os.environ.get("LESSONKIT_TEST_OWN_HOME") == "1"
    if "LESSONKIT_HOME" not in os.environ or (own and os.environ.get("PYTEST_XDIST_WORKER")):
        os.environ["LESSONKIT_HOME"] = tempfile.mkdtemp(prefix="lessonkit-test-home-")
        os.environ["LESSONKIT_TEST_OWN_HOME"] = "1"
    os.environ["JUPYTERLAB_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="lessonkit-test-lab-")
    os.environ.pop("LESSONKIT_LANGUAGE", None)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of :data:`SERIAL`'s files ``serial``."""
    for item in items:
        where = Path(item.path).resolve().relative_to(ROOT).as_posix()
        if any(where.startswith(prefix) for prefix in SERIAL):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(autouse=True)
def _close_service_stores() -> Iterator[None]:
    """Close every course-service store a test opened and left open.

    An open store keeps its sending thread, which goes on retrying its spool after the test's
    service is gone: in a later test that counts the syncs of its own writes (the count patches
    ``os`` process-wide), such a thread's writes were once counted as the test's own. (Patched
    by hand, not with ``monkeypatch``: an autouse fixture taking it would make every test's
    ``monkeypatch`` undo its changes only after the test's other fixtures were torn down.)
    """
    opened: list[ServiceStore] = []
    init = ServiceStore.__init__

    def tracked(self: ServiceStore, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        opened.append(self)

    ServiceStore.__init__ = tracked  # type: ignore[method-assign]
    try:
        yield
    finally:
        ServiceStore.__init__ = init  # type: ignore[method-assign]
        for store in opened:
            store.close(timeout=1.0)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def lessons_dir() -> Path:
    """The shipped example lessons."""
    return ROOT / "lessons"


@pytest.fixture(scope="session")
def sandbox() -> IsolationStatus:
    """The code sandbox (bubblewrap). Without it: skipped locally, saying why; failed in CI,
    which installs bubblewrap (``./dev.sh test``) and must not pass by skipping."""
    status = isolation_status(refresh=True)
    if not status.isolated:
        message = f"the code sandbox is not available here: {status.reason}"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message + " — CI must run the sandbox tests", pytrace=False)
        pytest.skip(message)
    return status


def _require_browser_tools() -> None:
    from tests.browser.harness import AXE, CHROMIUM, chromium_available

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
    """Debian chromium driven by Playwright: one for the whole run, whatever package asks."""
    _require_browser_tools()
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch_chromium

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()
