"""Selecting part of a class: one lesson, a group of learners, a date range."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

__all__ = ["select"]


def select(
    frame: Any,
    *,
    lesson: str | None = None,
    learners: str | Sequence[str] | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
) -> Any:
    """The rows of ``frame`` for ``lesson``, ``learners`` and the dates ``start``..``end``.

    ``learners`` is a list of ids, or a regular expression matched against the whole id (a
    string with commas is read as a list). Dates are UTC and inclusive; a plain ``date`` as
    ``end`` includes that whole day.
    """
    keep = pd.Series(True, index=frame.index)
    if lesson:
        keep &= frame["lesson"] == lesson
    if isinstance(learners, str) and "," in learners:
        learners = [part.strip() for part in learners.split(",") if part.strip()]
    if isinstance(learners, str) and learners:
        pattern = re.compile(learners)
        ids = frame["learner"].fillna("")
        keep &= ids.map(lambda v: pattern.fullmatch(v) is not None).astype(bool)
    elif learners:
        keep &= frame["learner"].isin(list(learners))
    if start is not None:
        keep &= frame["timestamp"] >= _utc(start)
    if end is not None:
        bound = _utc(end)
        if not isinstance(end, datetime):
            keep &= frame["timestamp"] < bound + pd.Timedelta(days=1)
        else:
            keep &= frame["timestamp"] <= bound
    return frame[keep.to_numpy()]


def _utc(value: date | datetime) -> Any:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
