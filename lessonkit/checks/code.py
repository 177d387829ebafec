"""Code checks: the learner's function (or variable) ``name`` run against test cases.

Where the code comes from decides where it runs:

- **source text** (a Voilà text area, the CLI): run in a separate, resource-limited process
  (:mod:`lessonkit.checks.sandbox`); test data must be JSON-serialisable.
- **the kernel** (JupyterLab): with ``response=None`` the name is looked up in ``namespace``
  and tested in-process; an endless loop is interrupted after ``timeout`` seconds when
  checking runs in the kernel's main thread.
- **an object** (the Python API): a function or value given directly is tested in-process.

Each test reports pass/fail with the expected and actual values; the score is the share of
tests passed. A syntax error or a missing name is "not understood" (no attempt is used); an
exception, a timeout or running out of memory is a wrong attempt with a clear message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from ..lesson.specs import Code, CodeTest
from ._runner import run_tests, safe_repr
from .result import CheckResult, make_result, not_understood
from .sandbox import run_source

__all__ = ["check_spec"]

_MAX_SOURCE = 100_000


def _label(spec: Code, test: CodeTest, index: int) -> str:
    if test.name:
        return test.name
    args = [safe_repr(a, 40) for a in test.args]
    args += [f"{k}={safe_repr(v, 40)}" for k, v in test.kwargs.items()]
    return f"{spec.name}({', '.join(args)})" if test.args or test.kwargs else f"test {index + 1}"


def _requests(spec: Code) -> list[dict[str, Any]]:
    return [
        {"args": list(t.args), "kwargs": dict(t.kwargs), "expect": t.expect} for t in spec.tests
    ]


def _problem(spec: Code, status: str, error: str) -> str:
    if status == "timeout":
        return (
            f"Your code ran for longer than {spec.timeout:g} s and was stopped. "
            "Is there a loop that never ends?"
        )
    if status == "memory":
        return f"Your code used more than {spec.memory_mb} MiB of memory and was stopped."
    if status == "crashed":
        return f"Your code stopped the checker unexpectedly ({error})."
    return f"Your code raised an error: {error}"


def _judge(spec: Code, response: Any, records: list[dict[str, Any]], **extra: Any) -> CheckResult:
    tests: list[dict[str, Any]] = []
    lines: list[str] = []
    for index, test in enumerate(spec.tests):
        record = records[index] if index < len(records) else {"status": "not run"}
        label = _label(spec, test, index)
        entry: dict[str, Any] = {
            "name": label,
            "passed": bool(record.get("passed")),
            "status": record.get("status", "not run"),
            "expected": safe_repr(test.expect),
        }
        for key in ("got", "error"):
            if key in record:
                entry[key] = str(record[key])
        tests.append(entry)
        if entry["passed"]:
            lines.append(f"- ✓ {label}")
            continue
        why = {
            "failed": f"expected {entry['expected']}, got {entry.get('got', '?')}",
            "error": f"raised {entry.get('error', 'an error')}",
            "timeout": f"took longer than {spec.timeout:g} s",
            "memory": f"used more than {spec.memory_mb} MiB of memory",
        }.get(entry["status"], "not run")
        lines.append(f"- ✗ {label}: {why}" + (f" — {test.feedback}" if test.feedback else ""))
    passed = sum(t["passed"] for t in tests)
    total = len(tests)
    score = passed / total if total else 1.0
    summary = f"{passed} of {total} tests passed." if total else "Defined."
    return make_result(
        response,
        correct=passed == total,
        score=score,
        feedback="\n".join([summary, *lines]),
        tests=tests,
        **extra,
    )


def _in_process(spec: Code, target: Any, mode: str) -> CheckResult:
    records = run_tests(target, _requests(spec), tolerance=spec.tolerance, budget=spec.timeout)
    evidence: Any = target
    if callable(target):
        import inspect

        with contextlib.suppress(OSError, TypeError):  # its source is better evidence
            evidence = inspect.getsource(target)[:_MAX_SOURCE]
    return _judge(spec, evidence, records, mode=mode)


def check_spec(
    spec: Code, response: Any, *, namespace: Mapping[str, Any] | None = None, **_: Any
) -> CheckResult:
    """Check a code response (see the module docstring)."""
    if isinstance(response, str):
        if not response.strip():
            return not_understood(response, "Please write some code.")
        if len(response) > _MAX_SOURCE:
            return not_understood(response, "Your code is too long to be checked.")
        report = run_source(
            response,
            name=spec.name,
            tests=_requests(spec),
            setup=spec.setup,
            timeout=spec.timeout,
            memory_mb=spec.memory_mb,
            tolerance=spec.tolerance,
        )
        extra: dict[str, Any] = {
            "mode": "sandbox",
            "output": report.output,
            "elapsed": round(report.elapsed, 3),
        }
        if report.status == "syntax":
            return not_understood(response, f"Your code has a syntax error: {report.error}")
        if report.status == "missing":
            return not_understood(response, f"Please define `{spec.name}` in your code.")
        if report.status != "ran":
            message = _problem(spec, report.status, report.error)
            return make_result(response, correct=False, feedback=message, **extra)
        return _judge(spec, response, report.tests, **extra)
    if response is None:
        if namespace is None or spec.name not in namespace:
            return not_understood(
                response, f"Please define `{spec.name}` (and run its cell) first."
            )
        return _in_process(spec, namespace[spec.name], "kernel")
    return _in_process(spec, response, "object")
