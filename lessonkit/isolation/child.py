"""The sandbox child: run the learner's source, call their function, report plain data.

Run as ``python -I -B child.py RESULT_FD`` (inside bubblewrap, see :mod:`.bwrap`). It reads one
JSON request on stdin — the source, the setup code, the name to test, the call arguments and
the limits, but never the expected values — then, before any learner code runs, caps its
scratch directory and drops every privilege (:mod:`confine`, in bubblewrap only), and limits
itself with :mod:`resource`. What the learner's code prints goes to a bounded buffer. It
writes framed records (:func:`plain.frame`) to ``RESULT_FD``::

    {"kind": "defined", "status": "ok" | "syntax" | "error" | "timeout" | "memory" | "missing"}
    {"kind": "call", "index": 0, "status": "returned", "value": ..., "shown": "..."}   # per call
    {"kind": "end", "output": "..."}

and ends with ``os._exit(0)``, so threads the learner started and ``atexit`` handlers do not
run. The learner's code runs in this same process and could write to ``RESULT_FD`` too; the
parent therefore trusts these records only as "the function returned these values", checks
their order and count, and compares them with expected values this process never had.

Standard library only: it imports :mod:`plain`, :mod:`calls` and :mod:`confine` from its own
directory.
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import sys
import time
from typing import TYPE_CHECKING, Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
if TYPE_CHECKING:
    from lessonkit.isolation import calls, confine, plain
else:  # imported by path so that the child does not import (and pay for) lessonkit
    import calls
    import confine
    import plain
sys.path.remove(_HERE)  # the learner's imports do not see the checker's modules


class _Sink(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit
        self._parts: list[str] = []
        self._size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self._limit - self._size
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        """What was kept, with a note when some was dropped."""
        kept = "".join(self._parts)
        return kept + (f"\n… ({self.dropped} more characters not shown)" if self.dropped else "")


def _limit_resources(seconds: float, memory_mb: int, processes: int) -> None:
    cpu = math.ceil(seconds) + 1  # whole seconds; the wall-clock timer stops runs earlier
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:  # memory_mb is on top of what the interpreter already maps
        with open("/proc/self/statm") as statm:
            base = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        base = 64 * 2**20
    memory = base + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))
    # Each open file may hold a socket's or a pipe's kernel buffer (up to about 300 KiB):
    # 64 per process keep that part of the memory bound small.
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (64, 64))  # queued signals are kernel memory
    # Per user, counted in the sandbox's user namespace (or for the unprivileged uid it runs
    # as): bounds fork bombs and thread floods.
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _send(fd: int, record: dict[str, Any]) -> None:
    data = memoryview(plain.frame(record))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _define(request: dict[str, Any], namespace: dict[str, Any], seconds: float) -> dict[str, Any]:
    try:
        with calls.time_limit(seconds):
            if request.get("setup"):
                exec(compile(request["setup"], "<setup>", "exec"), namespace)
            exec(compile(request["source"], "<your code>", "exec"), namespace)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return {"status": "syntax", "error": f"SyntaxError: {exc.msg}{where}"}
    except calls.TestTimeout:
        return {"status": "timeout"}
    except MemoryError:
        return {"status": "memory"}
    except RecursionError:
        return {"status": "error", "error": "RecursionError: too many nested calls"}
    except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by learner code too
        return {"status": "error", "error": calls.describe_error(exc)}
    if request["name"] not in namespace:
        return {"status": "missing"}
    return {"status": "ok"}


def main() -> None:
    """Read the request, limit this process, run the learner's code, report, exit."""
    fd = int(sys.argv[1])
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if request.get("confine"):  # in bubblewrap: cap the scratch tmpfs, drop privileges
        confine.confine(request["confine"])
    timeout = float(request["timeout"])
    _limit_resources(timeout, int(request["memory_mb"]), int(request["processes"]))
    arguments = [(plain.decode(a), plain.decode(k)) for a, k in request["calls"]]
    sink = _Sink(int(request.get("output_limit", 2_000)))
    sys.stdout = sys.stderr = sink
    deadline = time.monotonic() + timeout
    namespace: dict[str, Any] = {"__name__": "__learner__"}
    try:
        defined = _define(request, namespace, timeout)
        _send(fd, {"kind": "defined", **defined})
        if defined["status"] == "ok":
            budget = deadline - time.monotonic()
            records = calls.call_each(
                namespace[request["name"]], arguments, budget=budget, interruptible=False
            )
            for record in records:
                _send(fd, {"kind": "call", **record})
        namespace.clear()  # free what the learner's code allocated before reporting
        _send(fd, {"kind": "end", "output": sink.text()})
    except MemoryError:
        os._exit(plain.OUT_OF_MEMORY)
    os._exit(0)


if __name__ == "__main__":
    main()
