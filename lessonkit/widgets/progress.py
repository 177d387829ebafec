"""Progress displays: position on the path, mastery bars, the end-of-lesson summary.

Pure functions from a session to HTML text, so tests can assert on them; ``t`` is the
learner's language (English by default).

Mastery is shown honestly: a competency with no answers yet says so (no percentage drawn from
the lesson's prior), a bar that moved says why (right on the first try, a hint first, only
first tries count), and the end summary speaks of mastery in the same terms as the bars.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from ..i18n import N_, Translator, direction, translator
from ..lesson.model import End, Lesson
from .markdown import escape

__all__ = ["Row", "bars_html", "mastery_html", "position_html", "steps_left", "summary_html"]

Row = tuple[str, str, float | None, bool]
"""(competency id, title, P(known) or ``None`` before any evidence, mastered)."""
_ENGLISH = translator()
MASTERY = N_("Mastery")


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


def position_html(session: Any, t: Translator = _ENGLISH) -> str:
    """Lesson title, "Step n" and a track of steps done, current and (at least) left."""
    lesson = session.lesson
    done = max(0, len(session.path) - 1)
    current = session.current_id or lesson.start_id
    left = 0 if session.finished else steps_left(lesson, current)
    total = done + 1 + left
    if session.finished:
        where = t.gettext("Lesson complete")
    else:
        step = t.gettext("Step {n} of about {total}")
        where = step.format(n=t.number(done + 1), total=t.number(total))
    cells = ["<span class='lk-done'></span>"] * done
    cells.append(
        "<span class='lk-done'></span>" if session.finished else "<span class='lk-now'></span>"
    )
    cells += ["<span></span>"] * left
    label = escape(t.gettext("Lesson progress"))
    return (
        f"<div class='lk-header'><h1 class='lk-lesson-title'{content_language(lesson, t)}>"
        f"{escape(lesson.title)}</h1>"
        f"<span class='lk-position'>{escape(where)}</span>"
        f"<div class='lk-track' role='progressbar' aria-label='{label}' "
        f"aria-valuemin='0' aria-valuemax='{total}' aria-valuenow='{done + 1}' "
        f"aria-valuetext='{escape(where)}'>{''.join(cells)}</div></div>"
    )


def _rows(session: Any) -> list[Row]:
    rows: list[Row] = []
    tracker = session.mastery
    for comp in session.lesson.competencies:
        seen = tracker.opportunities(comp.id) > 0
        p = float(tracker.probability(comp.id)) if seen else None
        rows.append((comp.id, comp.title or comp.id, p, seen and bool(tracker.mastered(comp.id))))
    return rows


def bars_html(
    rows: list[Row],
    heading: str = N_("Your mastery"),
    why: Mapping[str, str] | None = None,
    t: Translator = _ENGLISH,
) -> str:
    """Labelled mastery bars; ``why`` maps a competency id to why its bar just moved.

    ``heading`` is English, shown in ``t``'s language.
    """
    if not rows:
        return ""
    _ = t.gettext
    parts = [f"<div class='lk-mastery'><h2 class='lk-subhead'>{escape(_(heading))}</h2>"]
    for cid, title, p, mastered in rows:
        if p is None:
            shown, pct, text = _("No answers yet"), 0, _("no answers yet")
        else:
            pct = round(100 * p)
            percent = t.percent(p)
            shown = _("{percent} ✓ mastered").format(percent=percent) if mastered else percent
            text = _("{percent}, mastered").format(percent=percent) if mastered else percent
        parts.append(
            f"<div class='lk-bar-label' data-competency='{escape(cid)}'>"
            f"<span>{escape(title)}</span><span class='lk-bar-value'>{escape(shown)}</span></div>"
            f"<div class='lk-bar{' lk-mastered' if mastered else ''}' role='progressbar' "
            f"aria-label='{escape(title)}' aria-valuemin='0' aria-valuemax='100' "
            f"aria-valuenow='{pct}' aria-valuetext='{escape(text)}'>"
            f"<span style='width:{pct}%'></span></div>"
        )
        if why and why.get(cid):
            parts.append(f"<p class='lk-why'>{escape(why[cid])}</p>")
    note = _(
        "The bars estimate how sure lessonkit is that you know each skill; first tries "
        "without a hint count."
    )
    parts.append(f"<p class='lk-why lk-note'>{escape(note)}</p></div>")
    return "".join(parts)


def why_moved(
    session: Any, question: Any, outcome: Any, t: Translator = _ENGLISH
) -> dict[str, str]:
    """Why each of ``question``'s competency bars moved (or not) after ``outcome``."""
    if outcome is None or question is None or outcome.result is None:
        return {}
    rec = session.records.get(question.id)
    attempt = rec.attempts if rec is not None else 1
    hinted = rec is not None and rec.hints_used > 0
    settings = session.lesson.settings
    _ = t.gettext
    out: dict[str, str] = {}
    for cid in question.competencies:
        change = outcome.mastery.get(cid)
        if change is None:
            if attempt > 1:
                text = _("Unchanged: only first tries count, and this was try {n}.")
                out[cid] = text.format(n=t.number(attempt))
            else:
                out[cid] = _("Unchanged: this answer was not counted.")
            continue
        if outcome.result.correct and hinted and settings.hint_counts_as_wrong:
            text = _(
                "{before} → {after}: right, but after a hint, so it does not yet show you know it."
            )
        elif outcome.result.correct:
            text = _("{before} → {after}: right on the first try.")
        else:
            text = _("{before} → {after}: not right on the first try.")
        out[cid] = text.format(before=t.percent(change[0]), after=t.percent(change[1]))
    return out


def mastery_html(
    session: Any, why: Mapping[str, str] | None = None, t: Translator = _ENGLISH
) -> str:
    """Mastery bars for the lesson's competencies."""
    return bars_html(_rows(session), why=why, t=t)


def summary_html(session: Any, body_html: str = "", t: Translator = _ENGLISH) -> str:
    """The end summary: points, mastery per competency (as the bars say), what to do next."""
    _ = t.gettext
    earned, available = session.score()
    rows = _rows(session)
    weak = [f"<em>{escape(title)}</em>" for _id, title, _p, mastered in rows if not mastered]
    if not rows:
        advice = ""
    elif weak and available and earned >= available:
        advice = _(
            "<strong>What next:</strong> every answer counted on your path was right, but there "
            "were not yet enough first tries to be sure about {skills}. Restart the lesson or "
            "try the practice questions to show it."
        )
    elif weak:
        advice = _(
            "<strong>What next:</strong> practise {skills} a little more — restart the lesson "
            "or try the practice questions again."
        )
    else:
        advice = _("<strong>What next:</strong> you mastered everything here. Well done!")
    advice = f"<p>{advice.format(skills=t.join(weak))}</p>" if advice else ""
    points = ""
    if available:
        # The score stays one left-to-right run in right-to-left text ("1.5 / 2", not "2 / 1.5").
        score = f"<bdi>{t.number(earned)} / {t.number(available)}</bdi>"
        total = _("{score} points")  # a ratio: no count to agree with
        where = _("Points on the questions you met on your path.")
        points = (
            f"<p class='lk-score'>{total.format(score=score)}</p>"
            f"<p class='lk-status'>{escape(where)}</p>"
        )
    label, heading = _("Lesson summary"), _("Your results")
    return (
        f"<div class='lk-summary' role='region' aria-label='{escape(label)}'>"
        f"<h2 class='lk-subhead'>{escape(heading)}</h2>"
        f"{points}{bars_html(rows, heading=MASTERY, t=t)}{advice}{body_html}</div>"
    )


def content_language(lesson: Any, t: Translator) -> str:
    """``lang``/``dir`` attributes for the lesson's own words where they are in another
    language than the page's (an English lesson on an Arabic page reads left to right)."""
    language = getattr(lesson, "language", t.language)
    if language.split("-")[0].lower() == t.language.split("-")[0].lower():
        return ""
    return f" lang='{escape(language)}' dir='{direction(language)}'"
