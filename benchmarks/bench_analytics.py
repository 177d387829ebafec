"""Class analytics from a million statements: the class mastery table, end to end and in memory.

- End to end: a JSON-lines store of 1M statements (1000 learners, each answering 2
  competencies 167 times, with the tracker's mastery statements) to the learner-by-competency
  table, ``class_mastery(load_frame(store))``. Taken in turns, three times each, with the two
  baselines a user of the files would reach for, on the same files: ``json.loads`` of every line
  (the floor of any JSON reading: it builds no table) and ``pandas.read_json(lines=True)`` per
  file, concatenated (its frame keeps nested dicts: no table either). lessonkit's reading:

  * **copies current**: the columnar copies of the files (pyarrow, in the reader's cache
    folder) are up to date: what an instructor who looked before sees;
  * **after appends**: 10 new statements appended (by the store, as a learner's session does) to
    10% of the files since the last read: those files are read again, their prefix checked
    against its hash and only the new lines parsed;
  * **first read**: no copies yet (an empty cache folder): every file parsed, copies made;
  * **without copies**: the JSON parsed (orjson when installed), nothing kept.

- The same from a SQLite store holding 200k of the same statements (the SQL store parses each
  row's JSON text; it has no copies), against ``json.loads`` of every row's text.
- In memory: ``class_mastery`` (latest mastery per learner and competency in event order, as a
  table) on the 1M-row frame, against a plain ``groupby(...).last()`` over the same rows, which
  neither orders events nor pivots; and ``step_stats`` on the same frame.

BKT calibration (``fit_bkt``, ``calibrate``) is measured against pyBKT in bench_calibration.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import uuid
from pathlib import Path
from typing import Any

from bigstore import store_files, tile_store
from timing import compared, interleaved, row, scratch_dir

from lessonkit.analytics import class_mastery, load_frame, step_stats
from lessonkit.analytics.synthetic import bkt_statements
from lessonkit.evidence.stores import JsonlStore, open_store
from lessonkit.lesson.model import MasteryParams

TRUTH = {
    "add": MasteryParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1),
    "mul": MasteryParams(prior=0.15, learn=0.3, guess=0.15, slip=0.05),
}
GOAL_S = 4.0
"""End to end on 1M statements, copies current, on the 2-core benchmark machine."""


def _json_loads(root: Path) -> int:
    count = 0
    loads = json.loads
    for path in store_files(root):
        with open(path, "rb") as handle:
            for line in handle:
                loads(line)
                count += 1
    return count


def _read_json(root: Path) -> int:
    import pandas as pd

    frames = [pd.read_json(path, lines=True) for path in store_files(root)]
    return len(pd.concat(frames, ignore_index=True))


def _grow(root: Path, files: list[Path], per_file: int, round_: int) -> None:
    """Append ``per_file`` new statements to each of ``files`` through the store (as the
    learner's session does), continuing each session's sequence numbers."""
    with JsonlStore(root / "store", fsync=False) as store:
        for path in files:
            last = json.loads(path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1])
            ext = last["context"]["extensions"]
            seq_key = "https://lessonkit.org/xapi/ext/seq"
            new = []
            for j in range(per_file):
                statement = json.loads(json.dumps(last))
                statement["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{path}/{round_}/{j}"))
                statement["context"]["extensions"][seq_key] = ext[seq_key] + 1 + j
                new.append(statement)
            store.append(new)


def _cache_home(folder: Path, name: str) -> None:
    """Point the reader's cache (``$LESSONKIT_HOME/cache``) at ``folder/name``."""
    os.environ["LESSONKIT_HOME"] = str(folder / name)


def _end_to_end(folder: Path, learners: int, repeat: int) -> list[dict[str, Any]]:
    store = str(folder / "store")
    tables: dict[str, Any] = {}
    files = store_files(folder)
    grown = files[::10]  # 10% of the files
    rounds = [0]

    def mastery(name: str, **kwargs: Any) -> Any:
        def call() -> None:
            with JsonlStore(store, create=False) as opened:
                frame = opened.frame(**kwargs) if kwargs else load_frame(opened)
            tables[name] = class_mastery(frame)

        return call

    def floor() -> None:
        tables["json"] = _json_loads(folder)

    def pandas() -> None:
        tables["pandas"] = _read_json(folder)

    def warm() -> None:
        _cache_home(folder, "home-warm")
        mastery("warm")()

    def first() -> None:
        home = folder / "home-cold"
        shutil.rmtree(home, ignore_errors=True)
        _cache_home(folder, "home-cold")
        mastery("first")()

    def appended() -> None:
        _cache_home(folder, "home-grown")
        mastery("appended")()

    def plain() -> None:
        mastery("plain", cache=False)()

    _cache_home(folder, "home-warm")
    mastery("warm")()  # not timed: the copies an instructor's earlier look left
    _cache_home(folder, "home-grown")
    mastery("appended")()
    cpu: list[list[float]] = []
    timed: dict[str, list[float]] = {
        name: [] for name in ("json", "pandas", "warm", "appended", "first", "plain")
    }
    cpus: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(repeat):
        rounds[0] += 1
        _grow(folder, grown, 10, rounds[0])  # not timed: learners at work since the last look
        warm()  # not timed: the copies are current again (an instructor looked since)
        fns = [floor, pandas, warm, appended, first, plain]
        times = interleaved(fns, repeat=1, warmup=0, collect=True, cpu=cpu)
        for name, sample, work in zip(timed, times, cpu, strict=True):
            timed[name] += sample
            cpus[name] += work
    for name in ("warm", "appended", "first", "plain"):
        assert tables[name].shape == (learners, 2), (name, tables[name].shape)
        assert tables[name].equals(tables["plain"]), name
    return _rows(timed, cpus, _label(tables["json"] - len(files)))


def _rows(
    timed: dict[str, list[float]], cpus: dict[str, list[float]], label: str
) -> list[dict[str, Any]]:
    cpu_median = {name: statistics.median(values) for name, values in cpus.items()}
    rows = [
        row(f"json.loads of every line, {label} [floor]", timed["json"],
            cpu_median_s=cpu_median["json"]),
        row(f"pandas.read_json(lines=True), {label} [baseline]", timed["pandas"],
            cpu_median_s=cpu_median["pandas"]),
    ]  # fmt: skip
    described = {
        "warm": f"store -> class mastery table, {label}",
        "appended": f"store -> class mastery table, {label}, after appends to 10% of files",
        "first": f"store -> class mastery table, {label}, first read (copies made)",
        "plain": f"store -> class mastery table, {label}, without copies (JSON parsed)",
    }
    for name, title in described.items():
        result = compared(title, timed[name], timed["json"], "json.loads of every line")
        vs_pandas = [a / b for a, b in zip(timed[name], timed["pandas"], strict=True)]
        result.update(
            ratio_vs_read_json=statistics.median(vs_pandas),
            cpu_median_s=cpu_median[name],
        )
        if name in ("warm", "appended"):
            result.update(target=f"<= {GOAL_S:g} s", ok=result["median_s"] <= GOAL_S)
        rows.append(result)
    return rows


def _sql_end_to_end(folder: Path, count: int, repeat: int) -> list[dict[str, Any]]:
    """The first ``count`` statements in a SQLite store: its read against ``json.loads`` of
    every row."""
    import itertools

    url = f"sqlite:///{folder / 'store.db'}"
    with open_store(str(folder / "store"), create=False) as source, open_store(url) as target:
        target.append_many(itertools.islice(source.read(), count), batch_size=5000)
    import sqlite3

    def floor() -> None:
        with sqlite3.connect(folder / "store.db") as conn:
            loads = json.loads
            for (text,) in conn.execute("SELECT statement FROM lessonkit_statements"):
                loads(text)

    def ours() -> None:
        class_mastery(load_frame(url))

    base, mine = interleaved([floor, ours], repeat=repeat, warmup=0, collect=True)
    label = _label(count)
    return [
        row(f"sqlite store: json.loads of every row, {label} [floor]", base),
        compared(f"sqlite store -> class mastery table, {label}", mine, base,
                 "json.loads of every row"),
    ]  # fmt: skip


def _label(n: int) -> str:
    return f"{n / 1e6:.1f}M statements" if n >= 1e6 else f"{n // 1000}k statements"


def run(quick: bool) -> list[dict[str, Any]]:
    """Benchmark rows (see ``benchmarks/run.py`` for the format)."""
    learners = 50 if quick else 1000
    template = list(bkt_statements(TRUTH, learners=1, opportunities=167, seed=5, lesson="bench"))
    folder = scratch_dir("analytics-")
    rows: list[dict[str, Any]] = []
    saved_home = os.environ.get("LESSONKIT_HOME")
    try:
        n = tile_store(folder, template, learners)
        rows += _end_to_end(folder, learners, 2 if quick else 3)
        rows += _sql_end_to_end(folder, 20_000 if quick else 200_000, 3)
        frame = load_frame(str(folder / "store"))
    finally:
        if saved_home is None:
            os.environ.pop("LESSONKIT_HOME", None)
        else:
            os.environ["LESSONKIT_HOME"] = saved_home
        shutil.rmtree(folder, ignore_errors=True)
    label = _label(n)

    def plain_groupby() -> Any:
        mastery = frame[frame["kind"] == "mastery"]
        return mastery.groupby(["learner", "competency"])["mastery_after"].last()

    base, ours, steps = interleaved(
        [plain_groupby, lambda: class_mastery(frame), lambda: step_stats(frame)],
        repeat=5,
        warmup=1,
        collect=True,
    )
    rows.append(row(f"plain groupby-last, {label} in memory [baseline]", base))
    result = compared(f"class_mastery, {label} in memory", ours, base, "plain groupby-last")
    result.update(target="< 5 s", ok=result["median_s"] < 5.0)
    rows.append(result)
    rows.append(row(f"step_stats, {label} in memory", steps, target="< 5 s"))
    rows[-1]["ok"] = rows[-1]["median_s"] < 5.0
    return rows
