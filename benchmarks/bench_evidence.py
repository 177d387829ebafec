"""Evidence stores: durable appends, batched throughput, and reading a million statements.

Baselines measured in the same run:

- a durable JSON-lines append against the floor it cannot beat: ``os.write`` of the same line
  plus ``fdatasync`` on a plain file; a durable SQLite append against raw ``sqlite3`` (same
  pragmas: WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``) inserting the same row. Targets are
  the time lessonkit adds to that floor (validation, JSON encoding, SQLAlchemy), since the
  floor is the disk's flush time and varies a hundredfold between machines;
- reading 1M statements (1000 sessions) into a DataFrame against what a pandas user would
  write, ``pandas.read_json(lines=True)`` on the same files, and against the floor of
  ``json.loads`` on every line; the three take turns, three times each;

- a learner step (answer, then move on) through ``LessonSession`` on the default store
  (JSON-lines, fsync on) against the same step with each event appended on its own (how the
  session wrote before it batched an action's events), interleaved step by step; and the
  durable syncs (``fsync``/``fdatasync`` calls) each makes per step.

Stores live on the checkout's disk (``benchmarks/.scratch``), not in ``/tmp``, which may be a
RAM disk. PostgreSQL rows appear when a throwaway server can be started
(``tests/integration/pgserver``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bigstore import store_files, tile_store
from timing import compared, interleaved, percentile, row, samples, scratch_dir

from lessonkit.evidence import statements_to_frame
from lessonkit.evidence.stores import JsonlStore, open_store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from workers import make_statement  # noqa: E402 - test helper, found through sys.path


def _per_call(fn: Callable[[], Any], *, repeat: int) -> list[float]:
    return samples(fn, repeat=repeat, warmup=3)


def _statements(learner: str, n: int) -> Iterator[dict[str, Any]]:
    registration = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{learner}"))
    for seq in range(n):
        yield make_statement(learner, registration, seq)


def _feeder(learner: str, n: int) -> Callable[[], dict[str, Any]]:
    """A function returning the next fresh statement of one session on each call."""
    pending = list(_statements(learner, n))
    pending.reverse()
    return pending.pop


# ---------------------------------------------------------------------------- single appends


def _single_jsonl(folder: Path, repeat: int) -> tuple[list[float], list[float]]:
    """A durable one-statement append and the raw write+fdatasync floor, in turns."""
    store = JsonlStore(folder / "jsonl")
    nxt = _feeder("single", repeat + 10)
    line = json.dumps(make_statement("raw", str(uuid.uuid4()), 1)).encode() + b"\n"
    fd = os.open(folder / "raw.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def raw() -> None:
        os.write(fd, line)
        os.fdatasync(fd)

    try:
        ours, base = interleaved([lambda: store.append([nxt()]), raw], repeat=repeat, warmup=3)
    finally:
        store.close()
        os.close(fd)
    return ours, base


def _single_sqlite(folder: Path, repeat: int) -> tuple[list[float], list[float]]:
    """A durable one-statement SQLite append and a raw sqlite3 insert+commit, in turns."""
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, statement TEXT NOT NULL)")
    raw_next = _feeder("raw", repeat + 10)

    def insert() -> None:
        statement = raw_next()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING",
            (statement["id"], json.dumps(statement)),
        )
        conn.execute("COMMIT")

    ours_next = _feeder("single", repeat + 10)
    with open_store(f"sqlite:///{folder / 'single.db'}") as store:
        ours, base = interleaved(
            [lambda: store.append([ours_next()]), insert], repeat=repeat, warmup=3
        )
    conn.close()
    return ours, base


def _single_sql(url: str, repeat: int) -> list[float]:
    with open_store(url) as store:
        nxt = _feeder("single", repeat + 10)
        return _per_call(lambda: store.append([nxt()]), repeat=repeat)


def _throughput(url: str, sessions: int, per_session: int) -> float:
    """Statements per second through ``append_many`` (batches of 500), all durable."""
    statements = [s for i in range(sessions) for s in _statements(f"batch-{i}", per_session)]
    # interleave the sessions, as a class's imported evidence would be
    statements.sort(key=lambda s: s["timestamp"])
    with open_store(url) as store:
        store.append_many(_statements("warm-up", 1000), batch_size=500)  # not timed: cold start
        start = time.perf_counter()
        store.append_many(statements, batch_size=500)
        return len(statements) / (time.perf_counter() - start)


def _rates(name: str, urls: list[str], sessions: int, per_session: int) -> dict[str, Any]:
    """Throughput into a fresh store per URL (one per repetition): median and spread."""
    rates = [_throughput(url, sessions, per_session) for url in urls]
    return {
        "name": f"{name} append_many throughput",
        "value": statistics.median(rates),
        "value_p10": percentile(rates, 10),
        "value_p90": percentile(rates, 90),
        "n": len(rates),
        "unit": "statements/s",
        "target": ">= 5000/s",
        "ok": statistics.median(rates) >= 5000,
    }


# ---------------------------------------------------------------------------- big reads


def _read_frame(root: Path) -> int:
    return len(statements_to_frame(JsonlStore(root / "store", create=False).read()))


def _read_pandas(root: Path) -> int:
    """What a pandas user would write: ``read_json(lines=True)`` per file, concatenated.

    Its frame keeps ``actor``, ``verb``, ``result``... as nested dicts (lessonkit's is flat,
    typed analysis columns), and includes each file's header line as a row.
    """
    import pandas as pd

    frames = [pd.read_json(path, lines=True) for path in store_files(root)]
    return len(pd.concat(frames, ignore_index=True))


def _read_json(root: Path) -> int:
    count = 0
    loads = json.loads
    for path in store_files(root):
        with open(path, "rb") as handle:
            for line in handle:
                loads(line)
                count += 1
    return count


def _big_reads(rows: list[dict[str, Any]], folder: Path, quick: bool) -> None:
    sessions = 50 if quick else 1000  # x 1000 statements: 50k or 1M
    registration = str(uuid.uuid5(uuid.NAMESPACE_URL, "bench/template"))
    template = [make_statement("learner-0", registration, seq) for seq in range(1000)]
    n = tile_store(folder / "big", template, sessions)
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    counts: dict[str, int] = {}

    def measured(name: str, fn: Callable[[Path], int]) -> Callable[[], None]:
        def call() -> None:
            counts[name] = fn(folder / "big")

        return call

    ours, pandas, floor = interleaved(
        [
            measured("ours", _read_frame),
            measured("pandas", _read_pandas),
            measured("json", _read_json),
        ],
        repeat=3,
        warmup=0,  # each turn reads every file; the page cache is warm from writing them
        collect=True,
    )
    assert counts["ours"] == n and counts["pandas"] == counts["json"] == n + sessions, counts
    rows.append(row(f"pandas.read_json(lines=True), {label} statements [baseline]", pandas))
    rows.append(row(f"json.loads of every line, {label} statements [floor]", floor))
    result = compared(f"jsonl store -> DataFrame, {label} statements", ours, pandas,
                      "pandas.read_json(lines=True)")  # fmt: skip
    result.update(
        target="<= 1x pandas.read_json",
        ok=result["ratio"] <= 1.0,
        ratio_to_json_loads=result["median_s"] / statistics.median(floor),
        rate_per_s=n / result["median_s"],
        note="lessonkit's frame is flat and typed; pandas' keeps nested dicts",
    )
    rows.append(result)


# ---------------------------------------------------------------------------- learner steps


class _PerEvent:
    """A store used as the session used it before batching: one durable append per event."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def append(self, statements: Any) -> None:
        for statement in statements:
            self.store.append([statement])


def _step_lesson(steps: int) -> Any:
    import lessonkit as lk
    from lessonkit.checks import Numeric

    questions = [
        lk.Question(
            id=f"q{i}",
            prompt=f"{i} + {i} = ?",
            check=Numeric(answer=2 * i),
            competencies=("add",),
            next=f"q{i + 1}" if i + 1 < steps else "done",
        )
        for i in range(steps)
    ]
    return lk.Lesson(
        id="bench-steps",
        title="Steps",
        competencies=(lk.Competency(id="add", title="Adds"),),
        steps=(*questions, lk.End(id="done")),
    )


def _step(session: Any) -> None:
    """One learner step: answer the current question (right), then move on."""
    session.submit(2 * int(session.current_id[1:]))
    session.advance()


def _count_syncs(fn: Callable[[], None], times: int) -> float:
    """Durable syncs (``os.fsync`` + ``os.fdatasync`` calls) per call of ``fn``."""
    calls = [0]
    real = {name: getattr(os, name) for name in ("fsync", "fdatasync") if hasattr(os, name)}

    def counting(real_fn: Callable[[int], None]) -> Callable[[int], None]:
        def wrapper(fd: int) -> None:
            calls[0] += 1
            real_fn(fd)

        return wrapper

    for name, fn_ in real.items():
        setattr(os, name, counting(fn_))
    try:
        for _ in range(times):
            fn()
    finally:
        for name, fn_ in real.items():
            setattr(os, name, fn_)
    return calls[0] / times


def _learner_steps(folder: Path, repeat: int) -> list[dict[str, Any]]:
    import lessonkit as lk

    lesson = _step_lesson(repeat + 40)
    root = folder / "steps"  # the default store: JSON-lines, fsync on
    with JsonlStore(root) as store:
        batched = lk.LessonSession(lesson, learner="batched", store=store)
        per_event = lk.LessonSession(lesson, learner="per-event", store=_PerEvent(store))
        for session in (batched, per_event):
            session.start()
            for _ in range(5):  # warm up: files open, caches hot
                _step(session)
        syncs = {
            "batched": _count_syncs(lambda: _step(batched), 10),
            "per_event": _count_syncs(lambda: _step(per_event), 10),
        }
        per_event_times, batched_times = interleaved(
            [lambda: _step(per_event), lambda: _step(batched)], repeat=repeat, warmup=0
        )  # in turns, so both meet the same disk weather
    result = compared(
        "learner step, one append per action", batched_times, per_event_times,
        "one append per event",
    )  # fmt: skip
    result.update(target="fewer syncs, not slower", ok=result["ratio"] <= 1.05)
    return [
        row("learner step, one append per event [baseline]", per_event_times),
        result,
        {
            "name": "durable syncs per step, one append per event",
            "value": syncs["per_event"],
            "unit": "syncs",
            "target": "",
            "ok": None,
        },
        {
            "name": "durable syncs per step, one append per action",
            "value": syncs["batched"],
            "unit": "syncs",
            "target": "1 per action (2 per step)",
            "ok": syncs["batched"] == 2.0,
        },
    ]


# ---------------------------------------------------------------------------- run


def _pg_url() -> tuple[Any, str | None]:
    try:
        from pgserver import PgServer, PgUnavailableError
    except ImportError:
        return None, None
    try:
        server = PgServer()
        server.start()
    except PgUnavailableError as exc:
        print(f"  (PostgreSQL rows skipped: {exc})", file=sys.stderr)
        return None, None
    return server, server.url("bench")


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark rows (see ``benchmarks/run.py`` for the format)."""
    repeat = 100 if quick else 1000
    sessions, per_session = (10, 500) if quick else (50, 1000)
    rows: list[dict[str, Any]] = []
    folder = scratch_dir("evidence-")
    try:
        rows.extend(_learner_steps(folder, 200 if quick else 1000))
        ours, base = _single_jsonl(folder, repeat)
        rows.append(row("raw os.write + fdatasync [baseline]", base))
        result = compared("jsonl durable append (1 statement)", ours, base, "raw write+fdatasync")
        result.update(
            target="<= raw + 0.25 ms",
            ok=result["median_s"] <= result["baseline_median_s"] + 0.25e-3,
        )
        rows.append(result)
        lite, raw = _single_sqlite(folder, repeat)
        rows.append(row("raw sqlite3 insert+commit FULL [baseline]", raw))
        result = compared("sqlite durable append (1 statement)", lite, raw, "raw sqlite3")
        result.update(
            target="<= raw + 0.5 ms",
            ok=result["median_s"] <= result["baseline_median_s"] + 0.5e-3,
        )
        rows.append(result)
        reps = range(3)
        rows.append(
            _rates("jsonl", [str(folder / f"batch-{k}") for k in reps], sessions, per_session)
        )
        rows.append(
            _rates(
                "sqlite", [f"sqlite:///{folder / f'batch-{k}.db'}" for k in reps], sessions,
                per_session,
            )
        )  # fmt: skip

        server, pg = _pg_url()
        if server is not None and pg is not None:
            try:
                single = row("postgresql durable append (1 statement)", _single_sql(pg, repeat))
                single.update(target="p99 < 50 ms", ok=single.get("p99_s", 1.0) < 0.05)
                rows.append(single)
                rows.append(_rates("postgresql", [pg], sessions, per_session))
            finally:
                server.stop()

        _big_reads(rows, folder, quick)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows
