"""Helpers of the install tests: clean environments, a served lesson, the system chromium.

These tests install lessonkit the way users and Binder do (a built wheel, ``binder/postBuild``,
``./dev.sh demo``) and serve lessons from those installs, so they need the network or pip's
cache, and chromium. In CI they must run: a missing chromium fails there instead of skipping.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

from ..browser.harness import CHROMIUM, chromium_available

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "constraints.txt"
_SERVING = re.compile(r"^lessonkit: serving (?P<notebook>.+) at (?P<url>http://\S+)$")
_EVIDENCE = re.compile(r"^lessonkit: evidence is written to (?P<where>.+?)(?: \(.*\))?$")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would leak the test environment's
    Python or lessonkit settings into another installation, plus ``extra``."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in drop and not key.startswith("LESSONKIT_") and key != "JUPYTERHUB_USER"
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def http_get(url: str, timeout: float = 120) -> tuple[int, str]:
    """Status and body of a GET (Voilà answers once the notebook has run).

    Voilà streams the page while the notebook runs, so a socket timeout never fires on a page
    that stalls: the whole read has a deadline instead. A stall is a failure: first renders
    that never completed (a kernel restarted on new TCP ports while Voilà waited on the old
    ones) are gone since ``lessonkit serve`` runs kernels on Unix sockets.
    """
    return _get_within(url, timeout)


def _get_within(url: str, timeout: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    body = bytearray()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while chunk := response.read1(65536):
            body += chunk
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish rendering within {timeout:.0f} s")
        return int(response.status), body.decode("utf-8")


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running (a zombie waiting for its parent counts as gone)."""
    running = []
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                running.append(proc)
        except psutil.NoSuchProcess:
            continue
    return running


class Served:
    """A command that runs ``lessonkit serve`` (directly or through ``dev.sh demo``), read
    until it says where it serves; stopped with SIGTERM to that one process, as a service
    manager or a terminal would."""

    def __init__(self, cmd: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.cmd = cmd
        self.env = env
        self.cwd = cwd
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.lines: list[str] = []
        self.notebook = Path()
        self.url = ""
        self.evidence = ""

    def __enter__(self) -> Served:
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                cwd=self.cwd,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,  # so that a failing test can still clean up everything
            )
        try:
            self._read_until_served(timeout=600)
        except BaseException:
            self.kill()
            raise
        return self

    def _read_until_served(self, timeout: float) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        buffer = b""
        while not (self.url and self.evidence):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no address printed; see {self.log}: {self.lines}")
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"exited with {self.proc.wait()}; see {self.log}")
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            for raw in done:
                line = raw.decode()
                self.lines.append(line)
                if match := _SERVING.match(line):
                    self.notebook, self.url = Path(match["notebook"]), match["url"]
                elif match := _EVIDENCE.match(line):
                    self.evidence = match["where"]

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def family(self) -> list[psutil.Process]:
        """Every process the command started and that still runs (Voilà, its kernels)."""
        return psutil.Process(self.pid).children(recursive=True)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to the command alone; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """Leave nothing behind, whatever state the test stopped in."""
        if self.proc is None:
            return
        try:
            family = self.family()
        except psutil.NoSuchProcess:
            family = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for proc in alive(family):
            proc.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def kernels(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The Jupyter kernels among ``processes``."""
    found = []
    for proc in processes:
        try:
            if any("ipykernel_launcher" in part for part in proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system chromium's path; required in CI. The install tests drive it in a process of
    their own (``open_in_chromium.py``), beside the browser tests' Playwright."""
    if not chromium_available():
        message = f"needs chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must run the install tests", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    """Poll ``predicate`` until it is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)
