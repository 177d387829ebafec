"""Start and stop a throwaway PostgreSQL server (for integration tests and benchmarks).

The server runs from ``initdb``/``pg_ctl`` found in ``LESSONKIT_PG_BIN``, on ``PATH`` or in
``/usr/lib/postgresql/*/bin``, in a fresh temporary folder, on a free localhost port, with
trust authentication and its socket in that folder. PostgreSQL refuses to run as root: when we
are root the commands run as the ``postgres`` user through ``su``.

>>> with PgServer() as server:          # doctest: +SKIP
...     url = server.url("lessonkit")   # creates the database
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["PgServer", "PgUnavailableError", "find_pg_bin"]


class PgUnavailableError(RuntimeError):
    """PostgreSQL cannot be started here (binaries or the ``postgres`` user missing)."""


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (``LESSONKIT_PG_BIN`` if set), or ``None``."""
    if os.environ.get("LESSONKIT_PG_BIN"):
        folder = Path(os.environ["LESSONKIT_PG_BIN"])
        return folder if (folder / "initdb").exists() and (folder / "pg_ctl").exists() else None
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgServer:
    """A PostgreSQL server in a temporary folder; use as a context manager or start()/stop()."""

    def __init__(self) -> None:
        self.bin = find_pg_bin()
        if self.bin is None:
            raise PgUnavailableError("PostgreSQL binaries (initdb, pg_ctl) not found")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                import pwd

                self._pg_user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PgUnavailableError("running as root and there is no 'postgres' user") from exc
        self.dir = Path(tempfile.mkdtemp(prefix="lessonkit-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.started = False

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = " ".join(shlex.quote(a) for a in args)
        argv = (
            ["su", "postgres", "-s", "/bin/sh", "-c", command]
            if self.as_root
            else ["sh", "-c", command]
        )
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PgUnavailableError(
                f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{tail}"
            )

    def start(self) -> PgServer:
        """initdb and start; returns self once the server accepts connections."""
        if self.as_root:
            os.chown(self.dir, self._pg_user.pw_uid, self._pg_user.pw_gid)
        os.chmod(self.dir, 0o700)
        assert self.bin is not None
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100 -c fsync=on -c synchronous_commit=on"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of ``database``, created if it is missing."""
        if database != "postgres":
            self._create_database(database)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _create_database(self, name: str) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user="postgres",
                    dbname="postgres",
                    autocommit=True,
                ) as conn:
                    exists = conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'CREATE DATABASE "{name}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            if self.started and self.bin is not None:
                self._run(
                    str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
                )
                self.started = False
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
