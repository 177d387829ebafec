"""The Voilà process ``lessonkit serve`` runs: waiting until it listens, and stopping it with
everything it started (its kernels run in sessions of their own)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from types import FrameType

__all__ = ["Signals", "stop_voila", "wait_until_up"]

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_GRACE = 15.0
"""Seconds Voilà gets to shut its kernels down before it is killed."""


class Signals:
    """Turns Ctrl-C, SIGTERM and SIGHUP into a count the serving loop checks."""

    def __init__(self) -> None:
        self.count = 0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[Signals]:
        """Handle the stop signals inside the block (in the main thread only)."""
        previous = {}
        try:
            for sig in _STOP_SIGNALS:
                previous[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread: leave the defaults alone
            pass
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
        return True
    return False


def wait_until_up(
    proc: subprocess.Popen[bytes], signals: Signals, until: float, host: str, port: int
) -> str:
    """Wait until Voilà listens (``"up"``), exits (``"exited"``) or a signal came (``"stop"``)."""
    while time.monotonic() < until:
        if signals.count:
            return "stop"
        if proc.poll() is not None:
            return "exited"
        if _listening(host, port):
            return "up"
        time.sleep(0.1)
    return "stop"


def stop_voila(proc: subprocess.Popen[bytes], signals: Signals | None = None) -> None:
    """Stop Voilà and everything it started: SIGTERM first, which makes Voilà shut its kernels
    down; then any process it started that is still there (kernels run in sessions of their
    own, so its process group alone would miss them) is terminated, and killed if need be."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _GRACE
        while proc.poll() is None and time.monotonic() < deadline:
            if signals is not None and signals.count > 1:  # asked twice: do not wait
                break
            time.sleep(0.1)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _, alive = psutil.wait_procs(family, timeout=2)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(alive, timeout=3)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=3)
