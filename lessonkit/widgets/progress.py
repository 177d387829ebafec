"""Progress displays: position on the path, mastery bars, the end-of-lesson summary.

Pure functions from a session to HTML text, so tests can assert on them and the player keeps
them in ``HTML.value``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from ..lesson.model import End, Lesson
from .markdown import escape

__all__ = ["mastery_html", "position_html", "steps_left", "summary_html"]


def steps_left(lesson: Lesson, step_id: str) -> int:
    """The fewest moves from ``step_id`` to an end step (0 on an end step)."""
    seen = {step_id}
    queue = deque([(step_id, 0)])
    while queue:
        sid, dist = queue.popleft()
        try:
            step = lesson.step(sid)
        except KeyError:
            continue
        if isinstance(step, End):
            return dist
        for nxt in step.exits():
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, dist + 1))
    return 0


def position_html(session: Any) -> str:
    """Lesson title, "Step n" and a track of steps done, current and (at least) left."""
    lesson = session.lesson
    done = max(0, len(session.path) - 1)
    current = session.current_id or lesson.start_id
    left = 0 if session.finished else steps_left(lesson, current)
    total = done + 1 + left
    where = "Lesson complete" if session.finished else f"Step {done + 1} of about {total}"
    cells = ["<span class='lk-done'></span>"] * done
    cells.append(
        "<span class='lk-done'></span>" if session.finished else "<span class='lk-now'></span>"
    )
    cells += ["<span></span>"] * left
    return (
        f"<div class='lk-header'><p class='lk-lesson-title'>{escape(lesson.title)}</p>"
        f"<span class='lk-position'>{where}</span>"
        f"<div class='lk-track' role='progressbar' aria-label='Lesson progress' "
        f"aria-valuemin='0' aria-valuemax='{total}' aria-valuenow='{done + 1}' "
        f"aria-valuetext='{where}'>{''.join(cells)}</div></div>"
    )


def _competency_rows(session: Any) -> list[tuple[str, str, float, bool]]:
    rows = []
    for comp in session.lesson.competencies:
        p = float(session.mastery.probability(comp.id))
        rows.append((comp.id, comp.title or comp.id, p, bool(session.mastery.mastered(comp.id))))
    return rows


def bars_html(rows: list[tuple[str, str, float, bool]], heading: str = "Your mastery") -> str:
    """Labelled mastery bars for ``(id, title, probability, mastered)`` rows."""
    if not rows:
        return ""
    parts = [f"<div class='lk-mastery'><strong>{escape(heading)}</strong>"]
    for cid, title, p, mastered in rows:
        pct = round(100 * p)
        badge = " ✓ mastered" if mastered else ""
        parts.append(
            f"<div class='lk-bar-label' data-competency='{escape(cid)}'>"
            f"<span>{escape(title)}</span><span>{pct}%{badge}</span></div>"
            f"<div class='lk-bar{' lk-mastered' if mastered else ''}' role='progressbar' "
            f"aria-label='{escape(title)}' aria-valuemin='0' aria-valuemax='100' "
            f"aria-valuenow='{pct}'><span style='width:{pct}%'></span></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def mastery_html(session: Any) -> str:
    """Mastery bars for the lesson's competencies."""
    return bars_html(_competency_rows(session))


def summary_html(session: Any, body_html: str = "") -> str:
    """The end summary: score, mastery per competency, and what to do next."""
    earned, available = session.score()
    pct = round(100 * earned / available) if available else 100
    rows = _competency_rows(session)
    weak = [title for _, title, _, mastered in rows if not mastered]
    if not rows:
        advice = ""
    elif weak:
        advice = (
            "<p><strong>What next:</strong> practise "
            + ", ".join(f"<em>{escape(t)}</em>" for t in weak)
            + " a little more — restart the lesson or try the practice questions again.</p>"
        )
    else:
        advice = "<p><strong>What next:</strong> you mastered everything here. Well done!</p>"
    return (
        "<div class='lk-summary' role='region' aria-label='Lesson summary'>"
        "<h3>Your results</h3>"
        f"<p class='lk-score'>{earned:g} / {available:g} points</p>"
        f"<p class='lk-status'>{pct}% of the points on the path you took.</p>"
        f"{bars_html(rows)}{advice}{body_html}</div>"
    )
