"""Evidence stores and statement analysis: durable appends, batched throughput, 1M-row reads.

Baselines measured in the same run:

- a durable JSON-lines append against the floor it cannot beat: ``os.write`` of the same line
  plus ``fdatasync`` on a plain file;
- a durable SQLite append against raw ``sqlite3`` (same pragmas: WAL, ``synchronous=FULL``,
  ``BEGIN IMMEDIATE``) inserting the same row;

Append targets are stated as the time lessonkit adds to that floor (validation, JSON encoding,
SQLAlchemy), since the floor itself is the disk's flush time and varies a hundredfold between
machines.
- reading statements into a DataFrame against plain ``json.loads`` over the same lines;
- a learner step (answer, then move on) through ``LessonSession`` on the default store
  (JSON-lines, fsync on) against the same step with each event appended on its own (how the
  session wrote before it batched an action's events), interleaved step by step; and the
  durable syncs (``fsync``/``fdatasync`` calls) each makes per step.

PostgreSQL rows appear when a throwaway server can be started (``tests/integration/pgserver``).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from timing import per_call

from lessonkit.evidence import statement_id, statements_to_frame
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import JsonlStore, open_store
from lessonkit.evidence.stores.jsonl import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from workers import make_statement  # noqa: E402 - test helper, found through sys.path


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


def _single_jsonl(folder: Path, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    store = JsonlStore(folder / "jsonl")
    nxt = _feeder("single", repeat + 10)
    ours = per_call(lambda: store.append([nxt()]), repeat=repeat)
    store.close()
    line = json.dumps(make_statement("raw", str(uuid.uuid4()), 1)).encode() + b"\n"
    fd = os.open(folder / "raw.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def raw() -> None:
        os.write(fd, line)
        os.fdatasync(fd)

    base = per_call(raw, repeat=repeat)
    os.close(fd)
    return ours, base


def _single_sql(url: str, repeat: int) -> dict[str, float]:
    with open_store(url) as store:
        nxt = _feeder("single", repeat + 10)
        return per_call(lambda: store.append([nxt()]), repeat=repeat)


def _raw_sqlite(path: Path, repeat: int) -> dict[str, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, statement TEXT NOT NULL)")
    nxt = _feeder("raw", repeat + 10)

    def insert() -> None:
        statement = nxt()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING",
            (statement["id"], json.dumps(statement)),
        )
        conn.execute("COMMIT")

    result = per_call(insert, repeat=repeat)
    conn.close()
    return result


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


# ---------------------------------------------------------------------------- big reads


def _write_big_store(root: Path, sessions: int, per_session: int) -> None:
    """``sessions`` files of ``per_session`` statements, written directly (fast)."""
    template_reg = str(uuid.uuid5(uuid.NAMESPACE_URL, "bench/template"))
    template = [
        json.dumps(make_statement("learner-0", template_reg, seq), separators=(",", ":"))
        for seq in range(per_session)
    ]
    store = JsonlStore(root)
    for k in range(sessions):
        learner = f"learner-{k}"
        registration = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{k}"))
        ref = LearnerRef(id=learner, home_page="https://hub.example.org/")
        path = store.path_for("crash-lesson", ref, registration)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "lessonkit": "evidence",
            "schema": SCHEMA_VERSION,
            "lesson": "crash-lesson",
            "learner": {"name": learner, "homePage": ref.home_page},
            "registration": registration,
            "created": "2025-03-01T08:00:00.000000Z",
        }
        out = [json.dumps(header)]
        for seq, line in enumerate(template):
            out.append(
                line.replace(statement_id(template_reg, seq), statement_id(registration, seq))
                .replace(template_reg, registration)
                .replace('"name":"learner-0"', f'"name":"{learner}"')
            )
        path.write_text("\n".join(out) + "\n")


def _read_frame(root: Path) -> int:
    frame = statements_to_frame(JsonlStore(root, create=False).read())
    return len(frame)


def _read_json(root: Path) -> int:
    count = 0
    loads = json.loads
    for path in sorted(root.rglob("*.jsonl")):
        with open(path, "rb") as handle:
            for line in handle:
                loads(line)
                count += 1
    return count


def _time_once(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2], result


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
    import statistics

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
        times: dict[str, list[float]] = {"batched": [], "per_event": []}
        for _ in range(repeat):  # interleaved, so both meet the same disk weather
            for name, session in (("batched", batched), ("per_event", per_event)):
                start = time.perf_counter()
                _step(session)
                times[name].append(time.perf_counter() - start)
    stats = {}
    for name, values in times.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        stats[name] = {"median_s": statistics.median(values), "p99_s": p99}
    before, after = stats["per_event"], stats["batched"]
    return [
        {"name": "learner step, one append per event [baseline]", **before},
        {
            "name": "learner step, one append per action",
            **after,
            "baseline": "one append per event",
            "ratio": after["median_s"] / before["median_s"],
            "p99_ratio": after["p99_s"] / before["p99_s"],
            "target": "fewer syncs, not slower",
            "ok": after["median_s"] <= before["median_s"] * 1.05,
        },
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
    big_sessions = 50 if quick else 1000  # x 1000 statements: 50k or 1M
    rows: list[dict[str, Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="lessonkit-bench-"))
    try:
        rows.extend(_learner_steps(folder, 200 if quick else 1000))
        ours, base = _single_jsonl(folder, repeat)
        rows.append({"name": "raw os.write + fdatasync [baseline]", **base})
        rows.append(
            {
                "name": "jsonl durable append (1 statement)",
                **ours,
                "baseline": "raw write+fdatasync",
                "ratio": ours["median_s"] / base["median_s"],
                "target": "<= raw + 0.25 ms",
                "ok": ours["median_s"] <= base["median_s"] + 0.25e-3,
            }
        )
        raw = _raw_sqlite(folder / "raw.db", repeat)
        rows.append({"name": "raw sqlite3 insert+commit FULL [baseline]", **raw})
        lite = _single_sql(f"sqlite:///{folder / 'single.db'}", repeat)
        rows.append(
            {
                "name": "sqlite durable append (1 statement)",
                **lite,
                "baseline": "raw sqlite3",
                "ratio": lite["median_s"] / raw["median_s"],
                "target": "<= raw + 0.5 ms",
                "ok": lite["median_s"] <= raw["median_s"] + 0.5e-3,
            }
        )
        for name, url in (
            ("jsonl", str(folder / "batch-jsonl")),
            ("sqlite", f"sqlite:///{folder / 'batch.db'}"),
        ):
            rate = _throughput(url, sessions, per_session)
            rows.append(
                {
                    "name": f"{name} append_many throughput",
                    "value": rate,
                    "unit": "statements/s",
                    "target": ">= 5000/s",
                    "ok": rate >= 5000,
                }
            )

        server, pg = _pg_url()
        if server is not None and pg is not None:
            try:
                single = _single_sql(pg, repeat)
                rows.append(
                    {
                        "name": "postgresql durable append (1 statement)",
                        **single,
                        "target": "p99 < 50 ms",
                        "ok": single["p99_s"] < 0.05,
                    }
                )
                rate = _throughput(pg, sessions, per_session)
                rows.append(
                    {
                        "name": "postgresql append_many throughput",
                        "value": rate,
                        "unit": "statements/s",
                        "target": ">= 5000/s",
                        "ok": rate >= 5000,
                    }
                )
            finally:
                server.stop()

        big = folder / "big"
        _write_big_store(big, big_sessions, 1000)
        n = big_sessions * 1000
        reps = 3 if quick else 1
        base_s, base_n = _time_once(lambda: _read_json(big), reps)
        ours_s, ours_n = _time_once(lambda: _read_frame(big), reps)
        assert base_n == n + big_sessions and ours_n == n, (base_n, ours_n, n)  # + headers
        label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
        rows.append({"name": f"json.loads {label} statement lines [baseline]", "median_s": base_s})
        rows.append(
            {
                "name": f"jsonl store -> DataFrame, {label} statements",
                "median_s": ours_s,
                "baseline": "json.loads lines",
                "ratio": ours_s / base_s,
                "target": "<= 2.5x json.loads",
                "ok": ours_s <= 2.5 * base_s,
            }
        )
        rows.append(
            {
                "name": f"jsonl store -> DataFrame rate ({label})",
                "value": n / ours_s,
                "unit": "statements/s",
                "target": "",
                "ok": None,
            }
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows
