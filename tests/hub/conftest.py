"""Fixtures of the course-service tests: a configuration on SQLite, the service in a thread."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores.service import request_json

from .harness import ThreadedService, write_config

Api = Callable[..., tuple[int, Any]]


@pytest.fixture
def hub_config(tmp_path: Path) -> Path:
    """A service configuration on a fresh SQLite database."""
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'course.db'}")


@pytest.fixture
def service(hub_config: Path) -> Iterator[ThreadedService]:
    """The running service (stopped after the test)."""
    running = ThreadedService.from_file(hub_config).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(service: ThreadedService) -> Api:
    """``api(method, path, token, body=None) -> (status, json)`` against the service."""

    def call(method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        return request_json(method, service.base + path, token, body)

    return call


def in_ci() -> bool:
    """Whether this run is CI, where real-component tests must not be skipped."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def unavailable(message: str) -> None:
    """Skip locally, saying why; fail in CI (which installs every component itself)."""
    if in_ci():
        pytest.fail(message + " - CI must run this test (./dev.sh test installs it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A real PostgreSQL server for the whole session."""
    from tests.integration.pgserver import PgServer, PgUnavailableError

    try:
        server = PgServer()
        server.start()
    except PgUnavailableError as exc:
        unavailable(f"PostgreSQL cannot be started here: {exc}")
    try:
        yield server
    finally:
        server.stop()
