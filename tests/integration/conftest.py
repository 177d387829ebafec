"""Fixtures of the integration tests: a real PostgreSQL server.

The PostgreSQL fixture starts its own server (see :mod:`tests.integration.pgserver`). Where
PostgreSQL cannot be started, tests that need it are skipped locally but FAIL when ``CI`` is
``true``: CI must not pass by silently skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pgserver import PgServer, PgUnavailableError

WORKERS = Path(__file__).with_name("workers.py")
ROOT = Path(__file__).resolve().parents[2]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole test session, stopped at the end."""
    try:
        server = PgServer()
        server.start()
    except PgUnavailableError as exc:
        if _in_ci():
            pytest.fail(f"PostgreSQL is required in CI but cannot be started: {exc}")
        pytest.skip(f"PostgreSQL cannot be started here: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server."""
    return pg_server.url(f"lk_{uuid.uuid4().hex[:12]}")
