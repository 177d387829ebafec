"""The sandbox's child process: limit itself, run the learner's source, report as JSON.

Run as a script (``python -I _sandbox_child.py``); reads one JSON request on stdin and writes
one line starting with :data:`MARKER` followed by the JSON report on stdout. Resource limits are
set before any learner code runs. Standard library only; it imports ``_runner`` from its own
directory, not lessonkit.
"""

from __future__ import annotations

import gc
import io
import json
import os
import sys
from typing import TYPE_CHECKING, Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if TYPE_CHECKING:
    from lessonkit.checks._runner import TestTimeout, describe_error, run_tests, time_limit
else:  # imported by path so that the child does not import (and pay for) lessonkit
    from _runner import TestTimeout, describe_error, run_tests, time_limit

MARKER = "@@lessonkit-sandbox-result@@"
_OUTPUT_LIMIT = 2_000


def _limit_resources(seconds: float, memory_mb: int) -> None:
    import math
    import resource

    cpu = math.ceil(seconds) + 1  # whole seconds; the wall-clock timer stops runs earlier
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:  # memory_mb is on top of what the interpreter already maps
        with open("/proc/self/statm") as statm:
            base = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        base = 64 * 2**20
    limit = base + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))


def _run(request: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    timeout = float(request["timeout"])
    try:
        with time_limit(timeout):
            if request.get("setup"):
                exec(compile(request["setup"], "<setup>", "exec"), namespace)
            code = compile(request["source"], "<your code>", "exec")
            exec(code, namespace)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return {"status": "syntax", "error": f"SyntaxError: {exc.msg}{where}"}
    except TestTimeout:
        return {"status": "timeout"}
    except MemoryError:
        return {"status": "memory"}
    except RecursionError:
        return {"status": "error", "error": "RecursionError: too many nested calls"}
    except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by learner code too
        return {"status": "error", "error": describe_error(exc)}
    name = request["name"]
    if name not in namespace:
        return {"status": "missing"}
    tests = run_tests(
        namespace[name], request["tests"], tolerance=float(request["tolerance"]), budget=timeout
    )
    return {"status": "ran", "tests": tests}


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    _limit_resources(float(request["timeout"]), int(request["memory_mb"]))
    out = sys.stdout
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured
    namespace: dict[str, Any] = {"__name__": "__learner__"}
    try:
        report = _run(request, namespace)
    except MemoryError:
        report = {"status": "memory"}
    except TestTimeout:
        report = {"status": "timeout"}
    namespace.clear()  # free whatever the learner's code allocated before reporting
    gc.collect()
    report["output"] = captured.getvalue()[:_OUTPUT_LIMIT]
    out.write("\n" + MARKER + json.dumps(report) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
