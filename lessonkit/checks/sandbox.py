"""Run a learner's source code in a separate, resource-limited process.

The child (``_sandbox_child.py``) is started with ``python -I`` in a new session, with an
empty environment (no tokens leak in) and a temporary working directory. Before running any
learner code it limits itself with :mod:`resource`: CPU seconds (``RLIMIT_CPU``), address space
(``RLIMIT_AS``: ``memory_mb`` MiB on top of the interpreter), file size and core dumps. The
parent adds a wall-clock limit and kills the whole process group when it passes, so an
endless loop, a sleep or a memory bomb each end with a clear message while the caller stays
responsive. Data crosses the boundary as JSON.

This is a resource limit for honest mistakes, not a security boundary: code in the child
runs as the same user and can read the same files. Do not run code from untrusted strangers
with it; use a container or a separate grading host for that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SandboxReport", "run_source"]

_CHILD = Path(__file__).with_name("_sandbox_child.py")
_MARKER = "@@lessonkit-sandbox-result@@"
_STARTUP_SLACK = 1.0  # seconds for the interpreter to start before the learner's time counts


@dataclass(frozen=True, slots=True)
class SandboxReport:
    """What happened in the child process."""

    status: str
    """``ran``, ``syntax``, ``error``, ``missing``, ``timeout``, ``memory`` or ``crashed``."""
    tests: list[dict[str, Any]] = field(default_factory=list)
    """Per-test records from the child when ``status == "ran"``."""
    error: str = ""
    """Error text for ``syntax``/``error``/``crashed``."""
    output: str = ""
    """What the learner's code printed (truncated)."""
    elapsed: float = 0.0
    """Wall-clock seconds the child ran."""


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def run_source(
    source: str,
    *,
    name: str,
    tests: list[dict[str, Any]],
    setup: str = "",
    timeout: float = 2.0,
    memory_mb: int = 256,
    tolerance: float = 0.0,
) -> SandboxReport:
    """Run ``source`` (after ``setup``) in a child process and test ``name`` in it.

    ``tests`` hold JSON-serialisable ``args``, ``kwargs`` and ``expect``; a ``TypeError`` is
    raised if they are not serialisable.
    """
    import time

    request = json.dumps(
        {
            "source": source,
            "setup": setup,
            "name": name,
            "tests": tests,
            "timeout": timeout,
            "memory_mb": memory_mb,
            "tolerance": tolerance,
        }
    ).encode("utf-8")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lessonkit-sandbox-") as workdir:
        process = subprocess.Popen(
            [sys.executable, "-I", "-X", "utf8", str(_CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env={"LC_ALL": "C.UTF-8", "PATH": os.defpath},
            start_new_session=True,  # its own process group, killed as a whole
        )
        try:
            out, err = process.communicate(request, timeout=timeout + _STARTUP_SLACK)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            return SandboxReport(status="timeout", elapsed=time.monotonic() - started)
    elapsed = time.monotonic() - started
    text = out.decode("utf-8", "replace")
    at = text.rfind(_MARKER)
    if at >= 0:
        try:
            data = json.loads(text[at + len(_MARKER) :].splitlines()[0])
        except (ValueError, IndexError):
            data = None
        if isinstance(data, dict):
            return SandboxReport(
                status=str(data.get("status", "crashed")),
                tests=list(data.get("tests", [])),
                error=str(data.get("error", "")),
                output=str(data.get("output", "")),
                elapsed=elapsed,
            )
    code = process.returncode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return SandboxReport(status="timeout", elapsed=elapsed)
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {code}"]
    if "MemoryError" in tail[0]:
        return SandboxReport(status="memory", elapsed=elapsed)
    return SandboxReport(status="crashed", error=tail[0][:300], elapsed=elapsed)
