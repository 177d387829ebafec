"""Class analytics from a million statements: the class mastery table, end to end and in memory.

- End to end: a JSON-lines store of 1M statements (1000 learners, each answering 2
  competencies 167 times, with the tracker's mastery statements) to the learner-by-competency
  table, ``class_mastery(load_frame(store))``, three times. (Reading statements alone is
  compared with ``pandas.read_json(lines=True)`` in bench_evidence.)
- In memory: ``class_mastery`` (latest mastery per learner and competency in event order, as a
  table) on the 1M-row frame, against a plain ``groupby(...).last()`` over the same rows, which
  neither orders events nor pivots; and ``step_stats`` on the same frame.

BKT calibration (``fit_bkt``, ``calibrate``) is measured against pyBKT in bench_calibration.
"""

from __future__ import annotations

import shutil
from typing import Any

from bigstore import tile_store
from timing import compared, interleaved, row, scratch_dir

from lessonkit.analytics import class_mastery, load_frame, step_stats
from lessonkit.analytics.synthetic import bkt_statements
from lessonkit.lesson.model import MasteryParams

TRUTH = {
    "add": MasteryParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1),
    "mul": MasteryParams(prior=0.15, learn=0.3, guess=0.15, slip=0.05),
}


def run(quick: bool) -> list[dict[str, Any]]:
    learners = 50 if quick else 1000
    template = list(bkt_statements(TRUTH, learners=1, opportunities=167, seed=5, lesson="bench"))
    folder = scratch_dir("analytics-")
    rows: list[dict[str, Any]] = []
    try:
        n = tile_store(folder, template, learners)
        label = f"{n / 1e6:.1f}M statements" if n >= 1e6 else f"{n // 1000}k statements"
        tables: dict[str, Any] = {}

        def end_to_end() -> None:
            tables["mastery"] = class_mastery(load_frame(str(folder / "store")))

        (ours,) = interleaved([end_to_end], repeat=3, warmup=0, collect=True)
        assert tables["mastery"].shape == (learners, 2), tables["mastery"].shape
        rows.append(row(f"store -> class mastery table, {label}", ours))

        frame = load_frame(str(folder / "store"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def plain() -> Any:
        mastery = frame[frame["kind"] == "mastery"]
        return mastery.groupby(["learner", "competency"])["mastery_after"].last()

    base, ours, steps = interleaved(
        [plain, lambda: class_mastery(frame), lambda: step_stats(frame)],
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
