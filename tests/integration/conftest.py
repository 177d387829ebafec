"""Fixtures of the integration tests: a real PostgreSQL server, a warm writer process to kill.

The PostgreSQL fixture starts its own server (see :mod:`tests.integration.pgserver`). Where
PostgreSQL cannot be started, tests that need it are skipped locally but FAIL when ``CI`` is
``true``: CI must not pass by silently skipping them.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


class Zygote:
    """A warm writer process that forks writer children for the crash tests."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._stderr = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKERS), "zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            bufsize=0,
        )
        self._buffer = b""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read_line(self) -> str:
        """The next complete line from the zygote or its children."""
        assert self.proc.stdout is not None
        while b"\n" not in self._buffer:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"the writer process died; see {self.log}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its handle
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    """A warm writer process (``workers.py zygote``), closed after the test."""
    z = Zygote(tmp_path / "writers.log")
    try:
        yield z
    finally:
        z.close()
