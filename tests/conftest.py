"""Shared fixtures: paths to the repository's data and lessons; the code sandbox.

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
from pathlib import Path

import pytest

from lessonkit.isolation import IsolationStatus, isolation_status

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Point ``LESSONKIT_HOME`` (and JupyterLab's settings) at folders of this run's own."""
    if "LESSONKIT_HOME" not in os.environ:
        os.environ["LESSONKIT_HOME"] = tempfile.mkdtemp(prefix="lessonkit-test-home-")
    os.environ["JUPYTERLAB_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="lessonkit-test-lab-")
    os.environ.pop("LESSONKIT_LANGUAGE", None)


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
