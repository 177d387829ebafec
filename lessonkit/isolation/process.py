"""Start the sandbox process, read what it says with a hard deadline, and always end it.

Nothing here waits without a limit: the result channel and the output pipe are read
non-blockingly with ``select`` until a deadline, each into a bounded buffer; when the process
has exited, pipes still held open (by a grandchild that called ``setsid``, say) get a short
grace period and are then abandoned. At the end the process group is killed whatever happened
(for bubblewrap that takes the whole PID namespace with it, see :mod:`.bwrap`), and reaping it
is given a bounded wait too. So :func:`collect` returns at most about ``seconds`` + 0.4 s after
it was called.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Collected", "collect", "data_fd"]

RESULTS_LIMIT = 8 * 2**20
"""Bytes of result records read at most; more means the run cannot be trusted."""
OUTPUT_LIMIT = 64 * 2**10
"""Bytes of the child's raw stdout/stderr kept (interpreter errors); the rest is discarded."""
_EXIT_GRACE = 0.2  # seconds to drain pipes after the process exited
_REAP_WAIT = 0.2  # seconds to wait for the killed process to be reaped


@dataclass(frozen=True, slots=True, kw_only=True)
class Collected:
    """What one run of the child left behind."""

    results: bytes
    """The raw result channel (framed records)."""
    overflow: bool
    """The result channel exceeded :data:`RESULTS_LIMIT`."""
    output: bytes
    """The first :data:`OUTPUT_LIMIT` bytes the process wrote to stdout/stderr."""
    returncode: int | None
    """Exit status (negative: killed by that signal); ``None`` if it could not be reaped."""
    killed: bool
    """The deadline passed and the process was killed."""
    elapsed: float
    """Wall-clock seconds from start to return."""


def data_fd(data: bytes) -> int:
    """A readable fd holding ``data`` (in memory, at offset 0), e.g. the child's stdin."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("lessonkit-request", os.MFD_CLOEXEC)
    else:  # pragma: no cover - non-Linux
        import tempfile

        with tempfile.TemporaryFile() as spool:
            fd = os.dup(spool.fileno())
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill the process group (unless the process was already reaped) and reap, bounded."""
    if process.returncode is None:  # not reaped yet: its pid cannot have been reused
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_REAP_WAIT)


def collect(
    command: Callable[[int], list[str]],
    request: bytes,
    *,
    seconds: float,
    env: dict[str, str],
    cwd: str = "/",
    inherit: tuple[int, ...] = (),
) -> Collected:
    """Run ``command(result_fd)`` with ``request`` on stdin for at most ``seconds``.

    ``inherit``: more descriptors the process gets (the caller keeps and closes them).
    """
    started = time.monotonic()
    deadline = started + seconds
    stdin = data_fd(request)
    results_r, results_w = os.pipe()
    output_r, output_w = os.pipe()
    try:
        process = subprocess.Popen(
            command(results_w),
            stdin=stdin,
            stdout=output_w,
            stderr=output_w,
            pass_fds=(results_w, *inherit),
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own process group, killed as a whole
        )
    except BaseException:
        for fd in (stdin, results_r, results_w, output_r, output_w):
            os.close(fd)
        raise
    for fd in (stdin, results_w, output_w):
        os.close(fd)
    buffers = {results_r: bytearray(), output_r: bytearray()}
    limits = {results_r: RESULTS_LIMIT, output_r: OUTPUT_LIMIT}
    overflow = killed = False
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        try:
            while selector.get_map():
                now = time.monotonic()
                if exited_at is None and process.poll() is not None:
                    exited_at = now
                if now >= deadline:
                    killed = exited_at is None  # else it ended in time; only pipes linger
                    break
                if exited_at is not None and now - exited_at > _EXIT_GRACE:
                    break  # someone else holds the pipes open: stop listening
                for key, _ in selector.select(timeout=min(deadline - now, 0.05)):
                    fd = int(key.fd)
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        selector.unregister(fd)
                        continue
                    room = limits[fd] - len(buffers[fd])
                    buffers[fd] += chunk[: max(room, 0)]
                    overflow = overflow or (fd == results_r and len(chunk) > room)
            if not killed and process.returncode is None:
                try:  # the pipes are closed; the process may still be running
                    process.wait(timeout=max(deadline - time.monotonic(), 0.0))
                except subprocess.TimeoutExpired:
                    killed = True
        finally:
            _end(process)
            for fd in buffers:
                os.close(fd)
    return Collected(
        results=bytes(buffers[results_r]),
        overflow=overflow,
        output=bytes(buffers[output_r]),
        returncode=process.returncode,
        killed=killed,
        elapsed=time.monotonic() - started,
    )
