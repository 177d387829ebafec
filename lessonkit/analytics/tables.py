"""Per-learner and per-step tables from a statements frame (vectorised pandas)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["answers", "class_mastery", "step_order", "step_stats", "timeline", "wrong_answers"]

_ORDER = ["timestamp", "registration", "seq"]


def _sorted(frame: Any) -> Any:
    """Rows in event order: by time, then by position within the session."""
    return frame.sort_values(_ORDER, kind="stable", na_position="first")


def answers(frame: Any) -> Any:
    """The ``answered`` rows."""
    return frame[frame["kind"] == "answered"]


def class_mastery(frame: Any) -> Any:
    """Learner-by-competency table of the latest estimated mastery (NaN: never assessed)."""
    rows = frame.loc[
        frame["kind"] == "mastery", ["learner", "competency", "mastery_after", *_ORDER]
    ]
    latest = _sorted(rows).drop_duplicates(["learner", "competency"], keep="last")
    table = latest.pivot(index="learner", columns="competency", values="mastery_after")
    table.columns.name = "competency"
    return table.sort_index()


def step_order(frame: Any) -> list[str]:
    """Steps in the order learners meet them (median position of the first visit)."""
    seen = frame[(frame["kind"] == "experienced") & frame["step"].notna()]
    first = seen.groupby(["registration", "step"], sort=False)["seq"].min().reset_index()
    ranks = first.groupby("step")["seq"].median().sort_values(kind="stable")
    return [str(s) for s in ranks.index]


def step_stats(frame: Any, order: list[str] | None = None) -> Any:
    """One row per step: ``learners`` who reached it, ``attempts`` (answers),
    ``first_try_success`` (share of first attempts right), ``median_time_s`` (answers),
    ``hint_rate`` (share of learners there who took a hint), ``drop_off`` (share of learners
    who reached it, went no further and never completed the lesson)."""
    order = order or step_order(frame)
    seen = frame[(frame["kind"] == "experienced") & frame["step"].notna()]
    reached = seen.groupby("step")["learner"].nunique()
    ans = answers(frame)
    attempts = ans.groupby("step").size()
    first = ans[ans["attempt"] == 1]
    first_ok = first.groupby("step")["success"].mean().astype("float64")
    median_time = ans.groupby("step")["duration_s"].median()
    hinted = frame[frame["kind"] == "hint"].groupby("step")["learner"].nunique()
    completed = set(frame.loc[frame["kind"] == "completed", "learner"].dropna())
    last = _sorted(seen).drop_duplicates("learner", keep="last")
    last = last[~last["learner"].isin(completed)]
    stopped = last.groupby("step")["learner"].nunique()
    table = pd.DataFrame(index=pd.Index(order, name="step"))
    table["learners"] = reached.reindex(order).fillna(0).astype("int64")
    table["attempts"] = attempts.reindex(order).fillna(0).astype("int64")
    table["first_try_success"] = first_ok.reindex(order)
    table["median_time_s"] = median_time.reindex(order)
    with_learners = table["learners"].where(table["learners"] > 0)
    table["hint_rate"] = hinted.reindex(order).fillna(0) / with_learners
    table["drop_off"] = stopped.reindex(order).fillna(0) / with_learners
    return table


def wrong_answers(frame: Any, top: int = 5) -> Any:
    """The ``top`` most common wrong responses per question: ``step``, ``response``,
    ``count`` and ``share`` (of that question's wrong answers)."""
    ans = answers(frame)
    wrong = ans[(ans["success"] == False) & ans["response"].notna()]  # noqa: E712 (nullable)
    counts = wrong.groupby(["step", "response"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("step")["count"].transform("sum")
    counts = counts.sort_values(["step", "count", "response"], ascending=[True, False, True])
    return counts.groupby("step").head(top).reset_index(drop=True)


def timeline(frame: Any, learner: str) -> Any:
    """Everything one learner did, in order."""
    columns = [
        "timestamp",
        "registration",
        "seq",
        "lesson",
        "kind",
        "step",
        "response",
        "success",
        "attempt",
        "hints",
        "competency",
        "mastery_after",
        "duration_s",
    ]
    return _sorted(frame.loc[frame["learner"] == learner, columns]).reset_index(drop=True)
