"""Fixtures of the course-service tests: a configuration on SQLite, the service in a thread."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.stores.service import request_json

from .harness import ThreadedService, write_config

Api = Callable[..., tuple[int, Any]]

HUB_VERSIONS = ("6", "5.5")
"""JupyterHub releases the real-hub tests run against: the pinned 6.x, and 5.5, which Zero to
JupyterHub 4.4 ships (from ``.venv-hub55``, which ./dev.sh test makes)."""
ROOT = Path(__file__).resolve().parents[2]


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


def hub_venv(version: str) -> Path:
    """The ``bin`` folder of an environment with JupyterHub ``version`` (a release prefix) and
    this lessonkit: the test environment for the pinned release, ``.venv-hub55`` for 5.5."""
    folder = Path(sys.executable).parent
    if version == "5.5":
        folder = Path(os.environ.get("LESSONKIT_HUB55_VENV", ROOT / ".venv-hub55")) / "bin"
    probe = "import jupyterhub, lessonkit; print(jupyterhub.__version__, lessonkit.__file__)"
    try:
        found = subprocess.run(
            [str(folder / "python"), "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        unavailable(f"no environment with JupyterHub {version} and lessonkit at {folder}: {exc}")
    if not found[0].startswith(version + "."):
        unavailable(f"{folder} has JupyterHub {found[0]}, not {version}.x")
    if not Path(found[1]).is_relative_to(ROOT):
        unavailable(f"{folder} imports another lessonkit ({found[1]}) than this checkout's")
    return folder
