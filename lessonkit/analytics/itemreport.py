"""Item analysis as CSV, JSON or an accessible, self-contained HTML page (or page fragment).

The HTML has no scripts, stylesheets or images to fetch; tables have captions and header
cells with scopes; flags are words (with a text marker), never a colour alone. The same
fragment is the class view's "Items" tab.
"""

from __future__ import annotations

import html
import math
from typing import Any

from ..i18n import N_, Translator, translator
from .coverage import COVERAGE_KINDS
from .itemnotes import common_answers, flag_label, percent, question_note
from .items import ItemAnalysis

__all__ = ["ITEMS_DATA_NOTE", "items_fragment", "items_tables", "render_items_html"]

ITEMS_DATA_NOTE = N_(
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


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: Any, t: Translator, digits: int = 2) -> str:
    if _missing(value):
        return "–"
    try:
        return t.number(round(float(value), digits))
    except (TypeError, ValueError):
        return "–"


def _share(row: Any, t: Translator) -> str:
    return f"{percent(row.first_try, t)} ({percent(row.p_low, t)}–{percent(row.p_high, t)})"


def _disc(row: Any, t: Translator) -> str:
    if _missing(row.r):
        return "–"
    text = t.gettext("{r} ({low} to {high})").format(
        r=_num(row.r, t), low=_num(row.r_low, t), high=_num(row.r_high, t)
    )
    return text + ("" if row.basis == "competency" else " " + t.gettext("(vs. the whole lesson)"))


def _seconds(value: Any, t: Translator) -> str:
    return "–" if _missing(value) else t.gettext("{seconds} s").format(seconds=_num(value, t, 0))


def _flags(text: str, t: Translator) -> str:
    if not text:
        return ""
    return " ".join(
        f'<span class="flag">⚑ {html.escape(flag_label(f, t))}</span>' for f in text.split("; ")
    )


def _question_cell(row: Any) -> str:
    title = f"<br>{html.escape(str(row.title))}" if isinstance(row.title, str) and row.title else ""
    return f"<strong>{html.escape(str(row.step))}</strong>{title}"


def _summary(analysis: ItemAnalysis, t: Translator) -> list[str]:
    _, esc = t.gettext, html.escape
    heads = [
        _("Question"),
        _("Learners"),
        _("Right on first try (95 % interval)"),
        _("Attempts"),
        _("Took a hint"),
        _("Median time"),
        _("Discrimination r (95 % interval)"),
        _("Right on first try: strongest third / weakest third"),
        _("Flags"),
        _("Notes"),
    ]
    common = common_answers(analysis.wrong)
    caption = _("Questions")
    out = [f"<table><caption>{esc(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col">{esc(h)}</th>' for h in heads]
    out.append("</tr></thead><tbody>")
    for row in analysis.items.itertuples(index=False):
        flags = [f for f in str(row.flags or "").split("; ") if f]
        answers = common.get((str(row.lesson), str(row.step)), [])
        note = question_note(row._asdict(), flags, answers, analysis.rules, t)
        cells = [
            f'<th scope="row">{_question_cell(row)}</th>',
            f'<td class="num">{t.number(int(row.n))}</td>',
            f'<td class="num">{_share(row, t)}</td>',
            f'<td class="num">{_num(row.attempts, t, 1)}</td>',
            f'<td class="num">{percent(row.hint_share, t)}</td>',
            f'<td class="num">{_seconds(row.median_time_s, t)}</td>',
            f'<td class="num">{_disc(row, t)}</td>',
            f'<td class="num">{percent(row.strong_right, t)} / {percent(row.weak_right, t)}</td>',
            f"<td>{_flags(str(row.flags or ''), t)}</td>",
            f"<td>{esc(note)}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _kind(kind: str, t: Translator) -> tuple[str, str]:
    """A value of the ``feedback`` column as (label, what it means) in ``t``'s language."""
    labels = {
        "targeted": t.pgettext("feedback now", "targeted"),
        "option": t.pgettext("feedback now", "option"),
        "none": t.pgettext("feedback now", "none"),
        "some variants": t.pgettext("feedback now", "some variants"),
        "right": t.pgettext("feedback now", "right"),
        "unreadable": t.pgettext("feedback now", "unreadable"),
        "n/a": t.pgettext("feedback now", "n/a"),
        "unknown": t.pgettext("feedback now", "unknown"),
    }
    meaning = COVERAGE_KINDS.get(kind)
    return labels.get(kind, kind), t.gettext(meaning) if meaning else labels.get(kind, kind)


def _wrong(wrong: Any, t: Translator, caption: str) -> list[str]:
    _, esc = t.gettext, html.escape
    if not len(wrong):
        empty = _("{table}: none.").format(table=caption)
        return [f"<p>{esc(empty)}</p>"]
    heads = [
        _("Question"),
        _("Wrong answer"),
        _("Learners"),
        _("Share"),
        _("Feedback now"),
        _("Add feedback"),
    ]
    common = esc(_("common, no feedback"))
    out = [f"<table><caption>{esc(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col">{esc(h)}</th>' for h in heads]
    out.append("</tr></thead><tbody>")
    for row in wrong.itertuples(index=False):
        answer = str(row.response)
        shown = answer if len(answer) <= 200 else answer[:199] + "…"
        label, meaning = _kind(str(row.feedback), t)
        flag = f' <span class="flag">⚑ {common}</span>' if row.common else ""
        command = f'<code dir="ltr">{esc(row.command)}</code>' if row.command else ""
        learners = _("{count} of {total}").format(
            count=t.number(int(row.learners)), total=t.number(int(row.of))
        )
        cells = [
            f'<th scope="row">{esc(str(row.step))}</th>',
            f'<td><code dir="auto">{esc(shown)}</code></td>',
            f'<td class="num">{esc(learners)}</td>',
            f'<td class="num">{percent(row.share, t)}</td>',
            f'<td><abbr title="{esc(meaning)}">{esc(label)}</abbr>{flag}</td>',
            f"<td>{command}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def items_fragment(analysis: ItemAnalysis, *, heading: int = 2, t: Translator | None = None) -> str:
    """The analysis as an HTML fragment (a ``<section class="items">``) in ``t``'s language
    (English by default); answers, question ids and commands are shown as they are."""
    t = t or translator()
    _, esc = t.gettext, html.escape
    rules = analysis.rules
    h = f"h{heading}"
    parts = ['<section class="items">']
    if not len(analysis.items):
        none_yet = _("No answers yet.")
        parts.append(f"<p>{esc(none_yet)}</p></section>")
        return "".join(parts)
    parts += _summary(analysis, t)
    wrong_answers = _("Wrong answers")
    parts.append(f"<{h}>{esc(wrong_answers)}</{h}>")
    if (analysis.wrong["feedback"] == "unknown").all() if len(analysis.wrong) else False:
        parts.append(
            "<p>"
            + esc(
                _(
                    "Whether the lesson already answers these with feedback is not known: give "
                    "the lesson file ({option}) to check."
                )
            ).format(option='<code dir="ltr">--lesson FILE</code>')
            + "</p>"
        )
    parts.append(
        "<p>"
        + esc(
            _(
                "Run a command in the last column (in the folder of the lesson file) to add a "
                "message for learners who give that answer; it asks for the message and checks "
                "the lesson still validates."
            )
        )
        + "</p>"
    )
    wrong = analysis.wrong
    uncovered = wrong
    if len(wrong):
        uncovered = wrong[wrong["feedback"] == "none"].sort_values(
            ["common", "learners"], ascending=False, kind="stable"
        )
    parts += _wrong(uncovered, t, _("Wrong answers without feedback, most common first"))
    all_listed = _("All listed wrong answers")
    parts.append(f"<details><summary>{esc(all_listed)}</summary>")
    parts += _wrong(wrong, t, _("Most common wrong answers per question"))
    parts.append("</details>")
    how = _("How to read this")
    parts.append(f"<{h}>{esc(how)}</{h}>")
    parts.append(_how_to_read(rules, t))
    parts.append("</section>")
    return "".join(parts)


def _how_to_read(rules: Any, t: Translator) -> str:
    _, esc = t.gettext, html.escape
    first_try = _(
        "{term}: the share of learners whose first answer was right, with a 95 % (Wilson) "
        "interval: the smaller the class, the wider it is."
    )
    discrimination = _(
        "{term}: the correlation between being right on the first try and how well the learner "
        "did on the other questions of the same competency (item-rest point-biserial). Around "
        "0.3 or more is good; below 0, stronger learners get it wrong more often than weaker ones."
    )
    flags = _(
        "{term} need at least {learners} learners. {misleading}: r at most {r} with its whole "
        "interval below 0; {easy} / {hard}: the interval of the first-try share above {above} / "
        "below {below}; {uncovered}: given by at least {share} of the learners (and "
        "{common_learners}) with no message of their own."
    )

    def term(text: str, tag: str = "strong") -> str:
        return f"<{tag}>{esc(text)}</{tag}>"

    items = [
        esc(first_try).format(term=term(_("Right on first try"))),
        esc(discrimination).format(term=term(_("Discrimination"))),
        esc(flags).format(
            term=term(_("Flags")),
            learners=t.number(rules.min_learners),
            misleading=term(flag_label("misleading", t), "em"),
            r=t.number(rules.misleading_r),
            easy=term(flag_label("too easy", t), "em"),
            hard=term(flag_label("too hard", t), "em"),
            above=t.percent(rules.easy),
            below=t.percent(rules.hard),
            uncovered=term(flag_label("wrong answer without feedback", t), "em"),
            share=t.percent(rules.common_share),
            common_learners=t.number(rules.common_learners),
        ),
    ]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def render_items_html(
    analysis: ItemAnalysis, meta: dict[str, Any], t: Translator | None = None
) -> str:
    """A whole page with no external assets, in ``t``'s language (English by default)."""
    t = t or translator()
    _, esc = t.gettext, html.escape
    title = _("lessonkit item analysis: {lesson}").format(
        lesson=meta.get("lesson") or _("all lessons")
    )
    personal = _("Personal data.")
    about = ", ".join(f"{esc(k)}: {esc(str(v))}" for k, v in meta.items())
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{t.language}" dir="{t.direction}"><head><meta charset="utf-8">',
            f"<title>{esc(title)}</title>",
            f"<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#111}}{STYLE}"
            "</style></head><body><main>",
            f"<h1>{esc(title)}</h1>",
            f"<p><strong>{esc(personal)}</strong> {esc(_(ITEMS_DATA_NOTE))}</p>",
            f'<p dir="ltr">{about}</p>',
            items_fragment(analysis, t=t),
            "</main></body></html>",
        ]
    )
