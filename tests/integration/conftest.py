"""Fixtures of the integration tests: a real PostgreSQL server, a warm writer process to kill.

The PostgreSQL fixture starts its own server (see :mod:`tests.integration.pgserver`). Where
PostgreSQL cannot be started, tests that need it are skipped locally but FAIL when ``CI`` is
``true``: CI must not pass by silently skipping them.
"""

from __future__ import annotations

import os
import select
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


class _Lines:
    """Complete lines read from a pipe."""

    def __init__(self, fd: int, log: Path) -> None:
        self.fd, self.log, self.buffer = fd, log, b""

    def read(self, timeout: float = 60.0) -> str:
        """The next line, waiting at most ``timeout`` seconds."""
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                raise RuntimeError(f"no line from the writers in {timeout} s; see {self.log}")
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise RuntimeError(f"the writer process died; see {self.log}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def ready(self) -> list[str]:
        """The complete lines available now, without waiting."""
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [line.decode() for line in lines]


class Zygote:
    """A warm writer process that forks writer children for the crash tests.

    The zygote's own lines (``child PID``, ``reaped PID``) come on its stdout; its children's
    (``ack PID SEQ``, ``failed PID``) on a pipe of their own, so the two never interleave.
    """

    def __init__(self, log: Path) -> None:
        self.log = log
        self._stderr = open(log, "wb")  # noqa: SIM115 - closed in close()
        ack_read, ack_write = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, str(WORKERS), "zygote", str(ack_write)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                cwd=ROOT,
                bufsize=0,
                pass_fds=(ack_write,),
            )
        finally:
            os.close(ack_write)  # the zygote and its children hold the write end
        assert self.proc.stdout is not None
        self._lines = _Lines(self.proc.stdout.fileno(), log)
        self._ack_fd = ack_read
        self._acks = _Lines(ack_read, log)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read_line(self) -> str:
        """The zygote's next line."""
        return self._lines.read()

    def read_ack(self) -> str:
        """The children's next line."""
        return self._acks.read()

    def ready_acks(self) -> list[str]:
        """The children's lines written so far (all of a child's, once it is reaped)."""
        return self._acks.ready()

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
        os.close(self._ack_fd)
        self._stderr.close()


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    """A warm writer process (``workers.py zygote``), closed after the test."""
    z = Zygote(tmp_path / "writers.log")
    try:
        yield z
    finally:
        z.close()
