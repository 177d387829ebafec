"""Which branches learners take: transitions between steps and whole paths."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frame import TO_STEP

__all__ = ["branch_stats", "common_paths", "transitions"]

_ORDER = ["registration", "seq"]


def transitions(frame: Any) -> Any:
    """One row per move: ``registration``, ``learner``, ``from_step``, ``to_step``.

    From ``navigated`` statements when the frame has the :data:`~.frame.TO_STEP` column
    (frames of :func:`~.frame.load_frame`); otherwise from consecutive ``experienced`` steps.
    """
    if TO_STEP in frame.columns:
        nav = frame[(frame["kind"] == "navigated") & frame[TO_STEP].notna()]
        nav = nav.sort_values(_ORDER, kind="stable")
        return pd.DataFrame(
            {
                "registration": nav["registration"].to_numpy(),
                "learner": nav["learner"].to_numpy(),
                "from_step": nav["step"].to_numpy(),
                "to_step": nav[TO_STEP].to_numpy(),
            }
        )
    seen = frame[(frame["kind"] == "experienced") & frame["step"].notna()]
    seen = seen.sort_values(_ORDER, kind="stable")
    nxt = seen.groupby("registration")["step"].shift(-1)
    keep = nxt.notna()
    return pd.DataFrame(
        {
            "registration": seen.loc[keep, "registration"].to_numpy(),
            "learner": seen.loc[keep, "learner"].to_numpy(),
            "from_step": seen.loc[keep, "step"].to_numpy(),
            "to_step": nxt[keep].to_numpy(),
        }
    )


def branch_stats(frame: Any) -> Any:
    """How often each transition was taken: ``from_step``, ``to_step``, ``count``,
    ``learners`` and ``share`` (of the moves out of ``from_step``), most common first."""
    moves = transitions(frame)
    grouped = moves.groupby(["from_step", "to_step"])
    table = pd.DataFrame(
        {"count": grouped.size(), "learners": grouped["learner"].nunique()}
    ).reset_index()
    table["share"] = table["count"] / table.groupby("from_step")["count"].transform("sum")
    table = table.sort_values(["from_step", "count", "to_step"], ascending=[True, False, True])
    return table.reset_index(drop=True)


def common_paths(frame: Any, top: int = 10) -> Any:
    """The ``top`` most common step sequences (one per session): ``path`` (steps joined with
    `` > ``), ``sessions``, ``share`` and ``completed`` (share of those sessions completed)."""
    seen = frame[(frame["kind"] == "experienced") & frame["step"].notna()]
    seen = seen.sort_values(_ORDER, kind="stable")
    paths = seen.groupby("registration")["step"].agg(" > ".join)
    done = set(frame.loc[frame["kind"] == "completed", "registration"].dropna())
    table = pd.DataFrame({"path": paths, "completed": paths.index.isin(list(done))})
    if table.empty:
        return pd.DataFrame(columns=["path", "sessions", "share", "completed"])
    grouped = table.groupby("path")
    out = pd.DataFrame({"sessions": grouped.size(), "completed": grouped["completed"].mean()})
    out["share"] = out["sessions"] / len(table)
    out = out.reset_index().sort_values(["sessions", "path"], ascending=[False, True])
    return out[["path", "sessions", "share", "completed"]].head(top).reset_index(drop=True)
