"""The live class view: who is where, who needs a teacher now, and the analytics tables.

One HTML page per course lesson, rebuilt from the database as learners work and reloading
itself every few seconds. The progress table lists every learner of the course (the hub's
``lessonkit-<course>`` group), with a flag a teacher can act on:

``not started``  in the course group, no evidence in this lesson yet;
``stuck``        lesson unfinished and either idle for ``stuck_minutes`` (server time of the
                 last statement) or ``stuck_wrong`` wrong answers in a row on one question;
``struggling``   low mastery after many attempts (:func:`lessonkit.analytics.flags`);
``completed``    reached an end step.

Below it: class mastery, step statistics, common wrong answers, and two plots (mastery heat
map, step funnel) from :mod:`lessonkit.analytics`. Names are pseudonymised for anyone who is
not an instructor of the course.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..evidence.privacy import pseudonym
from .config import ClassViewConfig

__all__ = ["progress_table", "render_items_page", "render_page", "tabs"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:.85em;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f3f3f3}
.note{background:#fff6d5;padding:.5em;border:1px solid #e6c84f}
.flag-stuck,.flag-struggling{background:#fde2e1}.flag-not-started{background:#eef}
img{max-width:100%}
"""


def _learner_rows(frame: Any, learner: str, cfg: ClassViewConfig) -> dict[str, Any]:
    mine = frame[frame["learner"] == learner].sort_values(["timestamp", "seq"], kind="stable")
    answers = mine[mine["kind"] == "answered"]
    seen = mine[mine["kind"] == "experienced"]
    current = str(seen["step"].iloc[-1]) if len(seen) else ""
    streak = 0
    for success in reversed(list(answers[answers["step"] == current]["success"])):
        if success is True:
            break
        streak += 1
    return {
        "completed": bool((mine["kind"] == "completed").any()),
        "current_step": current,
        "answers": len(answers),
        "correct": int((answers["success"] == True).sum()),  # noqa: E712 (nullable booleans)
        "wrong_in_a_row": streak,
        "sessions": int(mine["registration"].nunique()),
    }


def progress_table(
    frame: Any,
    roster: Iterable[str],
    last_seen: Mapping[str, str],
    cfg: ClassViewConfig,
    *,
    struggling: Iterable[str] = (),
    now: datetime | None = None,
) -> Any:
    """One row per learner (the roster and anyone with evidence) with a ``flag`` column."""
    import pandas as pd

    now = now or datetime.now(UTC)
    hard = set(struggling)
    learners = sorted(set(roster) | set(frame["learner"].dropna().astype(str)))
    rows = []
    for learner in learners:
        row: dict[str, Any] = {"learner": learner}
        stamp = last_seen.get(learner)
        if stamp is None or not (frame["learner"] == learner).any():
            row.update(flag="not started", reason="no evidence in this lesson yet")
            rows.append(row)
            continue
        row.update(_learner_rows(frame, learner, cfg))
        idle = (now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds() / 60
        row["idle_min"] = round(idle, 1)
        if row["completed"]:
            row.update(flag="completed", reason="")
        elif row["wrong_in_a_row"] >= cfg.stuck_wrong:
            why = f"{row['wrong_in_a_row']} wrong answers in a row on {row['current_step']}"
            row.update(flag="stuck", reason=why)
        elif idle >= cfg.stuck_minutes:
            row.update(flag="stuck", reason=f"idle for {idle:.0f} min on {row['current_step']}")
        elif learner in hard:
            row.update(flag="struggling", reason="low mastery after many attempts")
        else:
            row.update(flag="", reason="")
        rows.append(row)
    columns = [
        "learner",
        "flag",
        "reason",
        "current_step",
        "answers",
        "correct",
        "wrong_in_a_row",
        "sessions",
        "idle_min",
        "completed",
    ]
    return pd.DataFrame(rows, columns=columns)


def pseudonymise_names(names: Iterable[str], salt: bytes, home: str) -> dict[str, str]:
    """Learner name -> the pseudonym ``lessonkit export --pseudonymise`` gives it."""
    return {n: pseudonym(salt, home, n) for n in names}


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(table: Any, flagged: bool = False) -> str:
    if table is None or len(table) == 0:
        return "<p>Nothing yet.</p>"
    if not flagged:
        return str(table.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}"))
    out = ["<table><thead><tr>"]
    out += [f"<th>{html.escape(str(c))}</th>" for c in table.columns]
    out.append("</tr></thead><tbody>")
    for row in table.itertuples(index=False):
        flag = str(getattr(row, "flag", "") or "")
        out.append(f'<tr class="flag-{html.escape(flag.replace(" ", "-"))}">')
        out += [f"<td>{'' if _missing(v) else html.escape(str(v))}</td>" for v in row]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        return False


def render_page(
    *,
    course: str,
    lesson: str,
    lessons: list[str],
    progress: Any,
    frame: Any,
    pseudonymised: bool,
    refresh: int,
) -> str:
    """The class view page (no external assets; plots inline)."""
    from ..analytics.plots import mastery_heatmap, step_funnel
    from ..analytics.report import personal_data_note
    from ..analytics.tables import class_mastery, step_stats, wrong_answers

    esc = html.escape
    title = f"{course}: {lesson}"
    links = " | ".join(
        f'<a href="?lesson={esc(name)}">{esc(name)}</a>' if name != lesson else esc(name)
        for name in lessons
    )
    exports = (
        f'<a href="export?lesson={esc(lesson)}&amp;format=csv">CSV</a> · '
        f'<a href="export?lesson={esc(lesson)}&amp;format=xapi">xAPI statements</a>'
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="refresh" content="{int(refresh)}">',
        f"<title>{esc(title)} – lessonkit class view</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>{tabs(lesson, 'learners')}",
        f"<p>Lessons: {links}</p><p>Export: {exports}</p>",
        f'<p class="note"><strong>Personal data.</strong> {esc(personal_data_note(pseudonymised))}'
        f" This page reloads every {int(refresh)} s.</p>",
        "<h2>Learners</h2>",
        _table(progress, flagged=True),
    ]
    if len(frame):
        tables = (
            ("Class mastery", class_mastery(frame).reset_index()),
            ("Steps", step_stats(frame).reset_index()),
            ("Common wrong answers", wrong_answers(frame)),
        )
        parts += [f"<h2>{caption}</h2>{_table(table)}" for caption, table in tables]
        for caption, draw in (("Mastery", mastery_heatmap), ("Step funnel", step_funnel)):
            img = f'<img alt="{caption}" src="data:image/png;base64,{_png(draw(frame))}">'
            parts.append(f"<h2>{caption}</h2>{img}")
    parts.append("</body></html>")
    return "\n".join(parts)


def tabs(lesson: str, current: str) -> str:
    """The class view's tabs: links, the current one marked for assistive technology too."""
    esc = html.escape
    out = []
    for key, label, href in (
        ("learners", "Learners and class", f"./?lesson={esc(lesson)}"),
        ("items", "Item analysis", f"items?lesson={esc(lesson)}"),
    ):
        if key == current:
            out.append(f'<a href="{href}" aria-current="page"><strong>{label}</strong></a>')
        else:
            out.append(f'<a href="{href}">{label}</a>')
    return f'<nav aria-label="Class view">{" | ".join(out)}</nav>'


def render_items_page(*, course: str, lesson: str, lessons: list[str], analysis: Any) -> str:
    """The "Item analysis" tab (no learner ids; not reloading itself, so that a command can be
    copied at leisure)."""
    from ..analytics.itemreport import ITEMS_DATA_NOTE, STYLE, items_fragment

    esc = html.escape
    title = f"{course}: {lesson}"
    links = " | ".join(
        f'<a href="items?lesson={esc(name)}">{esc(name)}</a>' if name != lesson else esc(name)
        for name in lessons
    )
    return "\n".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(title)} – item analysis – lessonkit class view</title>",
            f"<style>{_STYLE}{STYLE}</style></head><body><main>",
            f"<h1>{esc(title)}: item analysis</h1>{tabs(lesson, 'items')}",
            f"<p>Lessons: {links}</p>",
            f'<p class="note"><strong>Personal data.</strong> {esc(ITEMS_DATA_NOTE)}</p>',
            "<p>The commands edit the lesson file on your own server: run them where the file "
            "is (the path is the one in the service's configuration), then publish the lesson "
            "again.</p>",
            items_fragment(analysis),
            "</main></body></html>",
        ]
    )
