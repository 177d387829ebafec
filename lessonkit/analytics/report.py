"""A class report: the analytics tables as CSV, JSON or one self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

from .flags import flags
from .paths import branch_stats, common_paths
from .privacy import PERSONAL_DATA_NOTE
from .tables import class_mastery, step_stats, wrong_answers

__all__ = ["personal_data_note", "render_csv", "render_html", "render_json", "report_tables"]


def report_tables(frame: Any, by: str | None = None) -> dict[str, Any]:
    """The report's tables by name, each a DataFrame with a plain (non-index) layout; ``by``
    (``"language"``) adds the tables split by that column (:mod:`.groups`)."""
    tables = {
        "class_mastery": class_mastery(frame).reset_index(),
        "step_stats": step_stats(frame).reset_index(),
        "branch_stats": branch_stats(frame),
        "common_paths": common_paths(frame),
        "wrong_answers": wrong_answers(frame),
        "flags": flags(frame).reset_index(),
    }
    if by is not None:
        from .groups import GROUP_COLUMNS, group_summary, step_stats_by

        if by not in GROUP_COLUMNS:
            raise ValueError(f"cannot split a report by {by!r} (only {', '.join(GROUP_COLUMNS)})")
        tables[f"by_{by}"] = group_summary(frame, by)
        tables[f"step_stats_by_{by}"] = step_stats_by(frame, by)
    return tables


def personal_data_note(pseudonymised: bool) -> str:
    """The statement of what personal data a report contains."""
    ids = (
        "pseudonymised: salted HMAC-SHA256, as `lessonkit export --pseudonymise`"
        if pseudonymised
        else "real account names"
    )
    return PERSONAL_DATA_NOTE.format(ids=ids)


def render_csv(tables: dict[str, Any], note: str) -> str:
    """All tables in one CSV text, each after a ``# table: NAME`` line."""
    out = io.StringIO()
    out.write(f"# {note}\n")
    for name, table in tables.items():
        out.write(f"# table: {name}\n")
        table.to_csv(out, index=False, lineterminator="\n")
        out.write("\n")
    return out.getvalue()


def render_json(tables: dict[str, Any], note: str, meta: dict[str, Any]) -> str:
    """``{"personal_data": ..., "meta": ..., "tables": {name: [records]}}``."""
    body = {
        "personal_data": note,
        "meta": meta,
        "tables": {name: json.loads(t.to_json(orient="records")) for name, t in tables.items()},
    }
    return json.dumps(body, indent=1, ensure_ascii=False)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;font-size:.85em;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#f3f3f3}.note{background:#fff6d5;padding:.6em;border:1px solid #e6c84f}
img{max-width:100%}
"""


def render_html(frame: Any, tables: dict[str, Any], note: str, meta: dict[str, Any]) -> str:
    """One HTML page with no external assets: tables, and plots as inline base64 PNG."""
    from .plots import branch_frequencies, mastery_heatmap, step_funnel

    title = f"lessonkit class report: {meta.get('lesson') or 'all lessons'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note"><strong>Personal data.</strong> {html.escape(note)}</p>',
        "<p>"
        + ", ".join(f"{html.escape(k)}: {html.escape(str(v))}" for k, v in meta.items())
        + "</p>",
    ]
    for caption, draw in (
        ("Mastery", mastery_heatmap),
        ("Step funnel", step_funnel),
        ("Branches", branch_frequencies),
    ):
        png = _png(draw(frame))
        parts.append(f'<h2>{caption}</h2><img alt="{caption}" src="data:image/png;base64,{png}">')
    for name, table in tables.items():
        parts.append(f"<h2>{html.escape(name.replace('_', ' '))}</h2>")
        parts.append(table.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}"))
    parts.append("</body></html>")
    return "\n".join(parts)
