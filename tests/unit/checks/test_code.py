"""Code checks: source text in the sandbox, kernel namespaces, objects; per-test feedback."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lessonkit.checks import Code, CodeTest, check

pytestmark = pytest.mark.usefixtures("sandbox")  # source text runs in the sandbox

TOTAL = Code(
    name="total",
    tests=(
        CodeTest(args=([1, 2, 3],), expect=6, name="a short list"),
        CodeTest(args=([],), expect=0, feedback="Start from 0."),
        CodeTest(args=([0.1, 0.2],), expect=0.3),
    ),
    timeout=1.0,
    memory_mb=64,
)
GOOD = """\
def total(values):
    result = 0
    for v in values:
        result += v
    return result
"""


def test_source_text_passes_in_the_sandbox() -> None:
    result = check(TOTAL, GOOD)
    assert result.correct and result.score == 1.0
    assert result.details["mode"] == "sandbox"
    assert [t["passed"] for t in result.details["tests"]] == [True, True, True]
    assert result.feedback.startswith("3 of 3 tests passed.")


def test_per_test_feedback_and_partial_score() -> None:
    source = "def total(values):\n    return sum(values) + (1 if not values else 0)\n"
    result = check(TOTAL, source)
    assert not result.correct and result.score == pytest.approx(2 / 3)
    assert "✗ total([]): expected 0, got 1 — Start from 0." in result.feedback
    assert "✓ a short list" in result.feedback


def test_runtime_errors_are_reported_per_test() -> None:
    result = check(TOTAL, "def total(values):\n    return values[0] * 2 + len(values)\n")
    entry = result.details["tests"][1]
    assert entry["status"] == "error" and "IndexError" in entry["error"]


def test_print_output_is_captured_not_leaked() -> None:
    result = check(TOTAL, "print('hello')\n" + GOOD)
    assert result.correct
    assert result.details["output"] == "hello\n"


def test_syntax_errors_and_missing_names_are_not_attempts() -> None:
    syntax = check(TOTAL, "def total(values) return 0")
    assert (
        not syntax.understood and "syntax error" in syntax.feedback and "line 1" in syntax.feedback
    )
    missing = check(TOTAL, "def summe(values):\n    return 0\n")
    assert not missing.understood and "`total`" in missing.feedback
    assert not check(TOTAL, "  ").understood


def test_endless_loop_is_stopped_with_a_clear_message() -> None:
    started = time.monotonic()
    result = check(TOTAL, "while True:\n    pass\n")
    assert time.monotonic() - started < 5
    assert result.understood and not result.correct
    assert "longer than 1 s" in result.feedback


def test_endless_loop_inside_the_function() -> None:
    result = check(TOTAL, "def total(values):\n    while True:\n        pass\n")
    statuses = [t["status"] for t in result.details["tests"]]
    assert statuses == ["timeout", "not run", "not run"]
    assert "took longer than 1 s" in result.feedback


@pytest.mark.parametrize(
    "source",
    [
        "x = bytearray(10**10)\n",
        "x = []\nwhile True:\n    x.append(' ' * 100_000)\n",
        "def total(values):\n    x = []\n    while True:\n        x.append(bytearray(10**6))\n",
    ],
)
def test_memory_bombs_are_stopped_with_a_clear_message(source: str) -> None:
    started = time.monotonic()
    result = check(TOTAL, source)
    assert time.monotonic() - started < 5
    assert not result.correct
    assert "MiB of memory" in result.feedback


def test_sleeping_code_hits_the_wall_clock_limit() -> None:
    spec = Code(name="f", timeout=0.5)
    started = time.monotonic()
    result = check(spec, "import time\ntime.sleep(30)\n")
    assert time.monotonic() - started < 3
    assert "longer than 0.5 s" in result.feedback


def test_the_child_sees_no_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret")
    spec = Code(name="token", tests=(CodeTest(expect=None),))
    assert check(spec, "import os\ntoken = os.environ.get('JUPYTERHUB_API_TOKEN')\n").correct


def test_exiting_the_process_is_a_crash_not_a_hang() -> None:
    result = check(TOTAL, "import os\nos._exit(3)\n")
    assert not result.correct and "stopped the checker" in result.feedback


def test_setup_code_runs_first() -> None:
    spec = Code(name="y", setup="import math\nBASE = 2", tests=(CodeTest(expect=4.0),))
    assert check(spec, "y = math.pow(BASE, 2)\n").correct


def test_kernel_namespace_lookup() -> None:
    def total(values: list[float]) -> float:
        return sum(values)

    result = check(TOTAL, None, namespace={"total": total})
    assert result.correct and result.details["mode"] == "kernel"
    assert "def total" in result.response_text
    missing = check(TOTAL, None, namespace={})
    assert not missing.understood and "run its cell" in missing.feedback


def test_objects_and_variables_directly() -> None:
    assert check(TOTAL, sum).correct
    variable = Code(name="answer", tests=(CodeTest(expect=[1, 2]),))
    assert check(variable, (1, 2)).correct
    assert not check(variable, [2, 1]).correct


def test_in_process_arguments_are_copies() -> None:
    def total(values: list[int]) -> int:
        values.append(100)
        return sum(values) - 100

    assert check(TOTAL, total).correct
    assert TOTAL.tests[0].args == ([1, 2, 3],)


def test_in_process_timeout_in_the_main_thread() -> None:
    def total(values: Any) -> int:
        while True:
            pass

    spec = Code(name="total", tests=(CodeTest(args=([],), expect=0),), timeout=0.3)
    result = check(spec, total)
    assert result.details["tests"][0]["status"] == "timeout"


class Weird:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no equality")

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_hostile_return_values() -> None:
    spec = Code(name="f", tests=(CodeTest(expect=1),))
    result = check(spec, Weird)  # calling the class returns a hostile object
    assert not result.correct and result.details["tests"][0]["got"].startswith("<unprintable")


def test_an_outer_alarm_survives_an_in_process_check() -> None:
    import signal

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.4)
        assert check(TOTAL, sum).correct
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 0.4
        time.sleep(0.5)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_setup_may_import_pandas_and_numpy_results_compare_as_numbers() -> None:
    spec = Code(
        name="total",
        setup="import pandas as pd\nDATA = pd.Series([1, 2, 3])",
        tests=(CodeTest(expect=6), CodeTest(expect=6.0)),
        timeout=10,
    )
    result = check(spec, "def total():\n    return DATA.sum()\n")
    assert result.correct, result.feedback


def test_tuples_dicts_and_sets_compare_by_value() -> None:
    spec = Code(
        name="shape",
        tests=(CodeTest(args=([1, 2],), expect={"first": [1], "rest": (2,), "all": {1, 2}}),),
    )
    source = "def shape(xs):\n    return {'first': xs[:1], 'rest': tuple(xs[1:]), 'all': set(xs)}\n"
    assert check(spec, source).correct


def test_an_object_that_cannot_be_compared_is_a_clear_failure() -> None:
    spec = Code(name="f", tests=(CodeTest(expect=1),))
    result = check(spec, "class Box:\n    pass\ndef f():\n    return Box()\n")
    assert not result.correct and result.details["tests"][0]["status"] == "uncomparable"
    assert "(a Box), which cannot be compared" in result.feedback
    assert result.details["isolation"] == "bubblewrap"


def test_tolerance_is_applied_outside_the_sandbox() -> None:
    spec = Code(name="pi", tolerance=0.01, tests=(CodeTest(expect=3.14159),))
    assert check(spec, "pi = 3.14\n").correct
    assert not check(spec, "pi = 3.2\n").correct
    assert check(spec, "def pi():\n    return 3.1416\n").correct  # a function is called
