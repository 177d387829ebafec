"""Per-question statistics of item analysis: difficulty, attempts, hints, time, discrimination.

Everything is computed from the statements frame with vectorised pandas/numpy; the only
Python loop runs over questions (tens), never over learners or statements. The choices made
here, and why, are in ``docs/analytics.md`` (Item analysis).

* **First try**: a learner's earliest recorded answer to the question (attempts carry over
  across sessions, so it is attempt 1 even after a restart). ``p`` is the share right on it.
* **Discrimination**: the corrected item-rest point-biserial correlation between being right
  on the first try and the learner's *rest score*: their first-try success rate on the other
  questions of the same competencies (or, when no other question shares one, on all other
  questions of the lesson). The question itself is left out of the rest score so that it does
  not correlate with itself.
* **Time**: from the learner arriving at the question (the step shown, or the previous item of
  a practice pool) to their last answer to it, added up over the times they met it.
* **Attempts**: answers per time a learner met the question (a practice item can come again).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "competencies_of",
    "first_tries",
    "item_stats",
    "judged_answers",
    "presentations",
    "rest_scores",
    "wilson",
]

KEYS = ["lesson", "step", "learner"]
_ORDER = ["timestamp", "registration", "seq"]
_Z95 = 1.959963984540054


def judged_answers(frame: Any) -> Any:
    """Judged answers (an answer recorded for grading has no verdict yet), in event order."""
    ans = frame[(frame["kind"] == "answered") & frame["success"].notna()]
    ans = ans[ans["lesson"].notna() & ans["step"].notna() & ans["learner"].notna()]
    return ans.sort_values(_ORDER, kind="stable")


def first_tries(frame: Any, *, judged: Any = None) -> Any:
    """One row per (lesson, step, learner): the first answer, with ``right`` as 0/1
    (``judged``: the frame's judged answers, when already selected)."""
    first = (judged_answers(frame) if judged is None else judged).drop_duplicates(
        KEYS, keep="first"
    )
    return first.assign(right=first["success"].astype("float64"))


def wilson(right: Any, n: Any, z: float = _Z95) -> tuple[Any, Any]:
    """Wilson score interval of a share (arrays; NaN where ``n`` is 0)."""
    right = np.asarray(right, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = right / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _fisher(r: float, n: int, z: float = _Z95) -> tuple[float, float]:
    """95 % interval of a correlation (Fisher's z); NaN when it cannot be given."""
    if not math.isfinite(r) or n <= 3:
        return math.nan, math.nan
    centre = math.atanh(max(-0.999999, min(0.999999, r)))
    half = z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def competencies_of(ans: Any) -> dict[tuple[str, str], frozenset[str]]:
    """(lesson, step) -> competencies the question's answers name."""
    named = ans[ans["competency"].notna()].drop_duplicates(["lesson", "step"])
    return {
        (str(r.lesson), str(r.step)): frozenset(c for c in str(r.competency).split(",") if c)
        for r in named[["lesson", "step", "competency"]].itertuples(index=False)
    }


def rest_scores(matrix: Any, step: str, peers: list[str]) -> Any:
    """Each learner's first-try success rate on ``peers`` (NaN: answered none of them)."""
    if not peers:
        return pd.Series(np.nan, index=matrix.index)
    block = matrix[peers].to_numpy()
    answered = (~np.isnan(block)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = np.nansum(block, axis=1) / answered
    return pd.Series(np.where(answered > 0, rest, np.nan), index=matrix.index)


def _discrimination(x: Any, rest: Any, responses: Any) -> dict[str, Any]:
    """Point-biserial r, its interval, the share right in the strongest and weakest third, and
    the strongest third's most common wrong first answer."""
    ok = ~(np.isnan(x) | np.isnan(rest))
    x, rest, responses = x[ok], rest[ok], responses[ok]
    n = int(ok.sum())
    out: dict[str, Any] = {"n_rest": n, "r": math.nan, "strong_right": math.nan}
    out["weak_right"] = math.nan
    out["strong_wrong"] = ""
    if n >= 3 and x.std() > 0 and rest.std() > 0:
        out["r"] = float(np.corrcoef(x, rest)[0, 1])
    out["r_low"], out["r_high"] = _fisher(out["r"], n)
    third = n // 3
    if third >= 1:
        order = np.argsort(rest, kind="stable")  # ties keep learner order: no coin tosses
        out["weak_right"] = float(x[order[:third]].mean())
        out["strong_right"] = float(x[order[-third:]].mean())
        strong = order[-third:]
        wrong = pd.Series(responses[strong][x[strong] == 0]).dropna()
        if len(wrong):
            counts = wrong.astype(str).value_counts(sort=False)
            out["strong_wrong"] = str(counts.sort_index().idxmax())  # ties: first in text order
    return out


def presentations(frame: Any) -> Any:
    """One row per time a learner worked on a question: ``answers`` given and ``seconds`` from
    arriving (the last ``experienced`` or ``navigated`` statement before the answers: the step
    shown, or a practice pool's next item) to the last of those answers; indexed by lesson,
    step and learner. A practice item met again later is a new presentation."""
    rows = frame[frame["registration"].notna()].sort_values(["registration", "seq"], kind="stable")
    arrive = rows["kind"].isin(["experienced", "navigated"]).to_numpy()
    marks = rows["seq"].astype("float64").where(arrive)
    rows = rows.assign(
        arrival_seq=marks.groupby(rows["registration"]).ffill(),
        arrival=rows["timestamp"].where(arrive).groupby(rows["registration"]).ffill(),
    )
    ans = rows[(rows["kind"] == "answered") & rows["step"].notna() & rows["learner"].notna()]
    keys = ["lesson", "step", "learner", "registration", "arrival_seq"]
    shown = ans.groupby(keys, sort=False, dropna=False).agg(
        answers=("seq", "size"), arrived=("arrival", "first"), last=("timestamp", "last")
    )
    shown["seconds"] = (shown["last"] - shown["arrived"]).dt.total_seconds()
    return shown.reset_index(level=[3, 4], drop=True)[["answers", "seconds"]]


def item_stats(frame: Any, *, competencies: Any = None) -> Any:
    """One row per question answered in ``frame`` (see the module docstring for the columns'
    definitions); ``competencies`` maps (lesson, step) to competency ids, by default the ones
    the answers name."""
    ans = judged_answers(frame)
    first = first_tries(frame, judged=ans)
    comps = competencies if competencies is not None else competencies_of(ans)
    by_item = first.groupby(["lesson", "step"], sort=False)
    table = pd.DataFrame({"n": by_item.size(), "first_try": by_item["right"].mean()})
    table["p_low"], table["p_high"] = wilson(by_item["right"].sum(), table["n"])
    shown = presentations(frame)
    table["attempts"] = shown["answers"].groupby(level=[0, 1]).mean().reindex(table.index)
    hints = frame[(frame["kind"] == "hint") & frame["step"].notna()].groupby(KEYS).size()
    learners = pd.MultiIndex.from_frame(first[KEYS])
    took = hints.reindex(learners).fillna(0).to_numpy() > 0
    table["hint_share"] = pd.Series(took, index=learners).groupby(level=[0, 1]).mean()
    times = shown["seconds"].groupby(level=[0, 1, 2]).sum(min_count=1).reindex(learners)
    table["median_time_s"] = times.groupby(level=[0, 1]).median()
    stats = []
    for lesson, mine in first.groupby("lesson", sort=False):
        indexed = mine.set_index(["learner", "step"])
        matrix = indexed["right"].unstack()
        said = indexed["response"].astype(object).unstack().reindex_like(matrix)
        steps = [str(s) for s in matrix.columns]
        for step in steps:
            own = comps.get((lesson, step), frozenset())
            peers = [s for s in steps if s != step and own & comps.get((lesson, s), frozenset())]
            basis = "competency"
            x = matrix[step].to_numpy()
            rest = rest_scores(matrix, step, peers).to_numpy()
            answered = ~np.isnan(x)
            if not peers or (~np.isnan(rest[answered])).sum() < answered.sum() / 2:
                basis = "lesson"  # too few learners met another question of its competency
                rest = rest_scores(matrix, step, [s for s in steps if s != step]).to_numpy()
            stats.append(
                {
                    "lesson": lesson,
                    "step": step,
                    "basis": basis,
                    **_discrimination(x, rest, said[step].to_numpy()),
                }
            )
    disc = pd.DataFrame(stats).set_index(["lesson", "step"]) if stats else None
    if disc is not None:
        table = table.join(disc)
    table["competencies"] = [",".join(sorted(comps.get(k, ()))) for k in table.index]
    return table
