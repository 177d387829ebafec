"""Eight processes write evidence for the same lesson at once: nothing lost, nothing doubled.

SQLite (WAL, ``BEGIN IMMEDIATE``, busy timeout) and a real PostgreSQL server. Every process
appends its own session one statement per transaction and, on SQL stores, also retries batches
of another process's statements while that process is writing them, racing the
``ON CONFLICT DO NOTHING`` path. The JSON-lines store is included without the cross-retries
(its files take one writer each by design).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lessonkit.evidence.stores import open_store

from .conftest import ROOT, WORKERS
from .workers import make_statement, registration_of

pytestmark = pytest.mark.integration

PROCESSES = 8
COUNT = 150


def run_writers(url: str, *, cross_retries: bool) -> None:
    learners = [f"learner-{i}" for i in range(PROCESSES)]
    procs = []
    try:
        for i, learner in enumerate(learners):
            other = learners[(i + 1) % PROCESSES] if cross_retries else "-"
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(WORKERS), "concurrent", url, learner, str(COUNT), other],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
            )
        for proc in procs:  # all imported and connected: start together
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "ready", proc.communicate(timeout=60)[1]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()  # our own child, by its handle
                proc.wait()


def check(url: str) -> None:
    with open_store(url, create=False) as store:
        statements = list(store.read(lesson="crash-lesson"))
        expected = {(f"learner-{i}", seq) for i in range(PROCESSES) for seq in range(COUNT)}
        ids = [s["id"] for s in statements]
        assert len(ids) == len(set(ids)), "duplicated statements"
        got = {
            (
                s["actor"]["account"]["name"],
                s["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"],
            )
            for s in statements
        }
        assert got == expected, f"lost {len(expected - got)}, unexpected {len(got - expected)}"
        for statement in statements:
            learner = statement["actor"]["account"]["name"]
            seq = statement["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"]
            assert statement == make_statement(learner, registration_of(learner), seq)
        for i in range(PROCESSES):
            assert store.registrations(f"learner-{i}", "crash-lesson") == [
                registration_of(f"learner-{i}")
            ]


def test_eight_processes_into_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evidence.db'}"  # created by the racing writers themselves
    run_writers(url, cross_retries=True)
    check(url)


def test_eight_processes_into_postgresql(pg_url: str) -> None:
    run_writers(pg_url, cross_retries=True)
    check(pg_url)


def test_eight_processes_into_json_lines(tmp_path: Path) -> None:
    url = str(tmp_path / "evidence")
    run_writers(url, cross_retries=False)
    check(url)
