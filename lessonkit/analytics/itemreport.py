"""Item analysis as CSV, JSON or an accessible, self-contained HTML page (or page fragment).

The HTML has no scripts, stylesheets or images to fetch; tables have captions and header
cells with scopes; flags are words (with a text marker), never a colour alone. The same
fragment is the class view's "Items" tab.
"""

from __future__ import annotations

import html
import math
from typing import Any

from .coverage import COVERAGE_KINDS
from .items import ItemAnalysis

__all__ = ["ITEMS_DATA_NOTE", "items_fragment", "items_tables", "render_items_html"]

ITEMS_DATA_NOTE = (
    "Contains no learner ids: counts and shares per question, and wrong answers as typed "
    "(free text may include anything a learner wrote)."
)
"""What an item-analysis report holds."""

STYLE = """
.items table{border-collapse:collapse;font-size:.9em;margin-bottom:1.2em}
.items caption{text-align:left;font-weight:bold;padding:.3em 0}
.items td,.items th{border:1px solid #888;padding:.25em .5em;text-align:left;vertical-align:top}
.items th{background:#eee}.items td.num{text-align:right}
.items .flag{font-weight:bold;border:2px solid #333;padding:0 .3em}
.items code{background:#f4f4f4;word-break:break-all}
"""


def items_tables(analysis: ItemAnalysis) -> dict[str, Any]:
    """The report's tables by name (for CSV and JSON)."""
    return {"items": analysis.items, "wrong_answers": analysis.wrong}


def _num(value: Any, fmt: str = "{:.2f}") -> str:
    try:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return fmt.format(value)
    except (TypeError, ValueError):
        return "–"


def _pct(value: Any) -> str:
    return _num(None if value is None else value * 100, "{:.0f} %")


def _share(row: Any) -> str:
    return f"{_pct(row.first_try)} ({_pct(row.p_low)}–{_pct(row.p_high)})"


def _disc(row: Any) -> str:
    if isinstance(row.r, float) and math.isnan(row.r):
        return "–"
    text = f"{_num(row.r)} ({_num(row.r_low)} to {_num(row.r_high)})"
    return text + ("" if row.basis == "competency" else " (vs. the whole lesson)")


def _flags(text: str) -> str:
    if not text:
        return ""
    return " ".join(f'<span class="flag">⚑ {html.escape(f)}</span>' for f in text.split("; "))


def _question_cell(row: Any) -> str:
    title = f"<br>{html.escape(str(row.title))}" if isinstance(row.title, str) and row.title else ""
    return f"<strong>{html.escape(str(row.step))}</strong>{title}"


def _summary(items: Any, esc: Any) -> list[str]:
    heads = [
        "Question",
        "Learners",
        "Right on first try (95 % interval)",
        "Attempts",
        "Took a hint",
        "Median time",
        "Discrimination r (95 % interval)",
        "Right on first try: strongest third / weakest third",
        "Flags",
        "Notes",
    ]
    out = ["<table><caption>Questions</caption><thead><tr>"]
    out += [f'<th scope="col">{h}</th>' for h in heads]
    out.append("</tr></thead><tbody>")
    for row in items.itertuples(index=False):
        cells = [
            f'<th scope="row">{_question_cell(row)}</th>',
            f'<td class="num">{int(row.n)}</td>',
            f'<td class="num">{_share(row)}</td>',
            f'<td class="num">{_num(row.attempts, "{:.1f}")}</td>',
            f'<td class="num">{_pct(row.hint_share)}</td>',
            f'<td class="num">{_num(row.median_time_s, "{:.0f} s")}</td>',
            f'<td class="num">{_disc(row)}</td>',
            f'<td class="num">{_pct(row.strong_right)} / {_pct(row.weak_right)}</td>',
            f"<td>{_flags(str(row.flags or ''))}</td>",
            f"<td>{esc(str(row.note or ''))}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _wrong(wrong: Any, esc: Any, caption: str) -> list[str]:
    if not len(wrong):
        return [f"<p>{caption}: none.</p>"]
    heads = ["Question", "Wrong answer", "Learners", "Share", "Feedback now", "Add feedback"]
    out = [f"<table><caption>{caption}</caption><thead><tr>"]
    out += [f'<th scope="col">{h}</th>' for h in heads]
    out.append("</tr></thead><tbody>")
    for row in wrong.itertuples(index=False):
        answer = str(row.response)
        shown = answer if len(answer) <= 200 else answer[:199] + "…"
        kind = str(row.feedback)
        flag = ' <span class="flag">⚑ common, no feedback</span>' if row.common else ""
        command = f"<code>{esc(row.command)}</code>" if row.command else ""
        cells = [
            f'<th scope="row">{esc(str(row.step))}</th>',
            f"<td><code>{esc(shown)}</code></td>",
            f'<td class="num">{int(row.learners)} of {int(row.of)}</td>',
            f'<td class="num">{_pct(row.share)}</td>',
            f'<td><abbr title="{esc(COVERAGE_KINDS.get(kind, kind))}">{esc(kind)}</abbr>'
            f"{flag}</td>",
            f"<td>{command}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def items_fragment(analysis: ItemAnalysis, *, heading: int = 2) -> str:
    """The analysis as an HTML fragment (a ``<section class="items">``)."""
    esc = html.escape
    rules = analysis.rules
    h = f"h{heading}"
    parts = ['<section class="items">']
    if not len(analysis.items):
        parts.append("<p>No answers yet.</p></section>")
        return "".join(parts)
    parts += _summary(analysis.items, esc)
    parts.append(f"<{h}>Wrong answers</{h}>")
    if (analysis.wrong["feedback"] == "unknown").all() if len(analysis.wrong) else False:
        parts.append(
            "<p>Whether the lesson already answers these with feedback is not known: give the "
            "lesson file (<code>--lesson FILE</code>) to check.</p>"
        )
    parts.append(
        "<p>Run a command in the last column (in the folder of the lesson file) to add a "
        "message for learners who give that answer; it asks for the message and checks the "
        "lesson still validates.</p>"
    )
    wrong = analysis.wrong
    uncovered = wrong
    if len(wrong):
        uncovered = wrong[wrong["feedback"] == "none"].sort_values(
            ["common", "learners"], ascending=False, kind="stable"
        )
    parts += _wrong(uncovered, esc, "Wrong answers without feedback, most common first")
    parts.append("<details><summary>All listed wrong answers</summary>")
    parts += _wrong(wrong, esc, "Most common wrong answers per question")
    parts.append("</details>")
    parts.append(f"<{h}>How to read this</{h}>")
    parts.append(
        "<ul>"
        "<li><strong>Right on first try</strong>: the share of learners whose first answer was "
        "right, with a 95 % (Wilson) interval: the smaller the class, the wider it is.</li>"
        "<li><strong>Discrimination</strong>: the correlation between being right on the "
        "first try and how well the learner did on the other questions of the same competency "
        "(item-rest point-biserial). Around 0.3 or more is good; below 0, stronger learners get "
        "it wrong more often than weaker ones.</li>"
        f"<li><strong>Flags</strong> need at least {rules.min_learners} learners. "
        f"<em>misleading</em>: r at most {rules.misleading_r} with its whole interval below 0; "
        f"<em>too easy</em> / <em>too hard</em>: the interval of the first-try share above "
        f"{rules.easy:.0%} / below {rules.hard:.0%}; <em>wrong answer without feedback</em>: "
        f"given by at least {rules.common_share:.0%} of the learners (and "
        f"{rules.common_learners}) with no message of its own.</li>"
        "</ul></section>"
    )
    return "".join(parts)


def render_items_html(analysis: ItemAnalysis, meta: dict[str, Any]) -> str:
    """A whole page with no external assets."""
    title = f"lessonkit item analysis: {meta.get('lesson') or 'all lessons'}"
    about = ", ".join(f"{html.escape(k)}: {html.escape(str(v))}" for k, v in meta.items())
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            f"<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#111}}{STYLE}"
            "</style></head><body><main>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p><strong>Personal data.</strong> {ITEMS_DATA_NOTE}</p>",
            f"<p>{about}</p>",
            items_fragment(analysis),
            "</main></body></html>",
        ]
    )
