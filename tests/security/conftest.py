"""Fixtures for attacking the code sandbox: timing every check, and nothing left behind.

The ``sandbox`` fixture (``tests/conftest.py``) skips these tests locally without bubblewrap,
saying why, but fails them when ``CI`` is set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

LIMIT = 1.0
"""The time limit every attack runs under (seconds)."""
RETURN_WITHIN = LIMIT + 1.0
"""The checker must return within the limit plus one second, whatever the code does."""


def host_processes(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def _children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def leaves_no_children() -> Iterator[None]:
    """After each attack the test process (the server) has no child processes left that the
    attack started (children from before it, e.g. a session's browser driver, are not its)."""
    before = set(_children())
    yield
    deadline = time.monotonic() + 1.0
    while set(_children()) - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(set(_children()) - before) == [], "a sandbox process outlived its check"


@pytest.fixture
def timed() -> Callable[..., Any]:
    """Call a function and assert it returned within :data:`RETURN_WITHIN` seconds."""

    def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.monotonic()
        result = function(*args, **kwargs)
        elapsed = time.monotonic() - started
        assert elapsed < RETURN_WITHIN, f"the checker took {elapsed:.2f} s"
        return result

    return run
