"""Attack class: a text-check pattern prone to catastrophic backtracking meets learner input.

With Python's ``re`` such a match cannot be interrupted and hangs the kernel (no time limit
works off the main thread). lessonkit runs patterns on the ``regex`` engine with a timeout.
"""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from lessonkit import checks
from lessonkit.checks import CheckerWarning

# Patterns that backtrack exponentially on a near-miss in Python's re.
EVIL = [r"(a|aa)+", r"(a|a?)+b", r"((ab)*|a)*c"]
NEAR_MISS = "a" * 64 + "!"


@pytest.mark.parametrize("pattern", EVIL)
def test_a_backtracking_pattern_cannot_hang_the_check(pattern: str) -> None:
    spec = checks.Text(regex=pattern)
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CheckerWarning)
        result = checks.check(spec, NEAR_MISS)
    assert time.monotonic() - started < 3.0
    assert not result.correct


def test_a_pattern_that_runs_out_of_time_costs_the_learner_nothing() -> None:
    spec = checks.Text(regex=EVIL[0])  # exponential even on the regex engine: hits the limit
    with pytest.warns(CheckerWarning, match="took too long"):
        result = checks.check(spec, NEAR_MISS)
    assert not result.understood  # no attempt is used up by the author's pattern
    assert "could not be checked" in result.feedback


def test_the_bound_holds_off_the_main_thread() -> None:
    spec = checks.Text(regex=EVIL[0])
    box: list[object] = []

    def work() -> None:
        with pytest.warns(CheckerWarning):
            box.append(checks.check(spec, NEAR_MISS))

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 3.0
    assert box and not box[0].understood  # type: ignore[attr-defined]


def test_honest_patterns_still_match() -> None:
    spec = checks.Text(regex=r"(the )?median")
    assert checks.check(spec, "The Median").correct
    assert not checks.check(spec, "mean").correct
