"""Learners to look at: struggling ones, and ones ready for a challenge."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .tables import answers, class_mastery

__all__ = ["flags", "learner_summary"]


def learner_summary(frame: Any, threshold: float = 0.95) -> Any:
    """Per learner: ``answers``, ``questions``, ``attempts_per_question``, ``hints``,
    ``min_mastery``, ``mean_mastery`` and ``answers_to_mastery`` (the most answers any of their
    competencies took to reach ``threshold``; NaN when one was never reached)."""
    ans = answers(frame)
    by = ans.groupby("learner")
    table = pd.DataFrame({"answers": by.size(), "questions": by["step"].nunique()})
    table["attempts_per_question"] = table["answers"] / table["questions"]
    hints = frame[frame["kind"] == "hint"].groupby("learner").size()
    learners = table.index.union(class_mastery(frame).index)
    table = table.reindex(learners)
    table[["answers", "questions"]] = table[["answers", "questions"]].fillna(0).astype("int64")
    table["hints"] = hints.reindex(learners).fillna(0).astype("int64")
    mastery = class_mastery(frame).reindex(learners)
    table["min_mastery"] = mastery.min(axis=1)
    table["mean_mastery"] = mastery.mean(axis=1)
    rows = frame[frame["kind"] == "mastery"].sort_values(
        ["timestamp", "registration", "seq"], kind="stable"
    )
    rows = rows.assign(n=rows.groupby(["learner", "competency"]).cumcount() + 1)
    reached = rows[rows["mastery_after"] >= threshold]
    first = reached.groupby(["learner", "competency"])["n"].min()
    need = first.unstack().reindex(index=learners, columns=mastery.columns)
    table["answers_to_mastery"] = need.max(axis=1).where(need.notna().all(axis=1))
    table.index.name = "learner"
    return table


def flags(
    frame: Any,
    *,
    low_mastery: float = 0.5,
    min_attempts_per_question: float = 1.5,
    threshold: float = 0.95,
    early: int = 3,
    max_hints: int = 0,
) -> Any:
    """:func:`learner_summary` of the flagged learners, with a ``flag`` column:

    ``struggling``
        some competency below ``low_mastery`` after at least ``min_attempts_per_question``
        answers per question on average;
    ``ready``
        every competency at ``threshold``, each within ``early`` answers, and at most
        ``max_hints`` hints.
    """
    table = learner_summary(frame, threshold)
    struggling = (table["min_mastery"] < low_mastery) & (
        table["attempts_per_question"] >= min_attempts_per_question
    )
    ready = (
        (table["min_mastery"] >= threshold)
        & (table["answers_to_mastery"] <= early)
        & (table["hints"] <= max_hints)
    )
    table["flag"] = ""
    table.loc[struggling, "flag"] = "struggling"
    table.loc[ready & ~struggling, "flag"] = "ready"
    return table[table["flag"] != ""]
