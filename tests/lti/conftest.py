"""Fixtures of the LMS tests: one hub and one platform for the package (the hub tests and
the browser tests share them); the session's PostgreSQL server is the course service's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.hub.conftest import pg_server, unavailable
from tests.hub.hubrun import find_chp

from .lms_hub import LmsHub

__all__ = ["env", "pg_server"]


@pytest.fixture(scope="package")
def env(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> Iterator[LmsHub]:
    """A real JupyterHub with the course service and the LMS login, and a real LTI 1.3
    platform (lti1p3platform) on another site (``localhost`` against the hub's 127.0.0.1,
    so the browser's cross-site cookie rules apply as with a real LMS)."""
    chp = find_chp()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    folder = tmp_path_factory.mktemp("lti")
    running = LmsHub(folder, pg_server.url("lessonkit_lti"))
    try:
        yield running.start(chp)
    finally:
        running.stop()
