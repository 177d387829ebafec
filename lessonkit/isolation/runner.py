"""One run of learner code: build the request, start the child (in bubblewrap or not), read it.

The request holds the learner's source, the setup code, the name to test and the call
arguments (as :mod:`plain` data) — never the expected values, which stay in the caller.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import plain
from .bwrap import ENVIRONMENT, SANDBOX_GID, SANDBOX_UID, Layout, build_command
from .process import collect
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
        drop_to=[SANDBOX_UID, SANDBOX_GID] if layout is not None and layout.privileged else None,
    )
    seconds = timeout + _STARTUP_SLACK
    if layout is not None:
        collected = collect(lambda fd: build_command(layout, fd), request, seconds=seconds, env={})
        return interpret(collected, len(calls), "bubblewrap")
    with tempfile.TemporaryDirectory(prefix="lessonkit-unisolated-") as scratch:
        command = [sys.executable, "-I", "-B", "-X", "utf8", CHILD]
        env = {**ENVIRONMENT, "HOME": scratch, "TMPDIR": scratch}
        collected = collect(
            lambda fd: [*command, str(fd)], request, seconds=seconds, env=env, cwd=scratch
        )
    return interpret(collected, len(calls), "none")
