"""Fitting a lesson's BKT parameters to a class's evidence."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..lesson.model import Lesson, MasteryParams
from ..policies.fitting import fit_bkt
from .tables import answers

__all__ = ["calibrate", "first_attempt_sequences"]


def first_attempt_sequences(
    frame: Any, lesson: str | None = None, *, hint_counts_as_wrong: bool = True
) -> dict[str, list[list[int]]]:
    """Per competency, one 0/1 sequence of first attempts per session, in answer order.

    A question testing several competencies counts for each. With ``hint_counts_as_wrong``
    (the mastery tracker's default) a first attempt after a hint counts as wrong.
    """
    ans = answers(frame)
    if lesson is not None:
        ans = ans[ans["lesson"] == lesson]
    ans = ans[(ans["attempt"] == 1) & ans["success"].notna() & ans["competency"].notna()]
    ok = ans["success"].astype(bool)
    if hint_counts_as_wrong:
        ok = ok & (ans["hints"].fillna(0) == 0).astype(bool)
    rows = ans.assign(outcome=ok.astype("int64"), competency=ans["competency"].str.split(","))
    rows = rows.explode("competency")
    rows = rows[rows["registration"].notna()]
    rows = rows.sort_values(["competency", "registration", "seq"], kind="stable")
    # one slice per (competency, registration) run of the sorted rows: no per-group Python
    comp = rows["competency"].to_numpy()
    reg = rows["registration"].to_numpy()
    outcomes = rows["outcome"].to_list()
    if not outcomes:
        return {}
    new_comp = np.flatnonzero(comp[1:] != comp[:-1]) + 1
    new_seq = np.flatnonzero((comp[1:] != comp[:-1]) | (reg[1:] != reg[:-1])) + 1
    seq_bounds = [0, *new_seq.tolist(), len(outcomes)]
    comp_starts = set(new_comp.tolist())
    out: dict[str, list[list[int]]] = {}
    current: list[list[int]] = []
    for lo, hi in itertools.pairwise(seq_bounds):
        if lo == 0 or lo in comp_starts:
            current = out.setdefault(str(comp[lo]), [])
        current.append(outcomes[lo:hi])
    return out


def calibrate(
    frame: Any, lesson: Lesson | str, *, min_sequences: int = 20
) -> dict[str, MasteryParams]:
    """BKT parameters per competency fitted with :func:`~lessonkit.policies.fitting.fit_bkt`
    (EM) to the class's first attempts, starting from the lesson's current values.

    Competencies with fewer than ``min_sequences`` sessions of evidence are left out.
    """
    lesson_id = lesson.id if isinstance(lesson, Lesson) else lesson
    current = {c.id: c.mastery for c in lesson.competencies} if isinstance(lesson, Lesson) else {}
    fitted: dict[str, MasteryParams] = {}
    for comp, seqs in first_attempt_sequences(frame, lesson_id).items():
        if len(seqs) >= min_sequences:
            fitted[comp] = fit_bkt(seqs, init=current.get(comp))
    return fitted
