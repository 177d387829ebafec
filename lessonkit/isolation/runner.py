"""One run of learner code: build the request, start the child (in bubblewrap or not), read it.

The request holds the learner's source, the setup code, the name to test and the call
arguments (as :mod:`plain` data) — never the expected values, which stay in the caller.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import plain
from .bwrap import (
    ENVIRONMENT,
    SANDBOX_GID,
    SANDBOX_UID,
    SCRATCH,
    SCRATCH_BYTES,
    SCRATCH_FILES,
    SHM,
    Layout,
    build_command,
)
from .process import collect, data_fd
from .results import LearnerRun, interpret

__all__ = ["CHILD", "PROCESS_LIMIT", "execute"]

CHILD = str(Path(__file__).with_name("child.py"))
"""The child script."""
PROCESS_LIMIT = 8
"""Processes and threads learner code may have at once (``RLIMIT_NPROC`` in the sandbox)."""
_STARTUP_SLACK = 0.5  # seconds for bwrap and the interpreter before the learner's time counts
_OUTPUT_LIMIT = 2_000


def _request(
    source: str,
    name: str,
    calls: Sequence[tuple[Sequence[Any], Mapping[str, Any]]],
    **settings: Any,
) -> bytes:
    try:
        encoded = [[plain.encode(list(args)), plain.encode(dict(kwargs))] for args, kwargs in calls]
    except plain.UncomparableError as exc:
        raise TypeError(f"test arguments must be plain data, got {exc}") from exc
    body = {"source": source, "name": name, "calls": encoded, **settings}
    return json.dumps(body, allow_nan=True).encode("utf-8")


def _confinement(layout: Layout | None) -> dict[str, Any] | None:
    """What the child does to itself in bubblewrap before learner code (:mod:`.confine`)."""
    if layout is None:
        return None
    return {
        "scratch": SCRATCH,
        "shm": SHM,
        "bytes": SCRATCH_BYTES,
        "files": SCRATCH_FILES,
        "drop_to": [SANDBOX_UID, SANDBOX_GID] if layout.privileged else None,
        # The child remounts only inside a mount namespace other than the server's: a
        # stand-in bwrap that runs it unconfined must not touch the host's /tmp.
        "host_mounts": _mount_namespace(),
    }


def _mount_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/mnt")
    except OSError:  # no /proc here: bwrap could not run either
        return ""


def execute(
    source: str,
    *,
    name: str,
    calls: Sequence[tuple[Sequence[Any], Mapping[str, Any]]],
    layout: Layout | None,
    setup: str = "",
    timeout: float = 2.0,
    memory_mb: int = 256,
    processes: int = PROCESS_LIMIT,
) -> LearnerRun:
    """Run ``source`` in the sandbox ``layout`` describes (``None``: a plain child process)."""
    request = _request(
        source,
        name,
        calls,
        setup=setup,
        timeout=timeout,
        memory_mb=memory_mb,
        processes=processes,
        output_limit=_OUTPUT_LIMIT,
        confine=_confinement(layout),
    )
    seconds = timeout + _STARTUP_SLACK
    if layout is not None:
        program = data_fd(layout.seccomp)
        try:
            collected = collect(
                lambda fd: build_command(layout, fd, program),
                request,
                seconds=seconds,
                env={},
                inherit=(program,),
            )
        finally:
            os.close(program)
        return interpret(collected, len(calls), "bubblewrap")
    with tempfile.TemporaryDirectory(prefix="lessonkit-unisolated-") as scratch:
        command = [sys.executable, "-I", "-B", "-X", "utf8", CHILD]
        env = {**ENVIRONMENT, "HOME": scratch, "TMPDIR": scratch}
        collected = collect(
            lambda fd: [*command, str(fd)], request, seconds=seconds, env=env, cwd=scratch
        )
    return interpret(collected, len(calls), "none")
