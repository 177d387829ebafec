"""Running learner code in a sandbox process (bubblewrap) and getting plain data back.

>>> status = isolation_status()                        # doctest: +SKIP
>>> status.available, status.reason                    # doctest: +SKIP
(True, 'learner code runs in bubblewrap 0.8.0: its own process and network namespaces, ...')
>>> run = run_learner_code("def f(x):\\n    return x * 2\\n", name="f", calls=[((3,), {})])
...                                                    # doctest: +SKIP
>>> run.status, run.calls[0].value                     # doctest: +SKIP
('ran', 6)

How it holds together:

- The learner's source runs in a child process inside bubblewrap (:mod:`.bwrap`): its own PID
  and network namespaces, a read-only file system with nothing of the server's files but the
  Python installation, a small scratch ``/tmp`` (size and file count capped, :mod:`.confine`),
  a fixed environment, limits on CPU, memory, file size and processes, a seccomp filter
  against memory held outside the memory limit (:mod:`.seccomp`), and a hard wall-clock
  deadline after which the whole sandbox is killed (:mod:`.process`, which never waits
  without a limit).
- The child only calls the learner's function on the test inputs and reports what came back,
  as plain builtin data (:mod:`.plain`). Expected values never enter it; the caller compares
  (:mod:`lessonkit.checks.code`). An object with a rigged ``__eq__`` cannot cross; printing a
  fake result, writing forged records or exiting early yields at best "the function returned
  these values" or a run marked untrusted (:mod:`.results`).
- Whether the sandbox really confines code is probed once, at the first use
  (:mod:`.status`). When it does not — bubblewrap missing, user namespaces refused — nothing
  runs and :func:`run_learner_code` returns status ``unavailable`` with the reason. Only
  ``LESSONKIT_ISOLATION=none`` (never the default) runs code unconfined, for trusted
  single-user setups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .results import CallOutcome, LearnerRun
from .runner import PROCESS_LIMIT, execute
from .status import ENV_VAR, IsolationStatus, isolation_status

__all__ = [
    "ENV_VAR",
    "PROCESS_LIMIT",
    "CallOutcome",
    "IsolationStatus",
    "LearnerRun",
    "isolation_status",
    "run_learner_code",
]


def run_learner_code(
    source: str,
    *,
    name: str,
    calls: Sequence[tuple[Sequence[Any], Mapping[str, Any]]],
    setup: str = "",
    timeout: float = 2.0,
    memory_mb: int = 256,
) -> LearnerRun:
    """Run ``setup`` then ``source``, and call ``name`` once per ``(args, kwargs)`` in ``calls``.

    ``name`` may also be a variable: its value is then the outcome of every call. Returns
    within about ``timeout`` + 0.7 s whatever the code does (the first call in a process also
    runs the start-up probe, about 0.1 s: call :func:`isolation_status` at start-up). Arguments
    must be plain data (``TypeError`` otherwise). Nothing runs when :func:`isolation_status`
    says isolation is unavailable: the result then has status ``unavailable`` and the reason
    in ``error``. Safe to call from several threads at once.
    """
    status = isolation_status()
    if not status.available:
        return LearnerRun(status="unavailable", error=status.reason)
    return execute(
        source,
        name=name,
        calls=calls,
        layout=status.layout,
        setup=setup,
        timeout=timeout,
        memory_mb=memory_mb,
    )
