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
from ..i18n import Translator, translator
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
    t: Translator | None = None,
) -> Any:
    """One row per learner (the roster and anyone with evidence) with a ``flag`` column
    (English keys) and a ``reason`` in ``t``'s language (English by default)."""
    import pandas as pd

    t = t or translator()
    _ = t.gettext
    now = now or datetime.now(UTC)
    hard = set(struggling)
    learners = sorted(set(roster) | set(frame["learner"].dropna().astype(str)))
    rows = []
    for learner in learners:
        row: dict[str, Any] = {"learner": learner}
        stamp = last_seen.get(learner)
        if stamp is None or not (frame["learner"] == learner).any():
            row.update(flag="not started", reason=_("no evidence in this lesson yet"))
            rows.append(row)
            continue
        row.update(_learner_rows(frame, learner, cfg))
        idle = (now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds() / 60
        row["idle_min"] = round(idle, 1)
        if row["completed"]:
            row.update(flag="completed", reason="")
        elif row["wrong_in_a_row"] >= cfg.stuck_wrong:
            n = row["wrong_in_a_row"]
            why = t.ngettext(
                "{n} wrong answer in a row on {step}", "{n} wrong answers in a row on {step}", n
            ).format(n=t.number(n), step=row["current_step"])
            row.update(flag="stuck", reason=why)
        elif idle >= cfg.stuck_minutes:
            why = _("idle for {n} min on {step}").format(
                n=t.number(round(idle)), step=row["current_step"]
            )
            row.update(flag="stuck", reason=why)
        elif learner in hard:
            row.update(flag="struggling", reason=_("low mastery after many attempts"))
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


def _table(table: Any, t: Translator, flagged: bool = False) -> str:
    from ..analytics.labels import FLAGS, for_display

    if table is None or len(table) == 0:
        nothing = t.gettext("Nothing yet.")
        return f"<p>{html.escape(nothing)}</p>"
    if not flagged:
        shown = for_display(table, t)
        return str(shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}"))
    out = ["<table><thead><tr>"]
    out += [f"<th>{html.escape(str(c))}</th>" for c in for_display(table.iloc[:0], t).columns]
    out.append("</tr></thead><tbody>")
    for row in table.itertuples(index=False):
        flag = str(getattr(row, "flag", "") or "")
        out.append(f'<tr class="flag-{html.escape(flag.replace(" ", "-"))}">')
        for name, v in zip(table.columns, row, strict=True):
            shown = t.gettext(FLAGS[v]) if name == "flag" and v in FLAGS else v
            out.append(f"<td>{'' if _missing(v) else html.escape(str(shown))}</td>")
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
    t: Translator | None = None,
) -> str:
    """The class view page in ``t``'s language (no external assets; plots inline)."""
    from ..analytics.plots import mastery_heatmap, step_funnel
    from ..analytics.report import personal_data_note
    from ..analytics.tables import class_mastery, step_stats, wrong_answers

    t = t or translator()
    _ = t.gettext
    esc = html.escape
    title = f"{course}: {lesson}"
    links = " | ".join(
        f'<a href="?lesson={esc(name)}">{esc(name)}</a>' if name != lesson else esc(name)
        for name in lessons
    )
    statements = _("xAPI statements")
    exports = (
        f'<a href="export?lesson={esc(lesson)}&amp;format=csv">CSV</a> · '
        f'<a href="export?lesson={esc(lesson)}&amp;format=xapi">{esc(statements)}</a>'
    )
    reloads = _("This page reloads every {n} s.").format(n=t.number(int(refresh)))
    lessons_, export, personal = _("Lessons:"), _("Export:"), _("Personal data.")
    learners = _("Learners")
    page = esc(_("{page} – lessonkit class view").format(page=title))
    parts = [
        f'<!DOCTYPE html><html lang="{t.language}" dir="{t.direction}"><head>'
        '<meta charset="utf-8">',
        f'<meta http-equiv="refresh" content="{int(refresh)}">',
        f"<title>{page}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>{tabs(lesson, 'learners', t)}",
        f"<p>{esc(lessons_)} {links}</p><p>{esc(export)} {exports}</p>",
        f'<p class="note"><strong>{esc(personal)}</strong> '
        f"{esc(personal_data_note(pseudonymised, t))} {esc(reloads)}</p>",
        f"<h2>{esc(learners)}</h2>",
        _table(progress, t, flagged=True),
    ]
    if len(frame):
        tables = (
            (_("Class mastery"), class_mastery(frame).reset_index()),
            (_("Steps"), step_stats(frame).reset_index()),
            (_("Common wrong answers"), wrong_answers(frame)),
        )
        parts += [f"<h2>{esc(caption)}</h2>{_table(table, t)}" for caption, table in tables]
        for caption, draw in ((_("Mastery"), mastery_heatmap), (_("Step funnel"), step_funnel)):
            img = f'<img alt="{esc(caption)}" src="data:image/png;base64,{_png(draw(frame, t=t))}">'
            parts.append(f"<h2>{esc(caption)}</h2>{img}")
    parts.append("</body></html>")
    return "\n".join(parts)


def tabs(lesson: str, current: str, t: Translator | None = None) -> str:
    """The class view's tabs: links, the current one marked for assistive technology too."""
    _ = (t or translator()).gettext
    esc = html.escape
    out = []
    for key, label, href in (
        ("learners", _("Learners and class"), f"./?lesson={esc(lesson)}"),
        ("items", _("Item analysis"), f"items?lesson={esc(lesson)}"),
        ("grading", _("Grading"), f"grading?lesson={esc(lesson)}"),
        ("support", _("Support a learner"), f"support?lesson={esc(lesson)}"),
    ):
        if key == current:
            out.append(f'<a href="{href}" aria-current="page"><strong>{esc(label)}</strong></a>')
        else:
            out.append(f'<a href="{href}">{esc(label)}</a>')
    label = _("Class view")
    return f'<nav aria-label="{esc(label)}">{" | ".join(out)}</nav>'


def render_items_page(
    *, course: str, lesson: str, lessons: list[str], analysis: Any, t: Translator | None = None
) -> str:
    """The "Item analysis" tab (no learner ids; not reloading itself, so that a command can be
    copied at leisure), in ``t``'s language; answers, question ids and the commands to run
    are shown as they are."""
    from ..analytics.itemreport import ITEMS_DATA_NOTE, STYLE, items_fragment

    t = t or translator()
    _ = t.gettext
    esc = html.escape
    title = f"{course}: {lesson}"
    links = " | ".join(
        f'<a href="items?lesson={esc(name)}">{esc(name)}</a>' if name != lesson else esc(name)
        for name in lessons
    )
    page = _("{page} – item analysis – lessonkit class view").format(page=title)
    heading = _("{page}: item analysis").format(page=title)
    lessons_, personal = _("Lessons:"), _("Personal data.")
    commands = _(
        "The commands edit the lesson file on your own server: run them where the file is (the "
        "path is the one in the service's configuration), then publish the lesson again."
    )
    return "\n".join(
        [
            f'<!DOCTYPE html><html lang="{t.language}" dir="{t.direction}"><head>'
            '<meta charset="utf-8">',
            f"<title>{esc(page)}</title>",
            f"<style>{_STYLE}{STYLE}</style></head><body><main>",
            f"<h1>{esc(heading)}</h1>{tabs(lesson, 'items', t)}",
            f"<p>{esc(lessons_)} {links}</p>",
            f'<p class="note"><strong>{esc(personal)}</strong> {esc(_(ITEMS_DATA_NOTE))}</p>',
            f"<p>{esc(commands)}</p>",
            items_fragment(analysis, t=t),
            "</main></body></html>",
        ]
    )
