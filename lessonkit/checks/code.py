"""Code checks: the learner's function (or variable) ``name`` run against test cases.

Where the code comes from decides where it runs:

- **source text** (a Voilà text area, the CLI, grading): run in the sandbox
  (:func:`lessonkit.isolation.run_learner_code`: bubblewrap, plain-data results); test
  arguments must be plain data. Where the sandbox is unavailable nothing runs and the result
  says so (not counted as an attempt).
- **the kernel** (JupyterLab): with ``response=None`` the name is looked up in ``namespace``
  and tested in-process; an endless loop is interrupted after ``timeout`` seconds when
  checking runs in the kernel's main thread.
- **an object** (the Python API): a function or value given directly is tested in-process.

In every case the function's results are reduced to plain builtin data before they are
compared here with the expected values, so an object with a rigged ``__eq__`` never passes;
in the sandbox the expected values do not even exist.

Each test reports pass/fail with the expected and actual values; the score is the share of
tests passed. A syntax error or a missing name is "not understood" (no attempt is used); an
exception, a timeout or running out of memory is a wrong attempt with a clear message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from ..i18n import Translator, translator
from ..isolation import CallOutcome, run_learner_code
from ..lesson.specs import Code, CodeTest
from ._runner import compare, run_in_process, safe_repr
from .result import CheckResult, make_result, not_understood

__all__ = ["check_spec"]

_MAX_SOURCE = 100_000


def _label(spec: Code, test: CodeTest, index: int, t: Translator) -> str:
    if test.name:
        return test.name
    args = [safe_repr(a, 40) for a in test.args]
    args += [f"{k}={safe_repr(v, 40)}" for k, v in test.kwargs.items()]
    if test.args or test.kwargs:
        return f"{spec.name}({', '.join(args)})"
    return t.gettext("test {n}").format(n=t.number(index + 1))


def _calls(spec: Code) -> list[tuple[Sequence[Any], Mapping[str, Any]]]:
    return [(t.args, t.kwargs) for t in spec.tests]


def _problem(spec: Code, status: str, error: str, t: Translator) -> str:
    if status == "timeout":
        return t.gettext(
            "Your code ran for longer than {seconds} s and was stopped. "
            "Is there a loop that never ends?"
        ).format(seconds=t.number(spec.timeout))
    if status == "memory":
        return t.gettext("Your code used more than {mib} MiB of memory and was stopped.").format(
            mib=t.number(spec.memory_mb)
        )
    if status == "crashed":
        return t.gettext("Your code stopped the checker unexpectedly ({error}).").format(
            error=error
        )
    if status == "untrusted":
        return t.gettext(
            "The checker could not trust the results of your code (it wrote to the checker's "
            "result channel or kept running after reporting), so no test counts."
        )
    return t.gettext("Your code raised an error: {error}").format(error=error)


def _why(spec: Code, entry: Mapping[str, Any], t: Translator) -> str:
    status = entry["status"]
    got = entry.get("got", "?")
    if status == "failed":
        return t.gettext("expected {expected}, got {got}").format(
            expected=entry["expected"], got=got
        )
    if status == "uncomparable":
        return t.gettext(
            "returned {got} ({error}), which cannot be compared: return numbers, strings, "
            "lists, tuples, dicts or sets"
        ).format(got=got, error=entry.get("error") or t.gettext("an object"))
    if status == "error":
        return t.gettext("raised {error}").format(error=entry.get("error") or t.gettext("an error"))
    if status == "timeout":
        return t.gettext("took longer than {seconds} s").format(seconds=t.number(spec.timeout))
    if status == "memory":
        return t.gettext("used more than {mib} MiB of memory").format(mib=t.number(spec.memory_mb))
    return t.gettext("not run")


def _judge(
    spec: Code, response: Any, outcomes: Sequence[CallOutcome], t: Translator, **extra: Any
) -> CheckResult:
    tests: list[dict[str, Any]] = []
    lines: list[str] = []
    for index, test in enumerate(spec.tests):
        outcome = outcomes[index] if index < len(outcomes) else CallOutcome(status="not run")
        label = _label(spec, test, index, t)
        entry = {"name": label, "expected": safe_repr(test.expect)}
        entry.update(compare(outcome, test.expect, spec.tolerance))
        tests.append(entry)
        if entry["passed"]:
            lines.append(f"- ✓ {label}")
            continue
        why = _why(spec, entry, t)
        lines.append(f"- ✗ {label}: {why}" + (f" — {test.feedback}" if test.feedback else ""))
    passed = sum(test["passed"] for test in tests)
    total = len(tests)
    score = passed / total if total else 1.0
    summary = (
        t.ngettext("{passed} of {n} test passed.", "{passed} of {n} tests passed.", total).format(
            passed=t.number(passed), n=t.number(total)
        )
        if total
        else t.gettext("Defined.")
    )
    return make_result(
        response,
        correct=passed == total,
        score=score,
        feedback="\n".join([summary, *lines]),
        tests=tests,
        **extra,
    )


def _in_process(spec: Code, target: Any, mode: str, t: Translator) -> CheckResult:
    outcomes = run_in_process(target, _calls(spec), budget=spec.timeout)
    evidence: Any = target
    if callable(target):
        import inspect

        with contextlib.suppress(OSError, TypeError):  # its source is better evidence
            evidence = inspect.getsource(target)[:_MAX_SOURCE]
    return _judge(spec, evidence, outcomes, t, mode=mode)


def _from_source(spec: Code, response: str, t: Translator) -> CheckResult:
    run = run_learner_code(
        response,
        name=spec.name,
        calls=_calls(spec),
        setup=spec.setup,
        timeout=spec.timeout,
        memory_mb=spec.memory_mb,
    )
    if run.status == "unavailable":
        return not_understood(
            response,
            t.gettext(
                "Code cannot be checked on this server: {why}. Please tell the server's operator."
            ).format(why=run.error),
            mode="unavailable",
            isolation=run.error,
        )
    extra: dict[str, Any] = {
        "mode": "sandbox",
        "isolation": run.isolation,
        "output": run.output,
        "elapsed": round(run.elapsed, 3),
    }
    if run.status == "syntax":
        return not_understood(
            response, t.gettext("Your code has a syntax error: {error}").format(error=run.error)
        )
    if run.status == "missing":
        return not_understood(
            response, t.gettext("Please define `{name}` in your code.").format(name=spec.name)
        )
    if run.status != "ran":
        message = _problem(spec, run.status, run.error, t)
        return make_result(response, correct=False, feedback=message, **extra)
    return _judge(spec, response, run.calls, t, **extra)


def check_spec(
    spec: Code,
    response: Any,
    *,
    namespace: Mapping[str, Any] | None = None,
    language: str | None = None,
    **_: Any,
) -> CheckResult:
    """Check a code response (see the module docstring)."""
    t = translator(language)
    if isinstance(response, str):
        if not response.strip():
            return not_understood(response, t.gettext("Please write some code."))
        if len(response) > _MAX_SOURCE:
            return not_understood(response, t.gettext("Your code is too long to be checked."))
        return _from_source(spec, response, t)
    if response is None:
        if namespace is None or spec.name not in namespace:
            return not_understood(
                response,
                t.gettext("Please define `{name}` (and run its cell) first.").format(
                    name=spec.name
                ),
            )
        return _in_process(spec, namespace[spec.name], "kernel", t)
    return _in_process(spec, response, "object", t)
