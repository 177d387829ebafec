"""Plots of the analytics tables; each function returns a matplotlib ``Figure``.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot state), so they
work with any backend, including Agg on a headless server. Titles and axis labels are in
``t``'s language (English by default).
"""

from __future__ import annotations

from typing import Any

from ..i18n import Translator, translator
from .paths import branch_stats
from .tables import class_mastery, step_stats

__all__ = ["branch_frequencies", "mastery_heatmap", "step_funnel"]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def mastery_heatmap(frame: Any, *, max_learners: int = 60, t: Translator | None = None) -> Any:
    """Learners by competencies coloured by latest mastery (the first ``max_learners``)."""
    _ = (t or translator()).gettext
    table = class_mastery(frame).iloc[:max_learners]
    fig = _figure(1.5 + 1.2 * max(len(table.columns), 1), 1.5 + 0.22 * max(len(table), 1))
    ax = fig.add_subplot()
    if table.empty:
        ax.text(0.5, 0.5, _("no mastery evidence"), ha="center", va="center")
        ax.set_axis_off()
        return fig
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns], rotation=30)
    ax.set_yticks(range(len(table)), [str(i)[:16] for i in table.index], fontsize=7)
    ax.set_title(_("Latest mastery"))
    fig.colorbar(image, ax=ax, label="P(known)")
    return fig


def step_funnel(frame: Any, *, t: Translator | None = None) -> Any:
    """Learners reaching each step, in the order learners meet them."""
    _ = (t or translator()).gettext
    table = step_stats(frame)
    fig = _figure(7, 1.2 + 0.3 * max(len(table), 1))
    ax = fig.add_subplot()
    labels = [str(s) for s in table.index][::-1]
    ax.barh(labels, table["learners"].to_numpy()[::-1], color="#4c72b0")
    ax.set_xlabel(_("learners who reached the step"))
    ax.set_title(_("Step funnel"))
    return fig


def branch_frequencies(frame: Any, *, top: int = 20, t: Translator | None = None) -> Any:
    """The ``top`` most taken transitions between steps."""
    _ = (t or translator()).gettext
    table = branch_stats(frame).sort_values("count", ascending=False).head(top)
    fig = _figure(7, 1.2 + 0.3 * max(len(table), 1))
    ax = fig.add_subplot()
    labels = [f"{a} → {b}" for a, b in zip(table["from_step"], table["to_step"], strict=True)]
    ax.barh(labels[::-1], table["count"].to_numpy()[::-1], color="#dd8452")
    ax.set_xlabel(_("times taken"))
    ax.set_title(_("Branch frequencies"))
    return fig
