"""The class report split by the language learners saw the lesson in (``report --by language``).

Statements of a session given a language carry it (``context.language``, the frame's
``language`` column); sessions that recorded none are grouped as ``(not recorded)``. Each
table has one row per language (and step): the same measures as the class-wide tables, so a
translation that confuses learners shows as a step whose first-try success drops in that
language only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .tables import answers, step_order, step_stats

__all__ = ["GROUP_COLUMNS", "NOT_RECORDED", "group_summary", "step_stats_by"]

GROUP_COLUMNS = ("language",)
"""Columns the report can be split by."""
NOT_RECORDED = "(not recorded)"
"""The group of statements that do not say (e.g. sessions from before languages)."""


def _labelled(frame: Any, column: str) -> Any:
    labels = frame[column].astype("object").where(frame[column].notna(), NOT_RECORDED)
    return frame.assign(**{column: labels.astype("str")})


def group_summary(frame: Any, column: str = "language") -> Any:
    """One row per value of ``column``: ``learners``, ``sessions``, ``answers``,
    ``first_try_success`` (share of first attempts right), ``completed`` (share of sessions
    that completed the lesson) and ``mean_score`` (scaled score of the completed ones)."""
    frame = _labelled(frame, column)
    ans = answers(frame)
    first = ans[ans["attempt"] == 1]
    done = frame[frame["kind"] == "completed"]
    groups = frame.groupby(column)
    table = pd.DataFrame(
        {
            "learners": groups["learner"].nunique(),
            "sessions": groups["registration"].nunique(),
            "answers": ans.groupby(column).size(),
            "first_try_success": first.groupby(column)["success"].mean().astype("float64"),
            "completed": done.groupby(column)["registration"].nunique(),
            "mean_score": done.groupby(column)["score_scaled"].mean(),
        }
    )
    table["answers"] = table["answers"].fillna(0).astype("int64")
    table["completed"] = table["completed"].fillna(0) / table["sessions"]
    table.index.name = column
    return table.sort_index().reset_index()


def step_stats_by(frame: Any, column: str = "language") -> Any:
    """:func:`~lessonkit.analytics.tables.step_stats` for each value of ``column``, one row
    per (value, step) that learners of that value reached, steps in the class-wide order."""
    frame = _labelled(frame, column)
    order = step_order(frame)
    parts = []
    for value, group in frame.groupby(column, sort=True):
        table = step_stats(group, order).reset_index()
        table = table[table["learners"] > 0]
        table.insert(0, column, value)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=[column, "step"])
    return pd.concat(parts, ignore_index=True)
