"""Item analysis of a 1,000-learner class, against the per-step table on the same frame.

The class took ``lessons/center-spread`` through the real engine
(:func:`lessonkit.analytics.classsim.class_statements`, with a planted misleading question and
a planted common wrong answer): 200 simulated learners, their statements then repeated five
times under new learner ids and sessions, so 1,000 learners and about 75,000 statements.
``item_analysis`` (every per-question statistic, the wrong-answer table with each listed
answer judged again by the lesson's checkers, flags) is timed against ``step_stats`` on the
same frame, in turns. The first checker calls (SymPy's import for the expression question)
are made in the warm-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from timing import compared, interleaved, row

from lessonkit.analytics import step_stats
from lessonkit.analytics.classsim import ItemBehaviour, class_statements
from lessonkit.analytics.frame import statements_frame
from lessonkit.analytics.items import item_analysis
from lessonkit.lesson.loader import load_lesson

LESSON = (
    Path(__file__).resolve().parents[1] / "lessons" / "center-spread" / "center-spread.lesson.yaml"
)
PLANTED = {
    "q-outlier": ItemBehaviour(discrimination=-1.5, wrong={"median": 0.9}),
    "q-range": ItemBehaviour(difficulty=0.3, wrong={"12": 0.7}),
}


def _tiled(frame: Any, copies: int) -> Any:
    """``copies`` of the class under new learner ids and registrations."""
    parts = []
    for k in range(copies):
        parts.append(
            frame.assign(
                learner=frame["learner"] + f"-{k}", registration=frame["registration"] + f"-{k}"
            )
        )
    return pd.concat(parts, ignore_index=True)


def run(quick: bool) -> list[dict[str, Any]]:
    base, copies = (40, 2) if quick else (200, 5)
    lesson = load_lesson(LESSON)
    frame = statements_frame(class_statements(lesson, learners=base, behaviour=PLANTED, seed=11))
    frame = _tiled(frame, copies)
    learners = base * copies
    label = f"{learners} learners, {len(frame) // 1000}k statements"
    lessons, sources = {lesson.id: lesson}, {lesson.id: str(LESSON)}
    found: dict[str, Any] = {}

    def items() -> None:
        found["analysis"] = item_analysis(frame, lessons, sources)

    steps, ours = interleaved(
        [lambda: step_stats(frame), items], repeat=3 if quick else 7, warmup=1, collect=True
    )
    flagged = found["analysis"].items.set_index("step")["flags"]
    assert "misleading" in flagged["q-outlier"], flagged
    rows = [row(f"step_stats, {label} [baseline]", steps)]
    result = compared(f"item_analysis, {label}", ours, steps, "step_stats")
    result.update(target="< 2 s", ok=result["median_s"] < 2.0)
    rows.append(result)
    return rows
